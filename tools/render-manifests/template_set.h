// A template set: a folder with an index, templates.yaml, naming its default values file and
// which template makes which output file:
//
//   values: values.yaml
//   outputs:
//     - template: kind-config.yaml.mustache
//       path: kind-config.yaml
//     - template: hosts.toml.mustache
//       path: "containerd-certs.d/{{host}}/hosts.toml"   # rendered like a template
//       each: registry.upstreams                          # one file per item of this list
//       when: registry.mirror?                            # only when this is set (or true)
//
// Rendering is all-or-nothing and deterministic: every output is rendered in memory first
// (outputs sorted by path), YAML outputs must parse as YAML, and two outputs with one path are
// an error.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "render-manifests/values.h"

namespace sf::rm {

struct OutputSpec {
  std::string template_file;  // relative to the set's folder
  std::string path;           // a template for the output's path
  std::string each;           // "" or a dotted key naming a list
  std::string when;           // "" or a dotted key (a boolean, or x? for "is set")
  std::string origin;         // "bootstrap/cluster/templates.yaml:7"
};

struct TemplateSet {
  std::string dir;
  std::string values_file;  // full path, "" when the index names none
  std::vector<OutputSpec> outputs;
};

bool is_template_set(const std::string& dir);  // holds templates.yaml
TemplateSet load_template_set(const std::string& dir);

// The values: the set's defaults, then each values file, then each --set, merged strictly.
Value load_values(const std::string& defaults_file, const std::vector<std::string>& values_files,
                  const std::vector<std::string>& sets);

// Every output of the set: path -> content.
std::map<std::string, std::string> render_set(const TemplateSet& set, const Value& values);

// One template file rendered with the values (no `each`); YAML output is checked as a set's is.
std::string render_file(const std::string& template_file, const Value& values);

}  // namespace sf::rm
