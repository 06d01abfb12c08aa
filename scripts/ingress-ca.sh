#!/usr/bin/env bash
# The local CA and the ingress certificate, made with openssl into the state folder (never in
# Git); vault-seed reads exactly these files into Vault's secret/platform/ingress-tls
# (vault/seed.yaml: tls.crt, tls.key, ca.crt), and External Secrets copies them to every
# namespace with an Ingress.
#
#   scripts/ingress-ca.sh STATE_DIR DOMAIN
#
# Writes, keys 0600 in a 0700 folder:
#   ingress-ca.crt / ingress-ca.key   the CA (kept across runs and by `make infra-down`: it is
#                                     the one a user may have added to a browser's trust store)
#   ingress.crt / ingress.key         the certificate of the UIs: one SAN per UI host
#                                     (argocd, opencost, prometheus, vault under DOMAIN; explicit
#                                     names, since a wildcard under a one-label name such as
#                                     *.localhost is refused by some TLS clients)
# A re-run keeps every file that is still right (same SANs, signed by that CA, valid for 30 more
# days): a new certificate would change Vault's secret and restart nothing but churn. Files are
# written beside their final name and renamed: never half-written.
set -euo pipefail

state_dir=${1:?usage: ingress-ca.sh STATE_DIR DOMAIN}
domain=${2:?usage: ingress-ca.sh STATE_DIR DOMAIN}
uis=(argocd opencost prometheus vault)
# 397 days: the longest validity browsers accept for a server certificate (CA/Browser Forum).
cert_days=397
ca_days=3650
renew_seconds=$((30 * 24 * 3600))

if ! [[ $domain =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ ]]; then
  echo "ingress-ca: '$domain' is not a lower-case DNS name (ingress.domain, e.g. localhost)" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "ingress-ca: no openssl: sudo apt-get install openssl" >&2; exit 1; }

umask 077
install -d -m 0700 "$state_dir"
ca_crt=$state_dir/ingress-ca.crt ca_key=$state_dir/ingress-ca.key
crt=$state_dir/ingress.crt key=$state_dir/ingress.key
tmp=$(mktemp -d "$state_dir/.ingress-ca.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sans=""
for ui in "${uis[@]}"; do sans+="${sans:+,}DNS:$ui.$domain"; done

# The CA: made once. A CA whose key is gone, or that expires within 30 days, is made again (and
# then every certificate with it).
ca_fresh=0
if ! { [ -s "$ca_crt" ] && [ -s "$ca_key" ] && openssl x509 -in "$ca_crt" -noout -checkend "$renew_seconds" >/dev/null 2>&1; }; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days "$ca_days" \
    -subj "/O=sovereign-finops/CN=sovereign-finops local CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  chmod 0600 "$tmp/ca.key"
  chmod 0644 "$tmp/ca.crt"
  mv -f "$tmp/ca.key" "$ca_key"
  mv -f "$tmp/ca.crt" "$ca_crt"
  ca_fresh=1
  echo "ingress-ca: made the local CA $ca_crt" >&2
fi
chmod 0600 "$ca_key"

# The certificate is right when the CA signed it, it lists exactly our SANs and lasts 30 days more.
cert_is_right() {
  [ "$ca_fresh" = 0 ] && [ -s "$crt" ] && [ -s "$key" ] || return 1
  openssl verify -CAfile "$ca_crt" "$crt" >/dev/null 2>&1 || return 1
  openssl x509 -in "$crt" -noout -checkend "$renew_seconds" >/dev/null 2>&1 || return 1
  local have want
  have=$(openssl x509 -in "$crt" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ' | tr ',' '\n' | sort | paste -sd,)
  want=$(tr ',' '\n' <<<"$sans" | sort | paste -sd,)
  [ "$have" = "$want" ] || return 1
  # The key is the certificate's.
  [ "$(openssl x509 -in "$crt" -noout -pubkey | openssl sha256)" = "$(openssl pkey -in "$key" -pubout | openssl sha256)" ]
}

if cert_is_right; then
  chmod 0600 "$key"
  echo "ingress-ca: $crt is current ($sans)" >&2
  exit 0
fi

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
  -subj "/O=sovereign-finops/CN=${uis[0]}.$domain" -keyout "$tmp/tls.key" -out "$tmp/tls.csr" 2>"$tmp/err" \
  || { cat "$tmp/err" >&2; exit 1; }
printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
  "$sans" >"$tmp/ext"
openssl x509 -req -in "$tmp/tls.csr" -CA "$ca_crt" -CAkey "$ca_key" -set_serial "0x$(openssl rand -hex 16)" \
  -days "$cert_days" -sha256 -extfile "$tmp/ext" -out "$tmp/tls.crt" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
chmod 0600 "$tmp/tls.key"
chmod 0644 "$tmp/tls.crt"
mv -f "$tmp/tls.key" "$key"
mv -f "$tmp/tls.crt" "$crt"
echo "ingress-ca: made $crt for $sans" >&2
