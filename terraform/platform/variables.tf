# Stage 2 creates no Kind resource: nothing here replaces the cluster. A bare-metal cluster
# (layer = "metal") uses this stage alone, with its own kubeconfig.

variable "kubeconfig_path" {
  description = "The cluster's kubeconfig: stage 1's kubeconfig_path output (terraform -chdir=terraform/cluster output -raw kubeconfig_path), or your own cluster's file for layer = \"metal\"."
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
    condition     = var.repository_path == null || !startswith(coalesce(var.repository_path, "/"), "/") || try(fileexists("${var.repository_path}/.git/HEAD"), false)
    error_message = "repository_path must be an existing clone with a .git folder (no <path>/.git/HEAD found). A git worktree or a copy without .git cannot be served by the in-cluster Git server."
  }
}

variable "repository_container_path" {
  description = "Where stage 1 mounted the repository inside the nodes (its repository_container_path); handed to the Git server's chart."
  type        = string
  default     = "/sovereign-finops/repo"
  nullable    = false

  validation {
    condition     = can(regex("^/[A-Za-z0-9._/-]+$", var.repository_container_path)) && !can(regex("(^|/)\\.\\.?(/|$)", var.repository_container_path))
    error_message = "repository_container_path must be an absolute path of letters, digits, '.', '_', '-' and '/', without '.' or '..' parts."
  }
}

variable "argocd_values_files" {
  description = "Argo CD's values files, relative to the repository, in order: the same files the tree's Argo CD Application uses, so the release Terraform installs is the release Argo CD then manages (one source of truth; no set here). Kind sizing belongs in them."
  type        = list(string)
  default     = ["argocd/values/argo-cd.yaml"]
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
  description = "Chart of the in-cluster Git server, relative to the repository; installed here because Argo CD cannot fetch the Git server from Git before it runs. \"\" = none (git_repo_url points at a Git host outside the cluster)."
  type        = string
  default     = "k8s/git-server"
  nullable    = false

  validation {
    condition     = var.git_server_chart == "" || (can(regex("^[A-Za-z0-9._-][A-Za-z0-9._/-]*$", var.git_server_chart)) && !can(regex("(^|/)\\.\\.(/|$)", var.git_server_chart)))
    error_message = "git_server_chart must be a relative path inside the repository without '..', or \"\"."
  }
}

variable "layer" {
  description = "Root parameter layer: which values layer the children use, kind (this laptop cluster) or metal (kubeadm, k3s: LoadBalancer ingress, remote Git)."
  type        = string
  default     = "kind"
  nullable    = false

  validation {
    condition     = contains(["kind", "metal"], var.layer)
    error_message = "layer must be \"kind\" or \"metal\"."
  }
}

variable "git_repo_url" {
  description = "Root parameter git.repoURL: where Argo CD reads this repository. Default: the in-cluster Git server (git daemon protocol, namespace git-server)."
  type        = string
  default     = "git://git-server.git-server.svc:9418/sovereign-finops"
  nullable    = false

  validation {
    condition     = can(regex("^(git|https?|ssh)://[^\\s,]+$", var.git_repo_url)) || can(regex("^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\\s,]+$", var.git_repo_url))
    error_message = "git_repo_url must be a git://, http(s):// or ssh:// URL, or user@host:path, without spaces or commas."
  }
  validation {
    condition     = !can(regex("://[^/@\\s]+:[^/@\\s]+@", var.git_repo_url))
    error_message = "git_repo_url must not carry a password: give Argo CD a repository Secret instead (no secret in Terraform state or on the Application)."
  }
}

variable "git_target_revision" {
  description = "Root parameter git.targetRevision: the branch, tag or commit Argo CD follows."
  type        = string
  default     = "HEAD"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.git_target_revision)) && !startswith(var.git_target_revision, "-")
    error_message = "git_target_revision must be a branch, tag or commit: letters, digits, '.', '_', '/', '-', not starting with '-'."
  }
}

variable "metallb_addresses" {
  description = "Root parameter metallb.addresses: the IPAddressPool's ranges, from `render-manifests facts` (inside the Docker kind network's IPv4 subnet, at its top), as CIDRs or first-last ranges. Known only at run time: no default."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.metallb_addresses) > 0
    error_message = "metallb_addresses needs at least one range (render-manifests facts prints one)."
  }
  validation {
    condition = alltrue([for a in var.metallb_addresses :
      can(cidrnetmask(a)) || (
        can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}-[0-9]{1,3}(\\.[0-9]{1,3}){3}$", a)) &&
        can(cidrhost("${split("-", a)[0]}/32", 0)) &&
        can(cidrhost("${element(split("-", a), 1)}/32", 0))
    )])
    error_message = "metallb_addresses entries must be IPv4 CIDRs (172.18.255.192/27) or ranges of two IPv4 addresses (172.18.255.200-172.18.255.250)."
  }
}

variable "registry_mirror" {
  description = "Root parameter registry.mirror: the registry host[:port] the children pull from; \"\" = none. Same value as stage 1's registry_mirror."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.registry_mirror == "" || can(regex("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$", var.registry_mirror))
    error_message = "registry_mirror must be host or host:port (e.g. kind-registry:5000 or registry.example.internal), with no scheme, path or spaces."
  }
}

variable "ingress_domain" {
  description = "Root parameter ingress.domain: host suffix of the UIs (argocd.<domain>, opencost.<domain>, prometheus.<domain>, vault.<domain>)."
  type        = string
  default     = "localhost"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", var.ingress_domain)) && length(var.ingress_domain) <= 200
    error_message = "ingress_domain must be a lower-case DNS name such as localhost or platform.example.internal."
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
