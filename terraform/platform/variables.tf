# Stage 2 creates no Kind resource: nothing here replaces the cluster. A bare-metal cluster
# (rendered with layer=metal) uses this stage alone, with its own kubeconfig.

variable "kubeconfig_path" {
  description = "The cluster's kubeconfig: stage 1's kubeconfig_path output (terraform -chdir=terraform/cluster output -raw kubeconfig_path), or your own cluster's file for a metal cluster (bootstrap/platform rendered with layer=metal)."
  type        = string
  nullable    = false

  validation {
    condition     = startswith(var.kubeconfig_path, "/")
    error_message = "kubeconfig_path must be an absolute path."
  }
  validation {
    condition     = !startswith(var.kubeconfig_path, "/") || try(fileexists(var.kubeconfig_path), false)
    error_message = "kubeconfig_path names no file: run stage 1 (terraform/cluster) first, or point it at your cluster's kubeconfig."
  }
}

variable "kube_context" {
  description = "Context to use from kubeconfig_path; null = its current-context (kind-<cluster> in the file stage 1 wrote)."
  type        = string
  default     = null
}

variable "repository_path" {
  description = "Absolute path of this repository's checkout, where the Argo CD values files and the Git server's chart are read. null = the checkout this file is in."
  type        = string
  default     = null

  validation {
    condition     = var.repository_path == null || startswith(coalesce(var.repository_path, "-"), "/")
    error_message = "repository_path must be an absolute path (starting with /)."
  }
  validation {
    condition     = var.repository_path == null || !startswith(coalesce(var.repository_path, "/"), "/") || try(fileexists("${var.repository_path}/argocd/root/Chart.yaml"), false)
    error_message = "repository_path must be this repository's checkout (no <path>/argocd/root/Chart.yaml found)."
  }
}

variable "argocd_values_files" {
  description = "Argo CD's values files, relative to the repository, in order: the same files the tree's Argo CD Application uses, so the release Terraform installs is the release Argo CD then manages (one source of truth; no set here). Kind sizing belongs in them."
  type        = list(string)
  default     = ["argocd/argo-cd/values.yaml"]
  nullable    = false

  validation {
    condition     = length(var.argocd_values_files) > 0
    error_message = "argocd_values_files needs at least one file."
  }
  validation {
    condition = alltrue([for f in var.argocd_values_files :
    can(regex("^[A-Za-z0-9._-][A-Za-z0-9._/-]*\\.ya?ml$", f)) && !can(regex("(^|/)\\.\\.(/|$)", f))])
    error_message = "argocd_values_files must be relative .yaml/.yml paths inside the repository, without '..'."
  }
}

variable "argocd_chart_repository" {
  description = "Where the argo-cd chart (version 10.1.1, pinned in main.tf) comes from: its Helm repository or OCI registry; \"\" when argocd_chart is a local .tgz or folder (an air-gap bundle)."
  type        = string
  default     = "https://argoproj.github.io/argo-helm"
  nullable    = false

  validation {
    condition     = var.argocd_chart_repository == "" || can(regex("^(https|oci)://[^\\s]+$", var.argocd_chart_repository))
    error_message = "argocd_chart_repository must be an https:// or oci:// URL, or \"\" for a local chart."
  }
}

variable "argocd_chart" {
  description = "The argo-cd chart: its name in argocd_chart_repository, or the absolute path of argo-cd-10.1.1.tgz (or its unpacked folder) from an air-gap bundle with argocd_chart_repository = \"\"."
  type        = string
  default     = "argo-cd"
  nullable    = false

  validation {
    condition     = var.argocd_chart == "argo-cd" || startswith(var.argocd_chart, "/")
    error_message = "argocd_chart must be \"argo-cd\" (from argocd_chart_repository) or an absolute path to the chart."
  }
}

variable "git_server_chart" {
  description = "Chart of the in-cluster Git server, relative to the repository; installed here because Argo CD cannot fetch the Git server from Git before it runs. \"\" = none (the root Application's git.repoURL points at a Git host outside the cluster, as on metal)."
  type        = string
  default     = "k8s/system/git-server"
  nullable    = false

  validation {
    condition     = var.git_server_chart == "" || (can(regex("^[A-Za-z0-9._-][A-Za-z0-9._/-]*$", var.git_server_chart)) && !can(regex("(^|/)\\.\\.(/|$)", var.git_server_chart)))
    error_message = "git_server_chart must be a relative path inside the repository without '..', or \"\"."
  }
}

variable "bootstrap_dir" {
  description = "The folder `render-manifests render bootstrap/platform` wrote (make infra-up: <state folder>/bootstrap/platform): namespaces.yaml and root-application.yaml, installed unchanged. The root Application's parameters (layer, git.*, metallb.addresses, registry.mirror, ingress.domain, network.*) are in that file, not in Terraform variables: one source."
  type        = string
  nullable    = false

  validation {
    condition     = startswith(var.bootstrap_dir, "/") && try(fileexists("${var.bootstrap_dir}/root-application.yaml"), false)
    error_message = "bootstrap_dir must be the absolute path of render-manifests' bootstrap/platform output (it holds root-application.yaml)."
  }
  validation {
    condition     = !try(fileexists("${var.bootstrap_dir}/root-application.yaml"), false) || can(yamldecode(file("${var.bootstrap_dir}/root-application.yaml")).spec.source.helm.valuesObject.metallb.addresses[0])
    error_message = "The root Application in bootstrap_dir carries no metallb.addresses: render bootstrap/platform with the facts of `render-manifests facts` (--set metallb.addresses={...})."
  }
}

variable "ingress_https_port" {
  description = "The host port HTTPS reaches the ingress on (stage 1's host_ports.https); only used to print the UIs' URLs."
  type        = number
  default     = 443
  nullable    = false

  validation {
    condition     = var.ingress_https_port == floor(var.ingress_https_port) && var.ingress_https_port >= 1 && var.ingress_https_port <= 65535
    error_message = "ingress_https_port must be a whole number from 1 to 65535."
  }
}

variable "helm_timeout_seconds" {
  description = "How long each Helm release may take to become ready; image pulls dominate on a cold cache."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = var.helm_timeout_seconds >= 60 && var.helm_timeout_seconds <= 3600
    error_message = "helm_timeout_seconds must be from 60 to 3600."
  }
}
