locals {
  repository_path = coalesce(var.repository_path, abspath("${path.module}/../.."))

  # Pinned here and in the tree's Argo CD Application: the release Argo CD takes over must be
  # the one Terraform installed.
  argocd_chart_version = "10.1.1"
  argocd_namespace     = "argocd"

  argocd_values_paths = [for f in var.argocd_values_files : "${local.repository_path}/${f}"]
}

# The Git server first: Argo CD reads every other component from it.
resource "helm_release" "git_server" {
  count = var.git_server_chart == "" ? 0 : 1

  name             = "git-server"
  namespace        = "git-server"
  create_namespace = true
  chart            = "${local.repository_path}/${var.git_server_chart}"
  # Adopt a release that is already there (state lost, cluster kept) instead of failing.
  upgrade_install = true
  wait            = true
  timeout         = var.helm_timeout_seconds

  set = [
    { name = "repository.hostPath", value = var.repository_container_path, type = "string" },
  ]

  lifecycle {
    precondition {
      condition     = try(fileexists("${local.repository_path}/${var.git_server_chart}/Chart.yaml"), false)
      error_message = "No chart at ${local.repository_path}/${var.git_server_chart} (Chart.yaml missing): set git_server_chart, or \"\" with an external git_repo_url."
    }
  }
}

# Argo CD from its pinned chart and the tree's values files, with no override here (an
# override would be undone when Argo CD syncs itself from the same files).
resource "helm_release" "argocd" {
  name             = "argocd"
  namespace        = local.argocd_namespace
  create_namespace = true
  repository       = var.argocd_chart_repository == "" ? null : var.argocd_chart_repository
  chart            = var.argocd_chart
  version          = local.argocd_chart_version
  values           = [for p in local.argocd_values_paths : file(p)]
  upgrade_install  = true
  wait             = true
  timeout          = var.helm_timeout_seconds

  lifecycle {
    precondition {
      condition     = alltrue([for p in local.argocd_values_paths : try(fileexists(p), false)])
      error_message = "Argo CD values file missing: ${join(", ", [for p in local.argocd_values_paths : p if !try(fileexists(p), false)])}. Set argocd_values_files to the tree's files."
    }
  }
}

# The root Application (app of apps) from the tiny local chart beside this file: it renders
# only the Application, with the run-time facts as Helm parameters of argocd/root.
resource "helm_release" "root" {
  name            = "root-application"
  namespace       = local.argocd_namespace
  chart           = "${path.module}/root-app"
  upgrade_install = true
  timeout         = var.helm_timeout_seconds

  set = [
    { name = "layer", value = var.layer, type = "string" },
    { name = "git.repoURL", value = var.git_repo_url, type = "string" },
    { name = "git.targetRevision", value = var.git_target_revision, type = "string" },
    { name = "registry.mirror", value = var.registry_mirror, type = "string" },
    { name = "ingress.domain", value = var.ingress_domain, type = "string" },
  ]
  set_list = [
    { name = "metallb.addresses", value = var.metallb_addresses },
  ]

  # The Application CRD comes with the argo-cd chart; the Git server must answer before
  # Argo CD's first fetch.
  depends_on = [helm_release.argocd, helm_release.git_server]
}
