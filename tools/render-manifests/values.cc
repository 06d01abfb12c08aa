#include "render-manifests/values.h"

#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "render-manifests/yaml_docs.h"

namespace sf::rm {

const Value* Value::member(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

Value* Value::member(std::string_view key) {
  for (auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

const char* type_name(Value::Type type) {
  switch (type) {
    case Value::Type::kNull: return "null (no value)";
    case Value::Type::kString: return "a string";
    case Value::Type::kBool: return "a boolean";
    case Value::Type::kList: return "a list";
    case Value::Type::kMap: return "a map";
  }
  return "?";
}

namespace {

constexpr size_t kMaxNodes = 100'000;
constexpr int kMaxDepth = 64;

class Converter {
 public:
  // `offset`: lines before the document (its marks count from its own first line).
  Converter(std::string file, size_t offset) : file_(std::move(file)), offset_(offset) {}

  // `fallback_line` (0-based) is used where yaml-cpp has no mark (an empty value after "key:").
  Value convert(const YAML::Node& node, int depth, int fallback_line) {
    // yaml-cpp marks an empty value ("key:") at the next token: a null gets its key's line.
    const bool null = node.Type() == YAML::NodeType::Null || node.Type() == YAML::NodeType::Undefined;
    const int line = node.Mark().line >= 0 && !null ? node.Mark().line : fallback_line;
    const std::string where = cat(file_, ':', offset_ + static_cast<size_t>(line) + 1);
    if (++nodes_ > kMaxNodes) throw ParseError(where, cat("more than ", kMaxNodes, " values (anchors expanding?)"));
    if (depth > kMaxDepth) throw ParseError(where, cat("nested deeper than ", kMaxDepth, " levels"));
    Value v;
    v.origin = where;
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        v.type = Value::Type::kNull;
        return v;
      case YAML::NodeType::Scalar:
        return scalar(node, where);
      case YAML::NodeType::Sequence:
        v.type = Value::Type::kList;
        for (const auto& item : node) v.items.push_back(convert(item, depth + 1, line));
        return v;
      case YAML::NodeType::Map:
        v.type = Value::Type::kMap;
        for (const auto& kv : node) {
          const std::string key_where = cat(file_, ':', offset_ + static_cast<size_t>(kv.first.Mark().line) + 1);
          if (!kv.first.IsScalar()) throw ParseError(key_where, "a key must be a plain word");
          const std::string key = kv.first.Scalar();
          if (!valid_utf8(key)) throw ParseError(key_where, "a key is not valid UTF-8");
          if (key.empty() || key.find('.') != std::string::npos || key == "?" || key.back() == '?')
            throw ParseError(key_where, cat("key '", printable(key, 80), "': keys must be non-empty and hold no '.' "
                                            "or trailing '?' (templates address values as a.b.c, a.b?)"));
          if (v.member(key) != nullptr)
            throw ParseError(key_where, cat("key '", printable(key, 80), "' appears twice in the same map"));
          v.members.push_back({key, convert(kv.second, depth + 1, kv.first.Mark().line)});
        }
        return v;
    }
    return v;
  }

 private:
  Value scalar(const YAML::Node& node, const std::string& where) {
    Value v;
    v.origin = where;
    const std::string& s = node.Scalar();
    if (!valid_utf8(s)) throw ParseError(where, "a value is not valid UTF-8");
    const bool plain = node.Tag() == "?";
    if (plain && (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE")) {
      v.type = Value::Type::kBool;
      v.text = (s[0] == 't' || s[0] == 'T') ? "true" : "false";
    } else if (plain && (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty())) {
      v.type = Value::Type::kNull;
    } else {
      v.type = Value::Type::kString;
      v.text = s;
    }
    return v;
  }

  std::string file_;
  size_t offset_;
  size_t nodes_ = 0;
};

bool valid_key_segment(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

std::string join_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

}  // namespace

Value parse_values(std::string_view yaml, const std::string& file) {
  // Split and loaded document by document (yaml_docs.h): yaml-cpp 0.7's LoadAll loops forever
  // on some bad input (a lone ","; jbeder/yaml-cpp#1040, fixed after 0.7 by PR #1319).
  const YamlFile parsed = parse_yaml_file(file, std::string(yaml));
  if (!parsed.problems.empty())
    throw ParseError(cat(file, ':', parsed.problems.front().line), cat("invalid YAML: ", parsed.problems.front().message));
  if (parsed.documents.size() > 1) throw ParseError(file, "a values file holds one YAML document, this one has several");
  Value root;
  root.type = Value::Type::kMap;
  root.origin = file;
  if (parsed.documents.empty()) return root;
  const YamlDocument& doc = parsed.documents[0];
  if (!doc.root.IsMap())
    throw ParseError(cat(file, ':', doc.file_line(doc.root, doc.line)), "the values file must be a map of keys");
  Converter c(file, doc.line - 1);
  root = c.convert(doc.root, 0, doc.root.Mark().line);
  return root;
}

Value parse_set(std::string_view argument, std::string& dotted_key) {
  const size_t eq = argument.find('=');
  if (eq == std::string_view::npos)
    throw UsageError(cat("--set '", printable(argument, 120), "': write it as KEY=VALUE, for example --set git.targetRevision=main"));
  dotted_key = std::string(argument.substr(0, eq));
  const std::string_view text = argument.substr(eq + 1);
  for (const auto& segment : split(dotted_key, '.'))
    if (!valid_key_segment(segment))
      throw UsageError(cat("--set '", printable(dotted_key, 120), "': a key is dot-separated words of letters, digits, "
                           "'_' and '-' (list items cannot be set one by one; give the list as {a,b})"));
  if (!valid_utf8(text)) throw UsageError(cat("--set ", dotted_key, ": the value is not valid UTF-8"));
  Value v;
  v.origin = "--set " + dotted_key;
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
    v.type = Value::Type::kList;
    const std::string_view inner = text.substr(1, text.size() - 2);
    if (!trim(inner).empty()) {
      for (const auto& item : split(inner, ',')) {
        Value s;
        s.type = Value::Type::kString;
        s.text = std::string(trim(item));
        s.origin = v.origin;
        if (s.text.empty()) throw UsageError(cat("--set ", dotted_key, ": an empty item in the list ", text));
        v.items.push_back(std::move(s));
      }
    }
    return v;
  }
  if (text.find(',') != std::string_view::npos)
    throw UsageError(cat("--set ", dotted_key, ": the value has a ','; give one KEY=VALUE per --set, and a list as {a,b}"));
  if (text == "true" || text == "false") {
    v.type = Value::Type::kBool;
    v.text = std::string(text);
  } else {
    v.type = Value::Type::kString;
    v.text = std::string(text);
  }
  return v;
}

void merge_values(Value& base, const Value& overlay, const std::string& path) {
  const std::string shown = path.empty() ? "the values" : path;
  if (overlay.type == Value::Type::kNull)
    throw UsageError(cat(overlay.origin, ": ", shown, " is set to null; a value can be changed, not removed"));
  if (base.type == Value::Type::kNull) {  // required: anything goes, and it now has a value
    base = overlay;
    return;
  }
  if (base.type != overlay.type)
    throw UsageError(cat(overlay.origin, ": ", shown, " is ", type_name(overlay.type), ", but the defaults (",
                         base.origin, ") declare ", type_name(base.type)));
  if (base.type != Value::Type::kMap) {
    base = overlay;
    return;
  }
  const bool free_form = base.members.empty();
  for (const auto& [key, value] : overlay.members) {
    Value* existing = base.member(key);
    if (existing == nullptr) {
      if (!free_form) {
        std::string known;
        for (const auto& m : base.members) {
          if (!known.empty()) known += ", ";
          known += m.key;
        }
        throw UsageError(cat(value.origin, ": no value '", join_path(path, key), "' is declared (", base.origin,
                             " has ", known, "); check the spelling"));
      }
      base.members.push_back({key, value});
      continue;
    }
    merge_values(*existing, value, join_path(path, key));
  }
}

void apply_set(Value& values, const std::string& dotted_key, const Value& value) {
  // Build {a: {b: {c: value}}} and merge it: the same rules as a values file.
  const auto keys = split(dotted_key, '.');
  Value overlay = value;
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    Value map;
    map.type = Value::Type::kMap;
    map.origin = value.origin;
    map.members.push_back({*it, std::move(overlay)});
    overlay = std::move(map);
  }
  merge_values(values, overlay);
}

const Value* lookup(const std::vector<const Value*>& stack, std::string_view dotted, std::string& why) {
  const auto parts = split(dotted, '.');
  if (parts.empty() || parts[0].empty()) {
    why = "an empty name";
    return nullptr;
  }
  const Value* found = nullptr;
  for (auto it = stack.rbegin(); it != stack.rend() && found == nullptr; ++it)
    if ((*it)->type == Value::Type::kMap) found = (*it)->member(parts[0]);
  if (found == nullptr) {
    why = cat("no value '", parts[0], "' here");
    return nullptr;
  }
  std::string so_far = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    if (found->type != Value::Type::kMap) {
      why = cat("'", so_far, "' is ", type_name(found->type), ", not a map holding '", parts[i], "'");
      return nullptr;
    }
    const Value* next = found->member(parts[i]);
    if (next == nullptr) {
      why = cat("'", so_far, "' has no value '", parts[i], "'");
      return nullptr;
    }
    found = next;
    so_far += "." + parts[i];
  }
  return found;
}

}  // namespace sf::rm
