#!/usr/bin/env bash
# Benchmark: sf::prom::Parser (prom-parse-bench) against its peers on the same bytes:
#   - promtool check metrics (Prometheus's Go text parser plus lint; exit 3 = lint warnings,
#     which a real node-exporter payload always has, so 0 and 3 both mean "parsed");
#   - python3-prometheus-client's text_string_to_metric_families (Debian's /usr/bin/python3).
#
# The input is made at run time from a real node-exporter payload: a prometheus-node-exporter
# started here on a free loopback port (killed afterwards) is scraped once, then every family
# block is written once with N copies of each sample told apart by a label copy="<i>" (simply
# concatenating payloads would repeat HELP lines, which promtool rejects). A large input
# (~8 MB) is timed; a 10x smaller one is made to show that our peak RSS does not grow with
# the input.
#
# Prints MB/s (10^6 bytes per second, wall clock of the whole command, best run) for each
# and the ratios ours/promtool and ours/python. Exits non-zero only when something failed to
# run or parse; there is no timing assertion.
#
# Usage: tests/bench/bench_parser.sh [--bin-dir DIR] [--payload FILE] [--mb N]
#   --bin-dir  where prom-parse-bench is (default: $SF_BIN_DIR, else <repo>/build/bin)
#   --payload  use this exposition file instead of scraping a live node-exporter
#   --mb       approximate size of the large input in MB (default 8)
#   --no-hyperfine  time with the built-in best-of-3 loop even when hyperfine is installed
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin_dir=${SF_BIN_DIR:-$repo/build/bin}
payload_arg=""
target_mb=8
use_hyperfine=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --payload) payload_arg=$2; shift 2 ;;
    --mb) target_mb=$2; shift 2 ;;
    --no-hyperfine) use_hyperfine=0; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "bench_parser: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3   # the python that has python3-prometheus-client (not a pyenv shim)
ours=$bin_dir/prom-parse-bench
die() { echo "bench_parser: $*" >&2; exit 1; }
[[ -x $ours ]] || die "$ours not found: build it first (cmake --build build --target prom-parse-bench) or pass --bin-dir"
command -v promtool >/dev/null || die "promtool not found: apt-get install -y prometheus"
[[ -x $PY ]] || die "$PY not found"
$PY -c 'import prometheus_client.parser' 2>/dev/null \
  || die "$PY cannot import prometheus_client: apt-get install -y python3-prometheus-client"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install -y time"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench_parser.XXXXXX")
ne_pid=""
cleanup() {
  if [[ -n $ne_pid ]]; then kill "$ne_pid" 2>/dev/null || true; wait "$ne_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. One real payload.
payload=$work/payload.txt
if [[ -n $payload_arg ]]; then
  cp "$payload_arg" "$payload"
  echo "payload: $payload_arg ($(wc -c < "$payload") bytes)"
else
  ne=/usr/bin/prometheus-node-exporter
  [[ -x $ne ]] || die "$ne not found: apt-get install -y prometheus-node-exporter (or pass --payload FILE)"
  port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  "$ne" --web.listen-address="127.0.0.1:$port" > "$work/node-exporter.log" 2>&1 &
  ne_pid=$!
  $PY - "$port" "$payload" <<'EOF' || { tail -5 "$work/node-exporter.log" >&2; die "could not scrape node-exporter on port $1"; }
import sys, time, urllib.request
port, out = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 15
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            body = r.read()
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.1)
open(out, "wb").write(body)
EOF
  kill "$ne_pid" 2>/dev/null || true
  wait "$ne_pid" 2>/dev/null || true
  ne_pid=""
  echo "payload: live prometheus-node-exporter on 127.0.0.1:$port ($(wc -c < "$payload") bytes)"
fi

# 2. The large and the 10x smaller input: each family block once, N copies per sample.
big=$work/big.prom
small=$work/small.prom
$PY - "$payload" "$big" "$small" "$target_mb" <<'EOF'
import re, sys
src, big, small, target_mb = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
lines = open(src, encoding="utf-8").read().splitlines()
name_re = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
sample_lines = [l for l in lines if l.strip() and not l.lstrip().startswith("#")]
if not sample_lines:
    sys.exit("payload has no samples")
per_copy = sum(len(l) + 12 for l in sample_lines)  # + ' copy="NNN",'
copies = max(10, round(target_mb * 1e6 / per_copy))

def write(path, n):
    out, block = [], []
    def flush():
        for i in range(n):
            for l in block:
                m = name_re.match(l)
                rest = l[m.end():]
                if rest.startswith("{"):
                    out.append(f'{m.group(0)}{{copy="{i}",{rest[1:]}')
                else:
                    out.append(f'{m.group(0)}{{copy="{i}"}}{rest}')
        block.clear()
    for l in lines:
        if not l.strip() or l.lstrip().startswith("#"):
            flush()
            out.append(l)
        else:
            block.append(l)
    flush()
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")

