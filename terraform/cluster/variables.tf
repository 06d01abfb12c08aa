# Every variable that reaches kind_cluster says "Changing it replaces the cluster": the
# tehcyx/kind provider has no update, every kind_cluster attribute is ForceNew, so a new value
# means terraform destroys the cluster (and everything Argo CD deployed in it) and creates it
# again.

variable "cluster_name" {
  description = "Name of the Kind cluster; its nodes are the Docker containers <name>-control-plane, <name>-worker, <name>-worker2, and the kubeconfig context is kind-<name>. Changing it replaces the cluster."
  type        = string
  default     = "sovereign-finops"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.cluster_name))
    error_message = "cluster_name must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit (the node names <name>-control-plane are host names)."
  }
  validation {
    # 63 (a DNS label) minus len("-control-plane"); kind itself warns above 50.
    condition     = length(var.cluster_name) <= 49
    error_message = "cluster_name must be at most 49 characters, so that <name>-control-plane stays a 63-character DNS label."
  }
}

variable "node_image" {
  description = "Kind node image for every node, pinned by tag AND digest, built by kind v0.31.0 (the kind library inside tehcyx/kind 0.11.0; images are only guaranteed with the kind release that built them). Default: Kubernetes 1.34.3 from the kind v0.31.0 release notes; 1.35.0@sha256:452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f is that release's default but Kubernetes 1.35 refuses cgroup v1 hosts. Changing it replaces the cluster."
  type        = string
  default     = "kindest/node:v1.34.3@sha256:08497ee19eace7b4b5348db5c6a1591d7752b164530a36f855cb0f2bdcbadd48"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9./_-]+:v[0-9]+\\.[0-9]+\\.[0-9]+@sha256:[0-9a-f]{64}$", var.node_image))
    error_message = "node_image must be pinned by tag and digest, like kindest/node:v1.34.3@sha256:<64 hex digits>; a tag alone can be moved, a digest cannot."
  }
}

variable "worker_count" {
  description = "Number of worker nodes beside the one control plane. At least 1: MetalLB announces addresses from workers only (the control plane carries exclude-from-external-load-balancers). Changing it replaces the cluster."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.worker_count == floor(var.worker_count) && var.worker_count >= 1 && var.worker_count <= 5
    error_message = "worker_count must be a whole number from 1 to 5 (each Kind node is a container with its own kubelet: more than 5 does not fit a laptop)."
  }
}

variable "host_ports" {
  description = "Host ports mapped to the control plane's 80 and 443, where the ingress controller listens (hostPort on the ingress-ready node). Change them when 80/443 are taken or cannot be bound. Changing them replaces the cluster."
  type = object({
    http  = number
    https = number
  })
  default  = { http = 80, https = 443 }
  nullable = false

  validation {
    condition = alltrue([for p in [var.host_ports.http, var.host_ports.https] :
    p == floor(p) && p >= 1 && p <= 65535])
    error_message = "host_ports.http and host_ports.https must be whole numbers from 1 to 65535."
  }
  validation {
    condition     = var.host_ports.http != var.host_ports.https
    error_message = "host_ports.http and host_ports.https must differ: one host port cannot serve both 80 and 443."
  }
}

variable "listen_address" {
  description = "Host address the 80/443 port mappings bind to. Default 127.0.0.1: Kind's own default, 0.0.0.0, would expose Argo CD, Vault and every other UI to each network this machine joins. Any other address (0.0.0.0 to serve other machines, or one interface's address) is refused unless expose_to_network = true. Changing it replaces the cluster."
  type        = string
  default     = "127.0.0.1"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", var.listen_address)) && can(cidrhost("${var.listen_address}/32", 0))
    error_message = "listen_address must be an IPv4 address such as 127.0.0.1 (Docker's IPv6 port forwarding is unreliable, see kind's known issues)."
  }
  validation {
    # Judges IPv4 addresses only: anything else has its own message above.
    condition     = !can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", var.listen_address)) || startswith(var.listen_address, "127.") || var.expose_to_network
    error_message = "listen_address is not a loopback address: that opens the platform's UIs to the network. Set expose_to_network = true if you mean it."
  }
}

variable "expose_to_network" {
  description = "Set to true, on purpose, to let listen_address be 0.0.0.0 or a network interface's address, for example a shared demo host the team reaches by name. Every UI (Argo CD, Vault, OpenCost, Prometheus) then answers on that network behind its basic auth and TLS only. Does not itself reach the cluster: listen_address does."
  type        = bool
  default     = false
  nullable    = false
}

