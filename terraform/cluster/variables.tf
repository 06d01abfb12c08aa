# Every variable that reaches kind_cluster says "Changing it replaces the cluster": the
# tehcyx/kind provider has no update, every kind_cluster attribute is ForceNew, so a new value
# means terraform destroys the cluster (and everything Argo CD deployed in it) and creates it
# again. The Kind settings themselves (nodes, image, ports, mounts, mirror) are not variables
# here: they are the one file render-manifests renders from bootstrap/cluster (kind_config_path),
# and the rules below check that file.

variable "cluster_name" {
  description = "Name of the Kind cluster; its nodes are the Docker containers <name>-control-plane, <name>-worker, <name>-worker2, and the kubeconfig context is kind-<name>. Must equal the name in kind_config_path. Changing it replaces the cluster."
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

variable "kind_config_path" {
  description = "The Kind cluster's configuration, kind-config.yaml as `render-manifests render bootstrap/cluster` writes it (make infra-up renders it into the state folder): the one description of the cluster's nodes, node image, port mappings, mounts and registry mirror, mapped field by field into kind_cluster (kind create cluster --config reads the same file). Changing its content replaces the cluster."
  type        = string
  nullable    = false

  validation {
    condition     = startswith(var.kind_config_path, "/") && can(yamldecode(file(var.kind_config_path)).nodes[0])
    error_message = "kind_config_path must be the absolute path of a kind config with nodes: render it with `render-manifests render bootstrap/cluster --set git.hostPath=... -o DIR` and give DIR/kind-config.yaml."
  }
  validation {
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(alltrue([for k in [yamldecode(file(var.kind_config_path))] :
      k.kind == "Cluster" && k.apiVersion == "kind.x-k8s.io/v1alpha4" &&
      length(setsubtract(keys(k), ["kind", "apiVersion", "name", "networking", "nodes", "containerdConfigPatches"])) == 0 &&
      length(setsubtract(keys(try(k.networking, {})), ["apiServerAddress"])) == 0 &&
      alltrue([for n in k.nodes : length(setsubtract(keys(n), ["role", "image", "kubeadmConfigPatches", "extraPortMappings", "extraMounts", "labels"])) == 0])
    ]), false)
    error_message = "kind_config_path must be a kind.x-k8s.io/v1alpha4 Cluster using only the fields terraform/cluster maps (name, networking.apiServerAddress, nodes[].role/image/kubeadmConfigPatches/extraPortMappings/extraMounts/labels, containerdConfigPatches): a field kind_cluster would drop silently is refused."
  }
  validation {
    condition     = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(yamldecode(file(var.kind_config_path)).name == var.cluster_name, false)
    error_message = "The name in kind_config_path differs from cluster_name: render bootstrap/cluster with --set cluster.name=<cluster_name>."
  }
  validation {
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(alltrue([for k in [yamldecode(file(var.kind_config_path))] :
      k.nodes[0].role == "control-plane" && length([for n in k.nodes : n if n.role == "control-plane"]) == 1 &&
      alltrue([for n in k.nodes : contains(["control-plane", "worker"], n.role)]) &&
      length(k.nodes) >= 2 && length(k.nodes) <= 6
    ]), false)
    error_message = "kind_config_path must describe one control-plane node, first, and 1 to 5 workers (MetalLB announces from workers only; more than 5 nodes do not fit a laptop)."
  }
  validation {
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(alltrue([for k in [yamldecode(file(var.kind_config_path))] :
      length(distinct([for n in k.nodes : n.image])) == 1 &&
      can(regex("^[a-z0-9./_-]+:v[0-9]+\\.[0-9]+\\.[0-9]+@sha256:[0-9a-f]{64}$", k.nodes[0].image))
    ]), false)
    error_message = "Every node in kind_config_path must run the same node image, pinned by tag and digest (kindest/node:v1.34.3@sha256:<64 hex digits>): a tag alone can be moved, a digest cannot."
  }
  validation {
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(alltrue([for k in [yamldecode(file(var.kind_config_path))] :
      anytrue([for p in try(k.nodes[0].kubeadmConfigPatches, []) : strcontains(p, "kind: InitConfiguration") && strcontains(p, "ingress-ready=true")]) &&
      join(",", sort([for m in try(k.nodes[0].extraPortMappings, []) : tostring(m.containerPort) if m.protocol == "TCP"])) == "443,80" &&
      length(distinct([for m in k.nodes[0].extraPortMappings : m.hostPort])) == 2 &&
      alltrue([for m in k.nodes[0].extraPortMappings : m.hostPort == floor(m.hostPort) && m.hostPort >= 1 && m.hostPort <= 65535]) &&
      alltrue([for n in slice(k.nodes, 1, length(k.nodes)) : length(try(n.extraPortMappings, [])) == 0])
    ]), false)
    error_message = "The control plane in kind_config_path must carry the ingress-ready=true kubeadm patch (InitConfiguration) and map containerPort 80 and 443 (TCP) to two different host ports from 1 to 65535; workers map no ports."
  }
  validation {
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(alltrue([for m in yamldecode(file(var.kind_config_path)).nodes[0].extraPortMappings :
    can(cidrhost("${m.listenAddress}/32", 0)) && can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", m.listenAddress))]), false)
    error_message = "Every port mapping in kind_config_path must listen on an IPv4 address such as 127.0.0.1 (Docker's IPv6 port forwarding is unreliable, see kind's known issues)."
  }
  validation {
    # Judges IPv4 addresses only: anything else has its own message above.
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || var.expose_to_network || try(alltrue([for m in yamldecode(file(var.kind_config_path)).nodes[0].extraPortMappings :
    startswith(m.listenAddress, "127.") || !can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", m.listenAddress))]), false)
    error_message = "A port mapping in kind_config_path does not listen on a loopback address: that opens the platform's UIs to the network. Set expose_to_network = true if you mean it."
  }
  validation {
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(alltrue(flatten([for n in yamldecode(file(var.kind_config_path)).nodes : [for m in try(n.extraMounts, []) :
      m.readOnly == true && startswith(m.hostPath, "/") &&
    !contains(["/", "/etc", "/var", "/usr", "/kind"], trimsuffix(m.containerPath, "/"))]])), false)
    error_message = "Every extraMount in kind_config_path must be readOnly: true, from an absolute host path, and must not hide a folder the node needs (/, /etc, /var, /usr, /kind): nothing in the cluster may change the laptop's files."
  }
  validation {
    condition = !can(yamldecode(file(var.kind_config_path)).nodes[0]) || try(alltrue([for k in [yamldecode(file(var.kind_config_path))] :
      try(k.networking.apiServerAddress, "127.0.0.1") == "127.0.0.1" &&
      alltrue([for p in try(k.containerdConfigPatches, []) : !strcontains(p, "mirrors")]) &&
      (length(try(k.containerdConfigPatches, [])) == 0 || alltrue([for n in k.nodes : anytrue([for m in try(n.extraMounts, []) : m.containerPath == "/etc/containerd/certs.d"])]))
    ]), false)
    error_message = "kind_config_path: the API server must listen on 127.0.0.1, containerd patches must use config_path and never the registry.mirrors table (containerd 2 refuses it next to config_path), and with a containerd patch every node must mount /etc/containerd/certs.d."
  }
}

variable "expose_to_network" {
  description = "Set to true, on purpose, to let the port mappings in kind_config_path listen on 0.0.0.0 or a network interface's address (render bootstrap/cluster with --set ingress.listenAddress=...), for example a shared demo host the team reaches by name. Every UI (Argo CD, Vault, OpenCost, Prometheus) then answers on that network behind its basic auth and TLS only. Does not itself reach the cluster: the listen address does."
  type        = bool
  default     = false
  nullable    = false
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
