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
  node_image      = local.control_plane.image
  kubeconfig_path = local.kubeconfig_path
  # kind's own wait checks the control plane only and counts a timeout as success: the
  # Makefile waits with kind-wait instead.
  wait_for_ready = false

  # kind-config.yaml field by field (locals.tf): the same cluster `kind create cluster --config`
  # would make from that file.
  kind_config {
    kind                      = local.kind.kind
    api_version               = local.kind.apiVersion
    containerd_config_patches = try(local.kind.containerdConfigPatches, [])

    networking {
      api_server_address = try(local.kind.networking.apiServerAddress, "127.0.0.1")
    }

    dynamic "node" {
      for_each = local.kind.nodes
      content {
        role                   = node.value.role
        image                  = node.value.image
        labels                 = try(node.value.labels, null)
        kubeadm_config_patches = try(node.value.kubeadmConfigPatches, [])

        dynamic "extra_port_mappings" {
          for_each = try(node.value.extraPortMappings, [])
          content {
            container_port = extra_port_mappings.value.containerPort
            host_port      = extra_port_mappings.value.hostPort
            listen_address = extra_port_mappings.value.listenAddress
            protocol       = extra_port_mappings.value.protocol
          }
        }

        dynamic "extra_mounts" {
          for_each = try(node.value.extraMounts, [])
          content {
            host_path      = extra_mounts.value.hostPath
            container_path = extra_mounts.value.containerPath
            read_only      = extra_mounts.value.readOnly
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
      condition     = alltrue([for d in local.git_dirs : fileexists("${d}/HEAD")])
      error_message = "A Git directory the nodes mount has no HEAD (${join(", ", local.git_dirs)}): give render-manifests git.hostPath=$(git rev-parse --path-format=absolute --git-common-dir)."
    }
    precondition {
      condition     = alltrue([for d in local.containerd_dirs : length(fileset(d, "*/hosts.toml")) > 0])
      error_message = "The containerd certs folder the nodes mount holds no <registry>/hosts.toml (${join(", ", local.containerd_dirs)}): copy render-manifests' containerd-certs.d there first (make infra-up does)."
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
