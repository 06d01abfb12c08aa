locals {
  port_suffix = var.ingress_https_port == 443 ? "" : ":${var.ingress_https_port}"
}

output "ui_urls" {
  description = "The platform's UIs through the ingress (TLS from the local CA in the state folder)."
  value = {
    for ui in ["argocd", "opencost", "prometheus", "vault"] :
    ui => "https://${ui}.${var.ingress_domain}${local.port_suffix}"
  }
}

output "argocd_release" {
  description = "The Argo CD chart and version installed; Argo CD manages this release from now on."
  value       = "${helm_release.argocd.chart} ${helm_release.argocd.version} in namespace ${helm_release.argocd.namespace}"
}

output "root_application" {
  description = "The root Application Argo CD syncs first (namespace/name) and the parameters it was given."
  value = {
    application = "${local.argocd_namespace}/root"
    repo_url    = var.git_repo_url
    revision    = var.git_target_revision
    layer       = var.layer
    addresses   = var.metallb_addresses
    mirror      = var.registry_mirror
    domain      = var.ingress_domain
  }
}