variable "repository_path" {
  description = "Absolute path of this repository's checkout, mounted read-only into every node for the in-cluster Git server that Argo CD reads. It must be a clone with its own .git folder: a git worktree's .git file points outside the mount. null = the checkout this file is in. Changing it replaces the cluster."
  type        = string
  default     = null

  validation {
    condition     = var.repository_path == null || startswith(coalesce(var.repository_path, "-"), "/")
    error_message = "repository_path must be an absolute path (starting with /)."
  }
  validation {
    # Judges absolute paths only: a relative one has its own message above.
    condition     = var.repository_path == null || !startswith(coalesce(var.repository_path, "/"), "/") || try(fileexists("${var.repository_path}/.git/HEAD"), false)
    error_message = "repository_path must be an existing clone with a .git folder (no <path>/.git/HEAD found). A git worktree or a copy without .git cannot be served by the in-cluster Git server."
  }
}

variable "repository_container_path" {
  description = "Where the repository appears inside each node; the in-cluster Git server's hostPath volume reads it there. Changing it replaces the cluster."
  type        = string
  default     = "/sovereign-finops/repo"
  nullable    = false

  validation {
    condition     = can(regex("^/[A-Za-z0-9._/-]+$", var.repository_container_path)) && !can(regex("(^|/)\\.\\.?(/|$)", var.repository_container_path))
    error_message = "repository_container_path must be an absolute path of letters, digits, '.', '_', '-' and '/', without '.' or '..' parts."
  }
  validation {
    condition     = !contains(["/", "/etc", "/var", "/usr", "/kind", "/etc/containerd/certs.d"], trimsuffix(var.repository_container_path, "/"))
    error_message = "repository_container_path must not hide a folder the node itself needs (/, /etc, /var, /usr, /kind, /etc/containerd/certs.d)."
  }
}

variable "registry_mirror" {
  description = "Optional registry mirror as host[:port] (a pull-through cache or an air-gap registry reachable from the nodes, e.g. kind-registry:5000). \"\" = pull from the internet. When set, containerd reads /etc/containerd/certs.d (config_path) and the containerd_certs_dir folder is mounted there. Changing it replaces the cluster."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.registry_mirror == "" || can(regex("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$", var.registry_mirror))
    error_message = "registry_mirror must be host or host:port (e.g. kind-registry:5000 or registry.example.internal), with no scheme, path or spaces."
  }
}

variable "containerd_certs_dir" {
  description = "Host folder with one <registry>/hosts.toml per mirrored registry (docker.io, quay.io, ghcr.io, registry.k8s.io, ...), rendered by render-manifests; mounted read-only at /etc/containerd/certs.d on every node when registry_mirror is set. null = containerd-certs.d in the state folder. Changing it replaces the cluster."
  type        = string
  default     = null

  validation {
    condition     = var.containerd_certs_dir == null || startswith(coalesce(var.containerd_certs_dir, "-"), "/")
    error_message = "containerd_certs_dir must be an absolute path."
  }
}

variable "state_dir" {
  description = "The platform's state folder, outside Git, mode 0700: kubeconfig, Terraform state, Vault init file, ingress CA. null = ~/.local/state/sovereign-finops/<cluster_name> (the Makefile passes $XDG_STATE_HOME/sovereign-finops/<cluster_name> when XDG_STATE_HOME is set). Reaches the cluster through kubeconfig_path: changing it replaces the cluster."
  type        = string
  default     = null

  validation {
    condition     = var.state_dir == null || startswith(coalesce(var.state_dir, "-"), "/")
    error_message = "state_dir must be an absolute path (use pathexpand or $HOME, not ~)."
  }
}

variable "kubeconfig_path" {
  description = "Where kind writes this cluster's kubeconfig (mode 0600); kind-wait and the tools read it through KUBECONFIG. null = <state_dir>/kubeconfig. Not ~/.kube/config: use merge_kubeconfig for that. Changing it replaces the cluster."
  type        = string
  default     = null

  validation {
    condition     = var.kubeconfig_path == null || startswith(coalesce(var.kubeconfig_path, "-"), "/")
    error_message = "kubeconfig_path must be an absolute path."
  }
  validation {
    condition     = var.kubeconfig_path == null || coalesce(var.kubeconfig_path, "-") != pathexpand("~/.kube/config")
    error_message = "kubeconfig_path must not be ~/.kube/config: keep the cluster's own file in the state folder and set merge_kubeconfig = true to add its context to ~/.kube/config."
  }
}

variable "merge_kubeconfig" {
  description = "Also add this cluster's context (kind-<cluster_name>) to user_kubeconfig_path, for users of kubectl or k9s. The merge takes kind's lock file, keeps every other entry, backs the file up and replaces it atomically (scripts/kubeconfig-merge.sh; needs kubectl); destroy removes the entries again. Does not touch the cluster."
  type        = bool
  default     = false
  nullable    = false
}

variable "user_kubeconfig_path" {
  description = "The user's kubeconfig that merge_kubeconfig adds the context to. Does not touch the cluster."
  type        = string
  default     = "~/.kube/config"
  nullable    = false

  validation {
    condition     = startswith(var.user_kubeconfig_path, "/") || startswith(var.user_kubeconfig_path, "~/")
    error_message = "user_kubeconfig_path must be absolute or start with ~/."
  }
}
