// What `render-manifests facts` prints: one field table, written as a JSON object
// ({"kind":"network_facts",...}) for programs or as KEY=value lines for the Makefile.
#pragma once

#include <string>
#include <vector>

#include "common/output.h"
#include "render-manifests/metallb_range.h"

namespace sf::rm {

struct FactField {
  std::string key;  // snake_case; the env form is its upper case
  std::string value;
  bool number = false;
};

// The facts of `f` with the pool `ranges` (one or more, joined with ',' in metallb_range).
std::vector<FactField> fact_fields(const NetworkFacts& f, const std::vector<Ipv4Range>& ranges);

enum class FactsFormat { kJson, kEnv };
FactsFormat parse_facts_format(const std::string& text);  // "json" | "env"; UsageError otherwise

// Writes the whole table, checked: a value JSON cannot carry is refused before a byte is written.
void write_facts(Output& out, const std::vector<FactField>& fields, FactsFormat format);

}  // namespace sf::rm
