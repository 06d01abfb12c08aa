#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that are missing: build dependencies, the real test
# peers (node-exporter, prometheus, openssl, chromium...) and clang for fuzzing. Idempotent;
# uses sudo when not root. Usage: scripts/install-deps.sh [build|all]   (default: all)
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libboost-program-options-dev rapidjson-dev libcurl4-openssl-dev libyaml-cpp-dev catch2
  prometheus-node-exporter curl python3   # the embedded demo: start, probe and scrape node-exporter
  libssl-dev                 # OpenSSL, libcurl's TLS library: TLS errors by type, key-pair checks
  help2man                   # make install: man pages generated from each tool's --help
)
test_packages=(
  prometheus                 # real peer: rate() cross-check; promtool for the parser bench
  python3 python3-prometheus-client
  openssl curl jq nginx
  clang libclang-rt-14-dev   # libFuzzer and sanitizers
  chromium                   # renders price-calc's HTML report in tests
  time procps
)

want=("${build_packages[@]}")
[ "${1:-all}" = build ] || want+=("${test_packages[@]}")

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packages ship services (nginx, prometheus); tests start their own instances, so don't start them.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: done"
