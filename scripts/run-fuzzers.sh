#!/usr/bin/env bash
# Runs every libFuzzer binary in DIR for SECONDS each, starting from its seed corpus in
# tests/fuzz/corpus/<name>/ (copied, so the repo's corpus is not rewritten), JOBS at a time
# (default: the number of cores). A crash, leak or timeout (of one input, or of the whole run)
# fails the run and leaves the reproducer in build-fuzz/artifacts/.
# Usage: scripts/run-fuzzers.sh BIN_DIR SECONDS [JOBS]
set -euo pipefail
bin_dir=$1
seconds=$2
jobs=${3:-$(nproc 2>/dev/null || echo 2)}
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$root/build-fuzz/artifacts"
mkdir -p "$artifacts"
shopt -s nullglob
fuzzers=("$bin_dir"/fuzz_*)
[ ${#fuzzers[@]} -gt 0 ] || { echo "run-fuzzers: no fuzz targets in $bin_dir" >&2; exit 1; }

# One target; its verdict is its exit status, its report printed whole (parallel runs never
# interleave their lines).
run_one() {
  local fuzzer=$1 name seeds work runs
  name=$(basename "$fuzzer")
  seeds="$root/tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
  # libFuzzer's own -timeout covers one input; the outer limit covers everything else (a hang
  # in its leak check at exit or in a forked child was seen once): CI must end either way.
  if timeout --kill-after=10 $((seconds + 120)) "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$work" > "$work.log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $name ok ($runs runs in ${seconds}s)"
    rm -rf "$work" "$work.log"
  else
    { echo "fuzz: $name FAILED; log follows"; tail -40 "$work.log"; } >&2
    rm -rf "$work" "$work.log"
    return 1
  fi
}

failed=0
running=0
for fuzzer in "${fuzzers[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_one "$fuzzer" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit $failed
