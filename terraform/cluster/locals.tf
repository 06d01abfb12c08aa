# Everything derived from the variables, in one file with no resource in it: the tests
# evaluate it with `terraform console` beside variables.tf, no provider needed.
locals {
  state_dir            = coalesce(var.state_dir, pathexpand("~/.local/state/sovereign-finops/${var.cluster_name}"))
  kubeconfig_path      = coalesce(var.kubeconfig_path, "${local.state_dir}/kubeconfig")
  repository_path      = coalesce(var.repository_path, abspath("${path.module}/../.."))
  containerd_certs_dir = coalesce(var.containerd_certs_dir, "${local.state_dir}/containerd-certs.d")
  use_mirror           = var.registry_mirror != ""

  # The ingress controller's pod runs on this node with hostPort 80/443 (nodeSelector
  # ingress-ready=true). kind v0.31.0 writes kubeadm v1beta3 for Kubernetes < 1.36, where
  # kubeletExtraArgs is a map; kind >= v0.32 with Kubernetes >= 1.36 uses v1beta4 (a list of
  # name/value pairs) and this patch would have to change.
  ingress_ready_patch = <<-YAML
    kind: InitConfiguration
    nodeRegistration:
      kubeletExtraArgs:
        node-labels: "ingress-ready=true"
  YAML

  # containerd reads per-registry hosts.toml files from config_path. Never the old
  # registry.mirrors table: containerd 2.x refuses it next to config_path ("mirrors cannot be
  # set when config_path is provided").
  containerd_config_path_patch = <<-TOML
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
  TOML

  nodes = concat([{ role = "control-plane" }], [for i in range(var.worker_count) : { role = "worker" }])
  ingress_ports = [
    { container_port = 80, host_port = var.host_ports.http },
    { container_port = 443, host_port = var.host_ports.https },
  ]

  # Mounted into every node: the Git server may be scheduled on any of them, and every
  # node's containerd pulls images.
  node_mounts = concat(
    [{ host_path = local.repository_path, container_path = var.repository_container_path }],
    local.use_mirror ? [{ host_path = local.containerd_certs_dir, container_path = "/etc/containerd/certs.d" }] : [],
  )
}
