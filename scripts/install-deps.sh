#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that are missing: build dependencies, the real test
# peers (node-exporter, prometheus, openssl, chromium...) and clang for fuzzing; with `all` also
# kubectl for the kubeconfig differential test (scripts/install-k8s-tools.sh, from npm).
# Idempotent; uses sudo when not root. Usage: scripts/install-deps.sh [build|all]   (default: all)
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libboost-program-options-dev rapidjson-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev catch2
  prometheus-node-exporter curl python3   # the embedded demo: start, probe and scrape node-exporter
  help2man                   # make install: man pages generated from each tool's --help
)
test_packages=(
  prometheus                 # real peer: rate() cross-check; promtool for the parser bench
  python3 python3-prometheus-client
  openssl curl jq nginx
  clang libclang-rt-14-dev   # libFuzzer and sanitizers
  chromium                   # renders price-calc's HTML report in tests
  time procps
  npm                        # scripts/install-k8s-tools.sh: kubectl (and Helm) from npm
)

want=("${build_packages[@]}")
[ "${1:-all}" = build ] || want+=("${test_packages[@]}")

missing=()
for p in "${want[@]}"; do
  # npm may come from outside Debian (NodeSource); any working npm will do.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

k8s_tools() {
  [ "${1:-all}" = build ] || "$(dirname "$0")/install-k8s-tools.sh" kubectl
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  k8s_tools "${1:-all}"
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
k8s_tools "${1:-all}"
echo "install-deps: done"
