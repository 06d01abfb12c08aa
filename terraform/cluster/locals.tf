# Everything derived from the variables, in one file with no resource in it: the tests
# evaluate it with `terraform console` beside variables.tf, no provider needed.
locals {
  state_dir       = coalesce(var.state_dir, pathexpand("~/.local/state/sovereign-finops/${var.cluster_name}"))
  kubeconfig_path = coalesce(var.kubeconfig_path, "${local.state_dir}/kubeconfig")

  # The Kind settings: render-manifests' kind-config.yaml (bootstrap/cluster), the one
  # description of the cluster. main.tf maps its fields one by one and decides nothing itself;
  # variables.tf checks what it may hold.
  kind          = yamldecode(file(var.kind_config_path))
  control_plane = local.kind.nodes[0]
  http_mapping  = one([for m in local.control_plane.extraPortMappings : m if m.containerPort == 80])
  https_mapping = one([for m in local.control_plane.extraPortMappings : m if m.containerPort == 443])

  # Host folders the nodes mount, with what each must hold before kind starts: the checkout's
  # Git directory (the Git server serves it) and, with a mirror, containerd's hosts.toml files.
  mounts          = flatten([for n in local.kind.nodes : try(n.extraMounts, [])])
  git_dirs        = distinct([for m in local.mounts : m.hostPath if endswith(m.containerPath, ".git")])
  containerd_dirs = distinct([for m in local.mounts : m.hostPath if m.containerPath == "/etc/containerd/certs.d"])
}
