// The YAML inputs of images, charts and lint: files and folders of the tree (default: the
// platform's folders that exist), or "-" for a stream on stdin (`helm template ... |`).
#pragma once

#include <string>
#include <vector>

#include "render-manifests/yaml_docs.h"

namespace sf::rm {

struct YamlInput {
  YamlFile file;
  bool chart_yaml = false;
};

// Reads and parses every input. Throws UsageError when nothing is there to read (no path
// given and none of the default folders exists) or a named path is missing.
std::vector<YamlInput> read_yaml_inputs(const std::vector<std::string>& paths);

}  // namespace sf::rm
