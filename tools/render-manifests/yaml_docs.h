// YAML files and streams of documents, as `helm template` and `kubectl` write them: split at
// "---" (and "...") lines, so that one bad document spoils only itself, with the file line of
// every node (yaml-cpp's marks plus the document's first line) and the "# Source:" comment Helm
// writes after each separator. And a bounded walk over a document: YAML anchors can make a
// small file expand exponentially, so a document of more than 200000 nodes or 128 levels is a
// problem of that document, not a hang.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace sf::rm {

struct YamlDocument {
  YAML::Node root;
  size_t line = 1;          // 1-based file line where the document's text starts
  std::string helm_source;  // "vault/templates/server-statefulset.yaml" from "# Source: ..."
  size_t file_line(const YAML::Node& node, size_t fallback) const;  // fallback when unmarked
};

struct YamlProblem {
  size_t line = 0;
  std::string message;
};

struct YamlFile {
  std::string path;  // as shown in findings: "argocd/apps/metallb.yaml", "stdin"
  std::string text;
  std::vector<YamlDocument> documents;  // documents that parsed and are not empty
  std::vector<YamlProblem> problems;    // documents that did not parse
};

YamlFile parse_yaml_file(std::string path, std::string text);

// YAML held in a string of a document (Argo CD's `helm.values: |`), parsed with its lines
// mapped into the file: a block scalar's text starts on the line after its key. Documents of
// it that do not parse are added to `problems` with their file line.
std::vector<YamlDocument> embedded_yaml(const YamlFile& file, const YamlDocument& doc, const YAML::Node& scalar,
                                        size_t key_line, std::vector<YamlProblem>* problems = nullptr);

// One node during a walk: where it is (keys and "[i]" from the root) and the line of its key
// (or of the item, in a list).
struct YamlVisit {
  const YAML::Node& node;
  const std::vector<std::string>& path;  // {"spec", "template", "spec", "containers", "[0]", "image"}
  size_t line;                           // file line of the key (or item)
};

// Calls `visit` for every node, depth first, keys in file order. Returns false (and stops)
// when the document is larger or deeper than the bounds above.
bool walk_yaml(const YamlDocument& doc, const std::function<void(const YamlVisit&)>& visit);

// "spec.template.spec.containers[0].image"
std::string path_text(const std::vector<std::string>& path);

// The value at `key` of a map node; an empty (null) node when `map` is not a map or has no such
// key. Safe to chain: yaml-cpp throws when indexing the node a missing key returns.
YAML::Node child(const YAML::Node& map, const char* key);
bool has_key(const YAML::Node& map, const char* key);  // present, even with an empty value

// The scalar at `key` of a map node, "" when absent or not a scalar.
std::string scalar_at(const YAML::Node& map, const char* key);

}  // namespace sf::rm
