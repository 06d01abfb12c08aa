// Template values: a YAML tree that remembers where every value came from (file:line, or the
// --set that gave it), merged strictly. The defaults file declares every key; a values file or
// --set may only change declared keys (a typo is an error, not a silently unused value), with
// the same type, except that a default of ~ (null) means "required, any type" and an empty
// map {} means "free-form". Keys may not contain '.', since templates address values by
// dotted paths.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::rm {

struct ValueMember;

struct Value {
  enum class Type { kNull, kString, kBool, kList, kMap };
  Type type = Type::kNull;
  std::string text;  // kString: the text; kBool: "true" or "false"
  std::vector<Value> items;                          // kList
  std::vector<ValueMember> members;  // kMap, in file order
  std::string origin;  // "bootstrap/cluster/values.yaml:12", "--set git.hostPath"

  bool flag() const { return type == Type::kBool && text == "true"; }
  const Value* member(std::string_view key) const;
  Value* member(std::string_view key);
};

struct ValueMember {
  std::string key;
  Value value;
};

const char* type_name(Value::Type type);  // "a string", "a list", ...

// Parses a values file (one YAML document whose root is a map, or empty for none).
// Plain true/false are booleans, plain null/~/empty are null, every other scalar is a string
// as written (80 stays "80"). ParseError names file:line for bad YAML, duplicate keys, keys
// with dots, invalid UTF-8 and anchors that expand beyond 100000 nodes.
Value parse_values(std::string_view yaml, const std::string& file);

// One --set argument: "a.b.c=value". The value is a boolean for true/false, a list of strings
// for {x,y} ({} is empty), else a string. UsageError for a bad key, a missing '=', or a comma
// outside braces (Helm's "a=1,b=2" form is refused: one key per --set).
Value parse_set(std::string_view argument, std::string& dotted_key);

// Merges `overlay` into `base` under the rules above; `path` is the dotted prefix for messages.
// Throws UsageError naming the overlay's origin and the base's origin on a conflict.
void merge_values(Value& base, const Value& overlay, const std::string& path = "");

// Applies one --set (after parse_set) to the values.
void apply_set(Value& values, const std::string& dotted_key, const Value& value);

// Looks `dotted` up through a context stack (innermost last), as Mustache does: the first
// segment is found in the innermost map that has it, the rest inside that value.
// Returns nullptr when undefined; `why` then says which part was missing or not a map.
const Value* lookup(const std::vector<const Value*>& stack, std::string_view dotted, std::string& why);

}  // namespace sf::rm
