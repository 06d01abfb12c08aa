# The state folder is made 0700 before kind writes into it (kind would create it 0755).
resource "terraform_data" "state_dir" {
  triggers_replace = local.state_dir

  provisioner "local-exec" {
    command     = "install -d -m 0700 \"$STATE_DIR\""
    environment = { STATE_DIR = local.state_dir }
  }
}

resource "kind_cluster" "this" {
  name            = var.cluster_name
  node_image      = var.node_image
  kubeconfig_path = local.kubeconfig_path
  # kind's own wait checks the control plane only and counts a timeout as success: the
  # Makefile waits with kind-wait instead.
  wait_for_ready = false

  kind_config {
    kind        = "Cluster"
    api_version = "kind.x-k8s.io/v1alpha4"

    containerd_config_patches = local.use_mirror ? [local.containerd_config_path_patch] : []

    networking {
      # The API server answers on loopback only (kind's default, written down).
      api_server_address = "127.0.0.1"
    }

    # One control plane (the ingress node, the only one with port mappings), then the workers.
    dynamic "node" {
      for_each = local.nodes
      content {
        role                   = node.value.role
        kubeadm_config_patches = node.value.role == "control-plane" ? [local.ingress_ready_patch] : []

        dynamic "extra_port_mappings" {
          for_each = node.value.role == "control-plane" ? local.ingress_ports : []
          content {
            container_port = extra_port_mappings.value.container_port
            host_port      = extra_port_mappings.value.host_port
            listen_address = var.listen_address
            protocol       = "TCP"
          }
        }

        dynamic "extra_mounts" {
          for_each = local.node_mounts
          content {
            host_path      = extra_mounts.value.host_path
            container_path = extra_mounts.value.container_path
            read_only      = true
          }
        }
      }
    }
  }

  # kind creates the file 0600, but keeps the mode of a file that is already there.
  provisioner "local-exec" {
    command     = "chmod 0600 \"$KUBECONFIG_FILE\""
    environment = { KUBECONFIG_FILE = self.kubeconfig_path }
  }

  lifecycle {
    precondition {
      condition     = try(fileexists("${local.repository_path}/.git/HEAD"), false)
      error_message = "The repository at ${local.repository_path} has no .git folder (a git worktree or a copy?): the in-cluster Git server needs a clone. Set repository_path to a clone."
    }
    precondition {
      condition     = !local.use_mirror || length(fileset(local.containerd_certs_dir, "*/hosts.toml")) > 0
      error_message = "registry_mirror is set but ${local.containerd_certs_dir} holds no <registry>/hosts.toml: render them first (render-manifests render, see docs/infra-up.md) or set containerd_certs_dir."
    }
  }

  depends_on = [terraform_data.state_dir]
}

# Opt-in: the cluster's context in the user's own kubeconfig. Not written by Terraform: the
# script merges under kind's lock file, keeps every other entry and replaces the file
# atomically after a backup.
resource "terraform_data" "user_kubeconfig" {
  count = var.merge_kubeconfig ? 1 : 0

  input = {
    script  = abspath("${path.module}/../../scripts/kubeconfig-merge.sh")
    source  = kind_cluster.this.kubeconfig_path
    target  = pathexpand(var.user_kubeconfig_path)
    context = "kind-${var.cluster_name}"
  }

  provisioner "local-exec" {
    command = "\"$SCRIPT\" merge \"$SOURCE\" \"$TARGET\" \"$CONTEXT\""
    environment = {
      SCRIPT  = self.input.script
      SOURCE  = self.input.source
      TARGET  = self.input.target
      CONTEXT = self.input.context
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = "\"$SCRIPT\" remove \"$TARGET\" \"$CONTEXT\""
    environment = {
      SCRIPT  = self.input.script
      TARGET  = self.input.target
      CONTEXT = self.input.context
    }
  }
}
