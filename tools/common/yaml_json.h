// YAML to JSON the way Kubernetes reads YAML: sigs.k8s.io/yaml's YAMLToJSON over its goyaml.v2
// fork (YAML 1.1 typing), so that a kubeconfig (and next, a manifest) means here what it means
// to client-go and kubectl.
//
//   - plain scalars resolve as goyaml.v2's resolve(): null (~, null, empty), booleans (y, yes,
//     on, true, n, no, off, false in three casings), integers (decimal, 0x, 0o, 0b, leading-0
//     octal, '_' separators; beyond int64 as uint64), floats (.5, 1e3, 1.); everything else,
//     and every quoted or block scalar, is a string; standard tags (!!str, !!int, ...) apply;
//   - integers stay integers: `8080` is 8080, never 8080.0 (a plugin's Go decoder rejects that);
//   - map keys become strings (1 -> "1", true -> "true"); a key given twice keeps the last
//     value; `<<` merges maps (goyaml.v2's order: later keys win, earlier merge sources win);
//   - what JSON cannot hold is an error, as in YAMLToJSON: NaN, infinities, null keys, map or
//     list keys;
//   - nesting depth and the number of values are bounded (aliases re-expand on every use, so a
//     small file can otherwise expand exponentially).
#pragma once

#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sf::yamljson {

struct Limits {
  size_t max_values = 1'000'000;  // every scalar, map and list counted, aliases each time used
  int max_depth = 1'000;
};

// Converts the first YAML document of `text` (empty text or only comments: null). Throws
// sf::ParseError with "source:line:column" (or "source") as where.
rapidjson::Document parse(std::string_view text, const std::string& source, const Limits& limits = {});
// The same for an already parsed node.
rapidjson::Document convert(const YAML::Node& node, const std::string& source, const Limits& limits = {});

enum class Kind { kNull, kBool, kInt, kUint, kFloat, kString, kMerge };
struct Scalar {
  Kind kind = Kind::kString;
  bool boolean = false;
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;
  double number = 0;  // kFloat (may be NaN or infinite)
  std::string text;   // kString
};
// goyaml.v2's resolve() for a plain (unquoted, untagged) scalar.
Scalar resolve_plain(std::string_view text);

// JSON text as Go's encoding/json writes it: object keys sorted, integers as integers, floats
// in Go's form (8080, 1.5, 1e+21, 1e-7), <, >, &, U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD. `value` holds no NaN or infinity (json.Marshal refuses them).
std::string go_json(const rapidjson::Value& value);
// One finite float as Go's encoding/json writes it.
std::string go_float(double value);

}  // namespace sf::yamljson
