# External Secrets Operator's policy (Vault role external-secrets, CONTRACT-platform.md): read
# the platform's and the applications' secrets and nothing else. KV v2 keeps the values under
# secret/data/; ESO reads no metadata (no dataFrom.find, no metadataPolicy: Fetch), so
# secret/metadata/ stays closed.
path "secret/data/platform/*" {
  capabilities = ["read"]
}

path "secret/data/apps/*" {
  capabilities = ["read"]
}
