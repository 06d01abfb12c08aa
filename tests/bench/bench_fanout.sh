#!/usr/bin/env bash
# Fan-out: a full two-sample sweep of 1,000 and of 10,000 targets (TARGETS="1000 10000")
# served by nginx on loopback (a real node-exporter payload, ~57 KB), against fetching the same
# URLs twice with `curl --parallel --parallel-max 64` and no parsing. Prints wall times, the
# ratio and peak RSS (budget: under 64 MB at 10,000 targets; memory follows the figures each
# target needs, not its payload).
set -euo pipefail
bin=${SF_BIN_DIR:-build/bin}
target_counts=${TARGETS:-1000 10000}
runs=${RUNS:-3}
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "${exporter_pid:-}" ] && kill "$exporter_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A real payload from this machine's node-exporter.
eport=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$eport" --no-collector.systemd >/dev/null 2>&1 &
exporter_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$eport/metrics" -o "$work/payload.txt" && break; sleep 0.1; done
kill "$exporter_pid"; exporter_pid=
[ -s "$work/payload.txt" ] || { echo "bench_fanout: could not capture a node-exporter payload" >&2; exit 1; }
chmod 644 "$work/payload.txt"

port=$(free_port)
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  types { text/plain txt; }
  server {
    listen 127.0.0.1:$port;
    root $work;
    location / { default_type "text/plain; version=0.0.4"; try_files /payload.txt =404; }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" -e "$work/error.log"
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/n0/metrics" && break; sleep 0.1; done

best() {  # best wall time in seconds of RUNS runs of "$@", output discarded
  local best=999999 t
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$work/time.out" -f "%e" "$@" > /dev/null 2>&1
    t=$(tail -1 "$work/time.out")
    best=$(python3 -c "print(min($best, $t))")
  done
  echo "$best"
}
rss_kb() { /usr/bin/time -o "$work/time.out" -f "%M" "$@" > /dev/null 2>&1; tail -1 "$work/time.out"; }

bench() {  # bench N: one fan-out measurement of N targets
  local targets=$1
  : > "$work/targets.txt"; : > "$work/curl.cfg"
  for i in $(seq 0 $((targets - 1))); do
    echo "http://127.0.0.1:$port/n$i/metrics" >> "$work/targets.txt"
  done
  for pass in 1 2; do
    while read -r url; do printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; done < "$work/targets.txt" >> "$work/curl.cfg"
  done

  local ours=(env "$bin/scrape-nodes" --quiet --interval 1ms --concurrency 64 --targets-file "$work/targets.txt")
  local peer=(curl --silent --parallel --parallel-max 64 -K "$work/curl.cfg")
  local lines
  lines=$("${ours[@]}" | grep -c '"cpu_cores"' || true)
  [ "$lines" = "$targets" ] || { echo "bench_fanout: expected $targets node_usage lines, got $lines" >&2; exit 1; }

  local t_ours t_peer rss
  t_ours=$(best "${ours[@]}")
  t_peer=$(best "${peer[@]}")
  rss=$(rss_kb "${ours[@]}")
  python3 - "$targets" "$t_ours" "$t_peer" "$rss" <<'PY'
import sys
n, ours, peer, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"fan-out: {n} targets x 2 samples, 57 KB payload, concurrency 64")
print(f"  scrape-nodes (fetch + parse + usage): {ours:.3f} s")
print(f"  curl --parallel-max 64 (fetch only):  {peer:.3f} s")
print(f"  ratio scrape-nodes / curl: {ours / peer if peer > 0 else float('inf'):.2f}x (target <= 2x)")
print(f"  scrape-nodes peak RSS: {rss / 1024:.1f} MB (target < 64 MB at 10,000 targets)")
PY
}

for n in $target_counts; do bench "$n"; done
