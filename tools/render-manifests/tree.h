// The files of the platform tree that hold YAML: every *.yaml / *.yml under the given files
// and folders, in a stable order, skipping hidden folders and the templates/ folder of a Helm
// chart (Go templates, not YAML: render them with `helm template ... | render-manifests ...`).
#pragma once

#include <string>
#include <vector>

namespace sf::rm {

struct TreeFile {
  std::string path;         // as it will be shown: "argocd/apps/metallb.yaml"
  bool chart_yaml = false;  // a Helm Chart.yaml
};

// The platform's folders, in boot order: the default when no path is given.
const std::vector<std::string>& default_tree_roots();

// Files of `roots` (a root that is a file is taken as it is, whatever its name). A root that
// does not exist is an error unless `skip_missing` (the defaults: lint what exists).
std::vector<TreeFile> list_tree(const std::vector<std::string>& roots, bool skip_missing);

}  // namespace sf::rm
