locals {
  repository_path = coalesce(var.repository_path, abspath("${path.module}/../.."))

  # Pinned here and in the tree's Argo CD Application (argocd/root/values.yaml, component
  # argocd): the release Argo CD takes over must be the one Terraform installed.
  argocd_chart_version = "10.1.1"
  argocd_namespace     = "argocd"

  argocd_values_paths = [for f in var.argocd_values_files : "${local.repository_path}/${f}"]

  # What stage 2 installs besides the two charts: the files render-manifests rendered from
  # bootstrap/platform, unchanged. The run-time facts (mirror, domain) are read back from the
  # root Application itself, so they have one source.
  namespaces_file = "${var.bootstrap_dir}/namespaces.yaml"
  root_file       = "${var.bootstrap_dir}/root-application.yaml"
  root            = yamldecode(file(local.root_file))
  parameters      = local.root.spec.source.helm.valuesObject
  mirror          = trimsuffix(try(local.parameters.registry.mirror, ""), "/")

  # With a mirror, the Git server and Argo CD pull from it as their Applications will once
  # Argo CD manages them: the root chart's own table of image keys (argocd/root/values.yaml,
  # components.<name>.images), rewritten the same way (<mirror>/<repository>, or the mirror as
  # the registry), so Argo CD's first self-sync changes nothing.
  components = yamldecode(file("${local.repository_path}/argocd/root/values.yaml")).components
  mirror_sets = {
    for name in ["git-server", "argocd"] : name => local.mirror == "" ? [] : [
      for image in try(local.components[name].images, []) : {
        name  = image.key
        value = try(image.registry, false) ? local.mirror : "${local.mirror}/${image.repository}"
        type  = "string"
      }
    ]
  }
}

# The namespaces first, with their Pod Security labels (contract item 2); Helm keeps them if
# this release is ever uninstalled (helm.sh/resource-policy: keep in the rendered file).
resource "helm_release" "namespaces" {
  name            = "bootstrap-namespaces"
  namespace       = "default"
  chart           = "${path.module}/manifests"
  upgrade_install = true
  timeout         = var.helm_timeout_seconds
  values          = [yamlencode({ manifests = file(local.namespaces_file) })]

  lifecycle {
    precondition {
      condition     = fileexists(local.namespaces_file) && fileexists(local.root_file)
      error_message = "No rendered bootstrap in ${var.bootstrap_dir} (namespaces.yaml, root-application.yaml): run `render-manifests render bootstrap/platform ... -o ${var.bootstrap_dir}` first (make infra-up does)."
    }
  }
}

# The Git server: Argo CD reads every other component from it.
resource "helm_release" "git_server" {
  count = var.git_server_chart == "" ? 0 : 1

  name      = "git-server"
  namespace = "git-server"
  chart     = "${local.repository_path}/${var.git_server_chart}"
  # Adopt a release that is already there (state lost, cluster kept) instead of failing.
  upgrade_install = true
  wait            = true
  timeout         = var.helm_timeout_seconds
  # The chart's defaults serve the mount stage 1 made (/srv/git/sovereign-finops.git on the
  # control plane); only a mirror changes its image.
  set = local.mirror_sets["git-server"]

  lifecycle {
    precondition {
      condition     = try(fileexists("${local.repository_path}/${var.git_server_chart}/Chart.yaml"), false)
      error_message = "No chart at ${local.repository_path}/${var.git_server_chart} (Chart.yaml missing): set git_server_chart, or \"\" with a git.repoURL outside the cluster."
    }
  }

  depends_on = [helm_release.namespaces]
}

# Argo CD from its pinned chart and the tree's values file, with no override but the mirror's
# (an override would be undone when Argo CD syncs itself from the same files).
resource "helm_release" "argocd" {
  name            = "argocd"
  namespace       = local.argocd_namespace
  repository      = var.argocd_chart_repository == "" ? null : var.argocd_chart_repository
  chart           = var.argocd_chart
  version         = local.argocd_chart_version
  values          = [for p in local.argocd_values_paths : file(p)]
  set             = local.mirror_sets["argocd"]
  upgrade_install = true
  wait            = true
  timeout         = var.helm_timeout_seconds

  lifecycle {
    precondition {
      condition     = alltrue([for p in local.argocd_values_paths : try(fileexists(p), false)])
      error_message = "Argo CD values file missing: ${join(", ", [for p in local.argocd_values_paths : p if !try(fileexists(p), false)])}. Set argocd_values_files to the tree's files."
    }
  }

  depends_on = [helm_release.namespaces]
}

# The root Application (app of apps), as render-manifests rendered it. After this, Argo CD owns
# everything, itself included.
resource "helm_release" "root" {
  name            = "root-application"
  namespace       = local.argocd_namespace
  chart           = "${path.module}/manifests"
  upgrade_install = true
  timeout         = var.helm_timeout_seconds
  values          = [yamlencode({ manifests = file(local.root_file) })]

  lifecycle {
    precondition {
      condition     = local.root.kind == "Application" && local.root.metadata.name == "root" && local.root.metadata.namespace == local.argocd_namespace
      error_message = "${local.root_file} is not the root Application argocd/root: render bootstrap/platform again."
    }
  }

  # The Application CRD comes with the argo-cd chart; the Git server must answer before
  # Argo CD's first fetch.
  depends_on = [helm_release.argocd, helm_release.git_server]
}
