// The checks of `render-manifests lint`, each with an id a finding names and a suppression
// comment can allow (suppressions.h). A finding is "file:line: rule: message"; messages say
// what to do and never quote a secret's value.
#pragma once

#include <string>
#include <vector>

#include "render-manifests/yaml_docs.h"

namespace sf::rm {

struct LintRule {
  const char* id;
  const char* summary;  // one line: what it finds and why it matters
};

const std::vector<LintRule>& lint_rules();
bool known_rule(const std::string& id);

struct Finding {
  std::string file;
  size_t line = 0;
  std::string rule;
  std::string message;
  std::string text() const;  // "file:line: rule: message"
};

struct LintOptions {
  std::vector<std::string> domains{"localhost"};  // Ingress hosts must be these or end in .these
};

// Every finding of one file, suppressions applied (and checked), sorted by line.
std::vector<Finding> lint_file(const YamlFile& file, bool chart_yaml, const LintOptions& options);

}  // namespace sf::rm
