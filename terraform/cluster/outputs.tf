output "cluster_name" {
  description = "The Kind cluster's name (kubeconfig context kind-<name>)."
  value       = kind_cluster.this.name
}

output "kubeconfig_path" {
  description = "This cluster's kubeconfig (0600, in the state folder): export KUBECONFIG=<this> for kind-wait and the tools; stage 2 (terraform/platform) takes it as kubeconfig_path."
  value       = kind_cluster.this.kubeconfig_path
}

output "api_endpoint" {
  description = "The API server's URL on this machine (loopback, a port Docker chose)."
  value       = kind_cluster.this.endpoint
}

output "state_dir" {
  description = "The state folder (0700) holding the kubeconfig, Terraform state, Vault init file and ingress CA."
  value       = local.state_dir
}

output "ingress_http_url" {
  description = "Where the ingress controller answers plain HTTP on this machine."
  value       = "http://${local.http_mapping.listenAddress}:${local.http_mapping.hostPort}"
}

output "ingress_https_url" {
  description = "Where the ingress controller answers HTTPS on this machine; the UIs are host names on it (terraform/platform's ui_urls)."
  value       = "https://${local.https_mapping.listenAddress}:${local.https_mapping.hostPort}"
}
