// render-manifests render: the repository's own templates, rendered strictly and deterministically.
#include <filesystem>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/error.h"
#include "common/log.h"
#include "common/output.h"
#include "common/strings.h"
#include "render-manifests/commands.h"
#include "render-manifests/output_folder.h"
#include "render-manifests/template_set.h"

namespace fs = std::filesystem;

namespace sf::rm {
namespace {

cli::ToolInfo render_info() {
  return {
      "render-manifests render",
      "render-manifests render [options] [SET_DIR|TEMPLATE]",
      "Renders a template set (a folder with templates.yaml) or one Mustache template with the\n"
      "set's default values, then each -f values file, then each --set, and writes the outputs: a\n"
      "set to a folder (-o DIR, replaced as a whole), one output (--only PATH) or one template to\n"
      "stdout or -o FILE (replaced atomically). The bootstrap has two sets: bootstrap/cluster (the\n"
      "Kind cluster, rendered before it exists) and bootstrap/platform (the root Application and\n"
      "the namespaces, rendered with the running cluster's facts).",
      "Strict: an undefined value, a required value (~ in the defaults) left unset, a section over\n"
      "a string, a list or map where text goes, a --set or values-file key the defaults do not\n"
      "declare or of another type: each is an error naming the template or values file, the line\n"
      "and the key (exit 2), and nothing is written. Text from {{x}} is escaped for a double-quoted\n"
      "YAML or TOML string; outside quotes only a plain word is accepted. {{#x?}} tests that x is\n"
      "set. Outputs named *.yaml must parse as YAML. Same inputs, same bytes.\n"
      "\n"
      "--set KEY=VALUE: dotted keys (git.hostPath=...); true/false are booleans; {a,b} is a list\n"
      "of strings ({} the empty list); one key per --set (a ',' outside braces is refused).\n",
      "  render-manifests render bootstrap/cluster --set git.hostPath=$(git rev-parse --path-format=absolute --git-common-dir) -o build/cluster\n"
      "  render-manifests render bootstrap/platform --only root-application.yaml --set metallb.addresses={172.18.255.205-172.18.255.254} \\\n"
      "      --set network.controlPlaneCIDRs={172.18.0.3/32} --set network.nodeCIDRs={172.18.0.0/16}\n"
      "  render-manifests render bootstrap/cluster -f my-values.yaml --set registry.mirror=kind-registry:5000 \\\n"
      "      --set registry.certsHostPath=$HOME/.local/state/sovereign-finops/sovereign-finops/containerd-certs.d -o build/cluster\n"
      "  render-manifests render bootstrap/cluster --list --set git.hostPath=/x --set registry.mirror=kind-registry:5000 --set registry.certsHostPath=/c\n"};
}

}  // namespace

int run_render(int argc, char** argv) {
  cli::App app(render_info());
  std::string input;
  std::string output;
  std::string only;
  std::vector<std::string> values_files;
  std::vector<std::string> sets;
  app.options().add_options()
    ("values,f", cli::po::value(&values_files), "a values file merged over the defaults (repeatable, in order)")
    ("set", cli::po::value(&sets), "KEY=VALUE over every values file (repeatable)")
    ("output,o", cli::po::value(&output), "a folder for a set, a file for one output (default: stdout)")
    ("only", cli::po::value(&only), "render only this output of the set")
    ("list", "print the paths the set would write, one per line, and stop")
    ("input", cli::po::value(&input), "template set folder (bootstrap/cluster, bootstrap/platform) or template file");
  app.positional().add("input", 1);
  cli::po::variables_map vm;
  if (!app.parse(argc, argv, vm)) return kExitOk;
  if (input.empty())
    throw UsageError("give the template set to render: bootstrap/cluster (the Kind cluster, before it exists) or "
                     "bootstrap/platform (the root Application, with the running cluster's facts), or one template");

  if (!is_template_set(input)) {
    std::error_code ec;
    if (fs::is_directory(input, ec))
      throw UsageError(cat(input, ": a folder without templates.yaml is not a template set"));
    if (!only.empty() || vm.count("list")) throw UsageError("--only and --list need a template set, not one template");
    const fs::path set_dir = fs::path(input).parent_path();
    const std::string defaults =
        is_template_set(set_dir.string()) ? load_template_set(set_dir.string()).values_file : std::string();
    const std::string text = render_file(input, load_values(defaults, values_files, sets));
    OutputFile out(output);
    out.out().write(text);
    out.commit();
    return kExitOk;
  }

  const TemplateSet set = load_template_set(input);
  const auto files = render_set(set, load_values(set.values_file, values_files, sets));
  if (vm.count("list")) {
    Output& out = Output::standard();
    for (const auto& [path, text] : files) out.write(path + "\n");
    out.flush();
    return kExitOk;
  }
  if (!only.empty()) {
    const auto it = files.find(only);
    if (it == files.end()) {
      std::string known;
      for (const auto& [path, text] : files) {
        if (!known.empty()) known += ", ";
        known += path;
      }
      throw UsageError(cat("--only ", only, ": the set renders no such output with these values (it renders ", known, ")"));
    }
    OutputFile out(output);
    out.out().write(it->second);
    out.commit();
    return kExitOk;
  }
  if (output.empty() || output == "-")
    throw UsageError("a template set renders several files: give -o DIR, or --only PATH for one of them");
  replace_directory(output, files);
  log::info(cat("wrote ", files.size(), " files to ", output));
  return kExitOk;
}

}  // namespace sf::rm
