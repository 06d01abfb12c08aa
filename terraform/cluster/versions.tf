# Stage 1 of the bootstrap: the Kind cluster. Stage 2 (../platform) installs Argo CD and the
# root Application with a helm provider configured from the kubeconfig this stage writes: two
# root modules, because HashiCorp warns against configuring a provider from another resource's
# outputs in the same apply.
terraform {
  # 1.9 is the first release whose validation rules may refer to other variables
  # (kind_config_path's listen addresses need expose_to_network). Tested with 1.11.4.
  required_version = ">= 1.9.0"

  required_providers {
    kind = {
      source = "tehcyx/kind"
      # Newest release (2026-02-05). It embeds the kind v0.31.0 library, so node_image must be
      # an image built by kind v0.31.0 (variables.tf).
      version = "0.11.0"
    }
  }

  # The state lives in the state folder, outside Git:
  #   terraform init -backend-config="path=<state folder>/cluster.tfstate"
  # Without -backend-config it is terraform.tfstate in this folder (ignored by Git).
  backend "local" {}
}
