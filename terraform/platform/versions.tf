# Stage 2 of the bootstrap: Argo CD and the root Application, installed with Helm into the
# cluster that stage 1 (../cluster) made, through the kubeconfig file it wrote. After this
# apply Argo CD owns everything, itself included (from the same values file).
terraform {
  # The same floor as stage 1 (cross-variable validation, 1.9). Tested with 1.11.4.
  required_version = ">= 1.9.0"

  required_providers {
    helm = {
      source = "hashicorp/helm"
      # v3 syntax: kubernetes = { ... } is an attribute, set = [ { name, value } ] a list.
      version = "3.1.2"
    }
  }

  # terraform init -backend-config="path=<state folder>/platform.tfstate"
  backend "local" {}
}

provider "helm" {
  kubernetes = {
    config_path    = var.kubeconfig_path
    config_context = var.kube_context
  }
}