write(big, copies)
write(small, max(1, copies // 10))
print(f"inputs: {copies} copies of {len(sample_lines)} samples (large), {max(1, copies // 10)} copies (small)")
EOF
big_bytes=$(wc -c < "$big")
small_bytes=$(wc -c < "$small")
echo "large input: $big_bytes bytes; small input: $small_bytes bytes"

# 3. Every parser must accept the input (and ours and python must agree on the sample count).
py_parse='import sys, time
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
t = time.perf_counter()
n = sum(len(f.samples) for f in text_string_to_metric_families(text))
dt = time.perf_counter() - t
if len(sys.argv) > 2: print(n, dt)'
ours_out=$("$ours" "$big") || die "prom-parse-bench failed on the large input"
ours_samples=$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' <<<"$ours_out")
ours_internal=$(sed -n 's|.*MB/s=\([0-9.]*\).*|\1|p' <<<"$ours_out")
read -r py_samples py_parse_s < <($PY -c "$py_parse" "$big" report) || die "python parser failed"
[[ $ours_samples == "$py_samples" ]] \
  || die "sample counts differ: prom-parse-bench $ours_samples, prometheus_client $py_samples"
set +e
promtool check metrics < "$big" > /dev/null 2> "$work/promtool.err"
rc=$?
set -e
if [[ $rc -ne 0 && $rc -ne 3 ]]; then
  head -3 "$work/promtool.err" >&2
  die "promtool check metrics rejected the input (rc=$rc)"
fi
echo "all three parsers accept it: $ours_samples samples (promtool rc=$rc: $(wc -l < "$work/promtool.err") lint lines)"

# 4. Timing: best wall-clock time of whole commands.
cmd_ours="$ours $big > /dev/null"
cmd_promtool="promtool check metrics < $big > /dev/null 2>&1; rc=\$?; [ \$rc -eq 0 ] || [ \$rc -eq 3 ]"
cmd_python="$PY -c '$py_parse' $big"
best_ours="" best_promtool="" best_python=""
if [[ $use_hyperfine == 1 ]] && command -v hyperfine > /dev/null; then
  echo "timing with hyperfine (1 warm-up, 5 runs each; best run counts)"
  hyperfine --style basic --warmup 1 --runs 5 --export-json "$work/h.json" \
    -n ours "$cmd_ours" -n promtool "$cmd_promtool" -n python "$cmd_python" > "$work/hyperfine.log" 2>&1 \
    || { cat "$work/hyperfine.log" >&2; die "hyperfine failed"; }
  read -r best_ours best_promtool best_python < <($PY -c '
import json, sys
r = {x["command"]: min(x["times"]) for x in json.load(open(sys.argv[1]))["results"]}
print(r["ours"], r["promtool"], r["python"])' "$work/h.json")
else
  echo "timing without hyperfine (3 runs each; best run counts)"
  best_of3() {
    local best="" t0 t1 dt
    for _ in 1 2 3; do
      t0=$(date +%s%N)
      eval "$1" || die "command failed: $1"
      t1=$(date +%s%N)
      dt=$(( t1 - t0 ))
      if [[ -z $best || $dt -lt $best ]]; then best=$dt; fi
    done
    $PY -c "print($best / 1e9)"
  }
  best_ours=$(best_of3 "$cmd_ours")
  best_promtool=$(best_of3 "$cmd_promtool")
  best_python=$(best_of3 "$cmd_python")
fi

# Parse loop only (no process start-up, no interpreter import): best of 3 in-process timings.
for _ in 1 2 3; do
  mbs=$("$ours" "$big" | sed -n 's|.*MB/s=\([0-9.]*\).*|\1|p')
  ours_internal=$($PY -c "print(max($ours_internal, $mbs))")
  read -r _ secs < <($PY -c "$py_parse" "$big" report)
  py_parse_s=$($PY -c "print(min($py_parse_s, $secs))")
done

# 5. Peak RSS of ours on the large and the small input (and of the peers, for context).
rss_kib() { /usr/bin/time -f %M -o "$work/rss" bash -c "$1" > /dev/null 2>&1 || true; tail -1 "$work/rss"; }
rss_big=$(rss_kib "$ours $big")
rss_small=$(rss_kib "$ours $small")
rss_promtool=$(rss_kib "promtool check metrics < $big")
rss_python=$(rss_kib "$PY -c '$py_parse' $big")

$PY - "$big_bytes" "$best_ours" "$best_promtool" "$best_python" "$ours_internal" "$py_parse_s" \
  "$rss_big" "$rss_small" "$small_bytes" "$rss_promtool" "$rss_python" <<'EOF'
import sys
(size, ours, promtool, python, ours_internal, py_parse_s, rss_big, rss_small, small_size,
 rss_promtool, rss_python) = sys.argv[1:]
size = int(size)
mb = lambda seconds: size / float(seconds) / 1e6
o, p, y = mb(ours), mb(promtool), mb(python)
print()
print(f"{'parser':<34} {'best wall s':>11} {'MB/s':>9}")
print(f"{'prom-parse-bench (sf::prom)':<34} {float(ours):>11.4f} {o:>9.1f}")
print(f"{'promtool check metrics':<34} {float(promtool):>11.4f} {p:>9.1f}")
print(f"{'python prometheus_client':<34} {float(python):>11.4f} {y:>9.1f}")
print()
print(f"ratio ours/promtool: {o / p:.1f}x")
print(f"ratio ours/python:   {o / y:.1f}x")
py_inproc = size / float(py_parse_s) / 1e6
print(f"parse loop only (no process start-up): ours {float(ours_internal):.1f} MB/s, "
      f"python {py_inproc:.1f} MB/s, ratio {float(ours_internal) / py_inproc:.1f}x")
print()
print(f"peak RSS of ours: {int(rss_big) / 1024:.1f} MiB on {size / 1e6:.1f} MB, "
      f"{int(rss_small) / 1024:.1f} MiB on {int(small_size) / 1e6:.1f} MB "
      f"(promtool {int(rss_promtool) / 1024:.0f} MiB, python {int(rss_python) / 1024:.0f} MiB on the large input)")
EOF
