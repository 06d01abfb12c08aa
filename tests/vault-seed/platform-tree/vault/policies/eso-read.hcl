path "secret/data/platform/*" {
  capabilities = ["read"]
}

path "secret/data/apps/*" {
  capabilities = ["read"]
}
