// libFuzzer target for the strict template renderer: the input is a Mustache template, then a
// line "#---values---", then a values YAML document (default: a fixed set of values). The tag
// scanner, kainjow and the strict context must either render or throw sf::Error naming a line;
// anything else (another exception, a crash, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "render-manifests/template_render.h"
#include "render-manifests/template_scan.h"
#include "render-manifests/values.h"

namespace {
const char* const kDefaultValues =
    "name: finops\nport: \"80\"\non: true\noff: false\nempty: \"\"\nrequired: ~\nitems: [a, b]\n"
    "nodes: [{name: w1}, {name: w2}]\nmap: {k: v, inner: {x: y}}\ntext: \"a \\\"q\\\" \\\\ b\\nc\"\n";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view values_text = kDefaultValues;
  if (const auto at = input.find("#---values---"); at != std::string_view::npos) {
    values_text = input.substr(at + 13);
    input = input.substr(0, at);
  }
  try {
    const sf::rm::Value values = sf::rm::parse_values(values_text, "values.yaml");
    const sf::rm::ScannedTemplate t = sf::rm::scan_template(input, "fuzz.mustache");
    const sf::rm::BoundValues bound(values);
    (void)sf::rm::render_template(t, bound);
  } catch (const sf::Error&) {
  }
  return 0;
}
