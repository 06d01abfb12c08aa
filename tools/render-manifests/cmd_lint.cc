// render-manifests lint: the tree's rules, each finding as file:line: rule: message.
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/error.h"
#include "common/log.h"
#include "common/output.h"
#include "common/strings.h"
#include "render-manifests/commands.h"
#include "render-manifests/lint.h"
#include "render-manifests/sources.h"

namespace sf::rm {
namespace {

cli::ToolInfo lint_info() {
  return {
      "render-manifests lint",
      "render-manifests lint [options] [PATH...|-]",
      "Checks the platform tree (default: argocd/ k8s/ vault/ opencost/ bootstrap/, those that\n"
      "exist), given files and folders, or a YAML stream on stdin (-), and prints one line per\n"
      "finding: FILE:LINE: RULE: MESSAGE. Exit 0 when clean, 1 with findings, 2 when an input\n"
      "cannot be read. Secret values are never printed, only where they are and under which key.",
      "Rules (--list-rules prints them): yaml, duplicate-key, unpinned-image, invalid-image,\n"
      "unpinned-chart, invalid-chart, secret-literal, resources, namespace-psa, psa-level,\n"
      "ingress-host, eso-v1beta1, ingress-nginx, lint-allow. See docs/render-manifests.md.\n"
      "\n"
      "Allow one finding on purpose, with the reason, in the file itself:\n"
      "  image: busybox:latest  # lint: allow unpinned-image the smoke test wants the newest\n"
      "  # lint: allow psa-level node-exporter mounts the host's /proc and /sys\n"
      "  apiVersion: v1\n"
      "A comment at a line's end covers that line; on a line of its own, the next line that is\n"
      "not a comment. A suppression without a reason or that allows nothing is itself a finding.\n",
      "  render-manifests lint\n"
      "  render-manifests lint k8s/ argocd/apps/vault.yaml\n"
      "  render-manifests lint --domain finops.bank.example\n"
      "  helm template vault ./vault-0.34.1.tgz -f vault/values.yaml | render-manifests lint -\n"
      "  render-manifests lint --list-rules\n"};
}

}  // namespace

int run_lint(int argc, char** argv) {
  cli::App app(lint_info());
  std::vector<std::string> paths;
  std::vector<std::string> domains;
  app.options().add_options()
    ("domain", cli::po::value(&domains), "also allow Ingress hosts under this domain (repeatable)")
    ("list-rules", "print the rules and what each one finds, and stop")
    ("path", cli::po::value(&paths), "files or folders to check, - for stdin");
  app.positional().add("path", -1);
  cli::po::variables_map vm;
  if (!app.parse(argc, argv, vm)) return kExitOk;
  Output& out = Output::standard();
  if (vm.count("list-rules")) {
    for (const auto& r : lint_rules()) out.write(cat(r.id, std::string(16 - std::string(r.id).size(), ' '), r.summary, "\n"));
    out.flush();
    return kExitOk;
  }
  LintOptions options;
  for (const auto& d : domains) {
    std::string domain(trim(d));
    if (domain.starts_with(".")) domain.erase(0, 1);
    if (domain.empty() || domain.find_first_of(" /:") != std::string::npos)
      throw UsageError(cat("--domain '", d, "': give a DNS suffix such as finops.example.com"));
    options.domains.push_back(domain);
  }
  size_t findings = 0;
  size_t files = 0;
  for (const auto& input : read_yaml_inputs(paths)) {
    ++files;
    for (const auto& f : lint_file(input.file, input.chart_yaml, options)) {
      out.write(f.text() + "\n");
      ++findings;
    }
  }
  out.flush();
  if (findings == 0) {
    log::info(cat(files, " file", files == 1 ? "" : "s", " checked, no findings"));
    return kExitOk;
  }
  log::error(cat(findings, " finding", findings == 1 ? "" : "s", " in ", files, " file", files == 1 ? "" : "s",
                 "; fix them, or allow one with '# lint: allow RULE REASON'"));
  return kExitFailed;
}

}  // namespace sf::rm
