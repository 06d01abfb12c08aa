// libFuzzer target for the YAML stream reader, the inventory and the linter: any input is a
// stream of documents; every finding must name a line inside the input, and nothing may crash
// or throw (bad documents become findings, not exceptions).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "render-manifests/inventory.h"
#include "render-manifests/inventory_report.h"
#include "render-manifests/lint.h"
#include "render-manifests/yaml_docs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const size_t lines = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  const sf::rm::YamlFile file = sf::rm::parse_yaml_file("fuzz.yaml", text);
  sf::rm::Inventory inventory;
  sf::rm::collect(file, size % 2 == 1, inventory);
  (void)sf::rm::image_rows(inventory, "registry.local:5000");
  (void)sf::rm::chart_rows(inventory, "registry.local:5000");
  for (const auto& f : sf::rm::lint_file(file, false, sf::rm::LintOptions{}))
    if (f.line == 0 || f.line > lines) std::abort();
  return 0;
}
