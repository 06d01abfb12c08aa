locals {
  port_suffix = var.ingress_https_port == 443 ? "" : ":${var.ingress_https_port}"
  domain      = local.parameters.ingress.domain
}

output "ui_urls" {
  description = "The platform's UIs through the ingress (TLS from the local CA in the state folder), under the root Application's ingress.domain."
  value = {
    for ui in ["argocd", "opencost", "prometheus", "vault"] :
    ui => "https://${ui}.${local.domain}${local.port_suffix}"
  }
}

output "argocd_release" {
  description = "The Argo CD chart and version installed; Argo CD manages this release from now on."
  value       = "${helm_release.argocd.chart} ${helm_release.argocd.version} in namespace ${helm_release.argocd.namespace}"
}

output "root_application" {
  description = "The root Application Argo CD syncs first (namespace/name) and the parameters it was given (read from the rendered file)."
  value = {
    application = "${local.argocd_namespace}/${local.root.metadata.name}"
    repo_url    = local.root.spec.source.repoURL
    revision    = local.root.spec.source.targetRevision
    layer       = local.parameters.layer
    addresses   = local.parameters.metallb.addresses
    mirror      = local.mirror
    domain      = local.domain
  }
}
