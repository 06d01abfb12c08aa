#!/usr/bin/env bash
# Benchmark: price-calc pricing one million node_usage lines, against a jq one-liner computing
# the same total on the same file (jq -n with reduce over inputs, so jq streams too; jq -s
# would hold the whole file in memory).
#
# The input is generated here (1000 nodes x 1000 ten-second windows, the shape scrape-nodes
# writes), priced with the project's opencost/pricing.json. Timed:
#   - price-calc --format summary   (prices every line, prints the totals)
#   - price-calc --format json      (prices and writes every line, > /dev/null)
#   - jq: the same total (OpenCost's formula, the same price list)
# Prints lines/s, the ratios against jq (target: >= 20x), and price-calc's peak RSS for 1M vs
# 100k lines (it streams: RSS must not grow with the input). Exits non-zero only when
# something failed to run or the totals disagree; there is no timing assertion.
#
# Timings are the best of several runs, as wall time and as CPU time (user + sys): on a shared
# machine the CPU time is the steadier figure.
#
# Usage: tests/bench/bench_price_calc.sh [--bin-dir DIR] [--lines N] [--runs N]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin_dir=${SF_BIN_DIR:-$repo/build/bin}
lines=1000000
runs=3
while [[ $# -gt 0 ]]; do
  case $1 in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "bench_price_calc: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

pc=$bin_dir/price-calc
pricing=$repo/opencost/pricing.json
die() { echo "bench_price_calc: $*" >&2; exit 1; }
[[ -x $pc ]] || die "$pc not found: build it first (make build) or pass --bin-dir"
command -v jq >/dev/null || die "jq not found: apt-get install -y jq"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install -y time"
PY=$(command -v python3) || die "python3 not found"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench_price_calc.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. The input: N lines, and a 10x smaller one for the RSS comparison.
gen() {  # gen LINES FILE
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, datetime
n, path = int(sys.argv[1]), sys.argv[2]
nodes = 1000
t0 = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
with open(path, "w") as f:
    written = 0
    w = 0
    while written < n:
        start = (t0 + datetime.timedelta(seconds=10 * w)).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = (t0 + datetime.timedelta(seconds=10 * w + 10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = []
        for i in range(min(nodes, n - written)):
            cores = 2 << (i % 4)
            mem = cores * 4 * 1073741824
            busy = (i * 37 % 100) / 100 * cores
            rows.append('{"kind":"node_usage","node":"node-%04d","source":"http://10.0.%d.%d:9100/metrics",'
                        '"window_start":"%s","window_end":"%s","cpu_cores":%d,"cpu_busy_cores":%.2f,'
                        '"memory_bytes":%d,"memory_used_bytes":%d,"filesystem_bytes":%d,"filesystem_used_bytes":%d,'
                        '"network_receive_bytes":%d,"network_transmit_bytes":%d,"gpus":0,'
                        '"labels":{"kubernetes.io/hostname":"node-%04d","topology.kubernetes.io/zone":"z%d"}}\n'
                        % (i, i // 250, i % 250, start, end, cores, busy, mem, mem // 3, 100 * 1073741824,
                           (i + 7) * 1073741824, 1000 * i, 2000 * i, i, i % 3))
        f.write("".join(rows))
        written += len(rows)
        w += 1
PYEOF
}
echo "generating $lines node_usage lines (1000 nodes x 10 s windows)..."
gen "$lines" "$work/usage.jsonl"
gen $((lines / 10)) "$work/usage-small.jsonl"
size_mb=$(awk -v b="$(stat -c %s "$work/usage.jsonl")" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "input: $lines lines, $size_mb MB"

# 2. The jq one-liner: OpenCost's node cost with the same price list, summed over the file.
jq_program='
  ($p.CPU|tonumber) as $cpu | ($p.RAM|tonumber) as $ram | ($p.GPU // "0"|tonumber) as $gpu
  | ($p.storage // "0"|tonumber) as $sto
  | (1 - (1 - (($p.discount // "0")|rtrimstr("%")|tonumber) / 100)
       * (1 - (($p.negotiatedDiscount // "0")|rtrimstr("%")|tonumber) / 100)) as $d
  | reduce (inputs | select(.kind == "node_usage" and .error == null)) as $l (0;
      . + ((($l.window_end|fromdateiso8601) - ($l.window_start|fromdateiso8601)) / 3600)
        * (($l.cpu_cores * $cpu + $l.memory_bytes / 1073741824 * $ram) * (1 - $d)
           + $l.gpus * $gpu + $l.filesystem_bytes / 1073741824 * $sto))'

# best_of N cmd...: the best wall time, the best CPU time (user + sys) and the peak RSS (KB) of
# N runs, stdout to /dev/null. CPU time is printed too because this machine may be shared: a
# busy neighbour stretches wall time, not the CPU a run needs.
best_of() {
  local n=$1
  shift
  local best="" cpu="" rss=0 out
  for ((i = 0; i < n; i++)); do
    out=$( { /usr/bin/time -f "%e %U %S %M" "$@" > /dev/null; } 2>&1 | tail -1 )
    read -r t u s m <<< "$out"
    local c
    c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    if [[ -z $cpu ]] || awk -v a="$c" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then cpu=$c; fi
    (( m > rss )) && rss=$m
  done
  echo "$best $cpu $rss"
}

# 3. Correctness first: both compute the same total.
ours_total=$("$pc" --pricing "$pricing" --format summary "$work/usage.jsonl" | jq -r '.total_cost')
jq_total=$(jq -n --argjson p "$(cat "$pricing")" "$jq_program" < "$work/usage.jsonl")
awk -v a="$ours_total" -v b="$jq_total" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * (a < 0 ? -a : a)) }' \
  || die "totals differ: price-calc $ours_total, jq $jq_total"
echo "total cost: price-calc $ours_total, jq $jq_total (agree)"

# 4. Timings.
ours_runs=$((runs + 2))  # cheap: a few more runs for a steadier best
read -r t_summary c_summary rss_summary < <(best_of "$ours_runs" "$pc" --pricing "$pricing" --format summary "$work/usage.jsonl")
read -r t_json c_json rss_json < <(best_of "$ours_runs" "$pc" --pricing "$pricing" --format json "$work/usage.jsonl")
read -r t_jq c_jq rss_jq < <(best_of "$runs" jq -n --argjson p "$(cat "$pricing")" "$jq_program" "$work/usage.jsonl")
read -r _ _ rss_small < <(best_of 1 "$pc" --pricing "$pricing" --format json "$work/usage-small.jsonl")
read -r _ _ rss_small_summary < <(best_of 1 "$pc" --pricing "$pricing" --format summary "$work/usage-small.jsonl")

rate() { awk -v n="$lines" -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
printf "%-36s %7s s wall %7s s cpu  %9s lines/s  peak RSS %6d KB\n" "price-calc --format summary" \
  "$t_summary" "$c_summary" "$(rate "$t_summary")" "$rss_summary"
printf "%-36s %7s s wall %7s s cpu  %9s lines/s  peak RSS %6d KB\n" "price-calc --format json > /dev/null" \
  "$t_json" "$c_json" "$(rate "$t_json")" "$rss_json"
printf "%-36s %7s s wall %7s s cpu  %9s lines/s  peak RSS %6d KB\n" "jq -n 'reduce inputs' (same total)" \
  "$t_jq" "$c_jq" "$(rate "$t_jq")" "$rss_jq"
echo "ratio vs jq, wall: summary $(ratio "$t_jq" "$t_summary")x, json $(ratio "$t_jq" "$t_json")x" \
     "(target >= 20x; json writes ~39 shortest round-trip numbers per line, jq writes one)"
echo "ratio vs jq, cpu:  summary $(ratio "$c_jq" "$c_summary")x, json $(ratio "$c_jq" "$c_json")x" \
     "(load average now: $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs)"
echo "peak RSS, price-calc --format json: $((lines / 10)) lines $rss_small KB, $lines lines $rss_json KB" \
     "(ratio $(ratio "$rss_json" "$rss_small"); streaming means ~1)"
echo "peak RSS, price-calc --format summary: $((lines / 10)) lines $rss_small_summary KB, $lines lines $rss_summary KB"
