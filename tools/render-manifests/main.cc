// render-manifests: the platform's manifests as data. Reads the Docker `kind` network for the
// bootstrap's run-time facts, renders the repository's own templates strictly, inventories
// every image and chart (with a rewrite to a local mirror, for an air gap), and lints the tree.
#include <cstring>
#include <string>

#include "common/cli.h"
#include "common/error.h"
#include "common/output.h"
#include "common/strings.h"
#include "render-manifests/commands.h"

namespace {

using namespace sf;

const char* const kUsage =
    "Usage: render-manifests COMMAND [options]   (render-manifests COMMAND --help for each)\n"
    "\n"
    "The platform's manifests as data: run-time facts for the bootstrap, strict template\n"
    "rendering, the image and chart inventory of an air-gap bundle, and a linter for the tree.\n"
    "\n"
    "Commands:\n"
    "  facts    read `docker network inspect kind`; print the subnet and a MetalLB pool, or\n"
    "           --check a given range\n"
    "  render   render the repository's templates (bootstrap/cluster, bootstrap/platform) with\n"
    "           values and --set\n"
    "  images   list every image with its pinned version, from the tree or rendered YAML on stdin;\n"
    "           --mirror REGISTRY rewrites them to a local registry\n"
    "  charts   list every Helm chart with its pinned version; --mirror maps them to OCI\n"
    "  lint     check the tree: pinned versions, secret literals, requests and limits, Pod\n"
    "           Security labels, ingress hosts, retired APIs and ingress-nginx\n"
    "\n"
    "Exit codes: 0 done, 1 failed (findings, a failed check), 2 usage or invalid input, 3 partial\n"
    "\n"
    "Examples:\n"
    "  docker network inspect kind | render-manifests facts --format env\n"
    "  render-manifests render bootstrap/cluster --set git.hostPath=$PWD/.git -o build/cluster\n"
    "  helm template vault ./vault-0.34.1.tgz | render-manifests images --format list\n"
    "  render-manifests images --mirror registry.local:5000\n"
    "  render-manifests lint\n";

int run(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    Output::standard().write(kUsage);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  const std::string command = argv[1];
  if (command == "--version") {
    Output::standard().write(cat("render-manifests ", SF_VERSION, "\n"));
    return kExitOk;
  }
  if (command == "facts") return rm::run_facts(argc - 1, argv + 1);
  if (command == "render") return rm::run_render(argc - 1, argv + 1);
  if (command == "images") return rm::run_images(argc - 1, argv + 1);
  if (command == "charts") return rm::run_charts(argc - 1, argv + 1);
  if (command == "lint") return rm::run_lint(argc - 1, argv + 1);
  throw UsageError(cat("unknown command '", command, "'; use facts, render, images, charts or lint (see --help)"));
}

}  // namespace

int main(int argc, char** argv) {
  return sf::cli::run_tool("render-manifests", [&] { return run(argc, argv); });
}
