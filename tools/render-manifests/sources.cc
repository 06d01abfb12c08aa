#include "render-manifests/sources.h"

#include "common/error.h"
#include "common/file_read.h"
#include "common/strings.h"
#include "render-manifests/tree.h"

namespace sf::rm {

namespace {
constexpr size_t kMaxYamlInput = 64u << 20;  // one file of the tree, or a `helm template` stream
}  // namespace

std::vector<YamlInput> read_yaml_inputs(const std::vector<std::string>& paths) {
  std::vector<YamlInput> out;
  const bool defaults = paths.empty();
  std::vector<std::string> roots;
  for (const auto& p : paths) {
    if (p == "-") {
      out.push_back({parse_yaml_file("stdin", read_small_input("-", kMaxYamlInput, "YAML input")), false});
      continue;
    }
    roots.push_back(p);
  }
  if (defaults) {
    roots = default_tree_roots();
    const auto files = list_tree(roots, true);
    if (files.empty()) {
      std::string names;
      for (const auto& r : roots) names += r + "/ ";
      throw UsageError(cat("none of ", names, "holds YAML here: run from the repository's top folder, give "
                           "files or folders, or - for YAML on stdin"));
    }
  }
  for (const auto& f : list_tree(roots, defaults)) out.push_back({parse_yaml_file(f.path, read_small_input(f.path, kMaxYamlInput, "YAML file")), f.chart_yaml});
  return out;
}

}  // namespace sf::rm
