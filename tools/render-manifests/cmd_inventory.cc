// render-manifests images / charts: the inventory of an air-gap bundle.
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/error.h"
#include "common/log.h"
#include "common/output.h"
#include "common/redact.h"
#include "common/strings.h"
#include "render-manifests/commands.h"
#include "render-manifests/image_ref.h"
#include "render-manifests/inventory_report.h"
#include "render-manifests/sources.h"

namespace sf::rm {
namespace {

const char* const kInputs =
    "Inputs: files and folders (every *.yaml/*.yml, skipping hidden folders and Helm charts'\n"
    "templates/), or - for a YAML stream on stdin such as `helm template` output. Without one:\n"
    "argocd/ k8s/ vault/ opencost/ bootstrap/, those that exist. A document that does not parse\n"
    "is reported with its file:line and the others are still read (exit 3).\n";

cli::ToolInfo images_info() {
  return {
      "render-manifests images",
      "render-manifests images [options] [PATH...|-]",
      "Lists every container image the manifests name, with its pinned version and every file:line\n"
      "where it appears: containers, initContainers and ephemeralContainers of every workload kind\n"
      "(CronJob and Job templates included), any other `image:` field, and Helm values image maps\n"
      "({registry, repository, tag, digest}) in values files and Argo CD Applications\n"
      "(helm.valuesObject, helm.values). References are normalised as Docker does (nginx is\n"
      "docker.io/library/nginx); one row per distinct image.",
      std::string(kInputs) +
          "\n"
          "--mirror REGISTRY names each image in the mirror as the root chart rewrites it: its path,\n"
          "the registry host dropped (quay.io/argoproj/argocd:v3.4.4 -> REGISTRY/argoproj/argocd:v3.4.4,\n"
          "docker.io/library/redis:8 -> REGISTRY/library/redis:8). Digests are kept; two sources that\n"
          "would share a mirror name are an error row.\n"
          "\n"
          "Output (--format): jsonl, one {\"kind\":\"image\",\"image\",\"raw\",\"registry\",\"repository\",\"tag\",\n"
          "\"digest\",\"pinned\",[\"problem\"],[\"mirror\"],\"where\":[..]} per image, or {\"raw\",\"error\",\"where\"}\n"
          "for one that is not a valid reference (exit 3); list, one reference per line (\"SOURCE\n"
          "MIRROR\" with --mirror): the copy list of an air-gap bundle. Unpinned images (no tag,\n"
          "latest) are flagged with a problem and a warning; `render-manifests lint` fails on them.\n",
      "  render-manifests images\n"
      "  render-manifests images --format list argocd/ k8s/\n"
      "  helm template vault hashicorp/vault --version 0.34.1 -f vault/values.yaml | render-manifests images -\n"
      "  render-manifests images --mirror registry.local:5000 --format list > build/air-gap/images.txt\n"};
}

cli::ToolInfo charts_info() {
  return {
      "render-manifests charts",
      "render-manifests charts [options] [PATH...|-]",
      "Lists every Helm chart the tree deploys with its version and every file:line where it\n"
      "appears: Argo CD Application and ApplicationSet sources (repoURL, chart, targetRevision;\n"
      "spec.source and spec.sources[]) and Chart.yaml dependencies. A version that is not exact\n"
      "SemVer (a range, *, latest, empty) is flagged as unpinned.",
      std::string(kInputs) +
          "\n"
          "--mirror REGISTRY maps each chart to the OCI registry REGISTRY under its repository's\n"
          "host and path: https://metallb.github.io/metallb metallb 0.16.1 ->\n"
          "oci://REGISTRY/metallb.github.io/metallb (REGISTRY/metallb.github.io/metallb/metallb:0.16.1);\n"
          "oci://ghcr.io/nginx/charts nginx-ingress -> oci://REGISTRY/ghcr.io/nginx/charts. Path\n"
          "components are lower-cased, characters OCI does not allow become '-'. Credentials in a\n"
          "repoURL are never printed.\n"
          "\n"
          "Output (--format): jsonl, {\"kind\":\"chart\",\"chart\",\"repo_url\",\"version\",\"type\":\"http\"|\"oci\",\n"
          "\"pinned\",[\"problem\"],[\"mirror_repo_url\",\"mirror_ref\"],\"where\":[..]}; list, \"REPO_URL CHART\n"
          "VERSION\" per line (plus MIRROR_REF with --mirror).\n",
      "  render-manifests charts\n"
      "  render-manifests charts --format list\n"
      "  render-manifests charts --mirror registry.local:5000 --format list > build/air-gap/charts.txt\n"};
}

int run_inventory(int argc, char** argv, bool images) {
  cli::App app(images ? images_info() : charts_info());
  std::vector<std::string> paths;
  std::string mirror;
  std::string format = "jsonl";
  std::string output;
  app.options().add_options()
    ("mirror", cli::po::value(&mirror), "rewrite to this registry (host[:port])")
    ("format", cli::po::value(&format)->default_value("jsonl"), "jsonl or list")
    ("output,o", cli::po::value(&output), "write to FILE (replaced atomically) instead of stdout")
    ("path", cli::po::value(&paths), "files or folders to read, - for stdin");
  app.positional().add("path", -1);
  cli::po::variables_map vm;
  if (!app.parse(argc, argv, vm)) return kExitOk;
  const ReportFormat fmt = parse_report_format(format);
  if (!mirror.empty() && !valid_registry(mirror))
    throw UsageError(cat("--mirror '", printable(mirror, 80), "': give a registry as HOST[:PORT] (registry.local:5000), "
                         "no scheme and no path"));

  Inventory inventory;
  size_t broken = 0;
  for (const auto& input : read_yaml_inputs(paths)) {
    for (const auto& p : input.file.problems) {
      log::error(cat(input.file.path, ':', p.line, ": not valid YAML: ", p.message, "; this document is skipped"));
      ++broken;
    }
    collect(input.file, input.chart_yaml, inventory);
  }
  const auto rows = images ? image_rows(inventory, mirror) : chart_rows(inventory, mirror);
  size_t errors = 0;
  size_t unpinned = 0;
  for (const auto& r : rows) {
    errors += r.error ? 1 : 0;
    unpinned += r.unpinned ? 1 : 0;
  }
  OutputFile out(output);
  const size_t refused = write_rows(out.out(), rows, fmt);
  out.commit();
  const char* what = images ? "image" : "chart";
  if (unpinned > 0)
    log::warn(cat(unpinned, ' ', what, unpinned == 1 ? " is" : "s are", " not pinned (see \"problem\"); "
                  "render-manifests lint fails on them"));
  if (errors > 0) log::error(cat(errors, ' ', what, errors == 1 ? "" : "s", " could not be read (see \"error\")"));
  return errors + broken + refused > 0 ? kExitPartial : kExitOk;
}

}  // namespace

int run_images(int argc, char** argv) { return run_inventory(argc, argv, true); }
int run_charts(int argc, char** argv) { return run_inventory(argc, argv, false); }

}  // namespace sf::rm
