// libFuzzer target for sf::yamljson (YAML to JSON as sigs.k8s.io/yaml does it). ParseError is the
// expected outcome for junk; whatever converts must come out of go_json() as valid JSON with no
// NaN or infinity. Limits are small so alias bombs are cut quickly.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/yaml_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sf::yamljson::Limits limits;
  limits.max_values = 20'000;
  limits.max_depth = 200;
  try {
    const rapidjson::Document doc = sf::yamljson::parse(text, "fuzz.yaml", limits);
    const std::string json = sf::yamljson::go_json(doc);
    rapidjson::Document back;
    back.Parse(json.c_str(), json.size());
    if (back.HasParseError()) __builtin_trap();
  } catch (const sf::ParseError&) {
  }
  (void)sf::yamljson::resolve_plain(text.substr(0, 64));
  return 0;
}
