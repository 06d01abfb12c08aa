#!/usr/bin/env bash
# The embedded demo: no cluster needed. Starts this machine's node-exporter on a free loopback
# port, scrapes it twice 5 s apart, and prices the result with opencost/pricing.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SF_BIN_DIR:-$root/build/bin}
exporter=$(command -v prometheus-node-exporter || true)
[ -n "$exporter" ] || { echo "demo: prometheus-node-exporter is missing; run scripts/install-deps.sh" >&2; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$exporter" --web.listen-address="127.0.0.1:$port" --no-collector.systemd >/dev/null 2>&1 &
exporter_pid=$!
trap 'kill $exporter_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/metrics" && break
  sleep 0.1
done
echo "demo: scraping this machine's node-exporter (127.0.0.1:$port), two samples 5 s apart" >&2
if [ -x "$bin/price-calc" ]; then
  "$bin/scrape-nodes" --interval 5s "127.0.0.1:$port" --label demo=true | \
    "$bin/price-calc" --pricing "$root/opencost/pricing.json" --format table
else
  "$bin/scrape-nodes" --interval 5s "127.0.0.1:$port" --label demo=true
fi
