#include "common/yaml_json.h"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <unordered_map>
#include <vector>

#include "common/base64.h"
#include "common/error.h"
#include "common/strings.h"

namespace sf::yamljson {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Go's strconv.ParseUint(s, 0, 64) digits part: base from the prefix, every digit valid, no
// overflow. `s` has no sign and no '_' (the caller removed them).
bool parse_go_unsigned(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x') base = 16, s.remove_prefix(2);
    else if (p == 'o') base = 8, s.remove_prefix(2);
    else if (p == 'b') base = 2, s.remove_prefix(2);
    else base = 8, s.remove_prefix(1);  // leading 0: octal
    if (s.empty()) return false;
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Go's strconv.ParseInt(s, 0, 64): optional sign, then as parse_go_unsigned, within int64.
bool parse_go_signed(std::string_view s, int64_t& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t magnitude = 0;
  if (!parse_go_unsigned(s, magnitude)) return false;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (magnitude > kMax + 1) return false;
    out = magnitude == kMax + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(magnitude);
  } else {
    if (magnitude > kMax) return false;
    out = static_cast<int64_t>(magnitude);
  }
  return true;
}

// goyaml.v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t digits = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == digits) return false;
  } else {
    const size_t digits = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == digits) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && is_digit(s[i])) ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t digits = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == digits) return false;
  }
  return i == s.size();
}

// Go's strconv.ParseFloat(s, 64) for the decimal forms goyaml.v2 hands it. Overflow is an
// error there (the scalar stays a string); underflow gives 0 or a denormal, as here.
bool parse_go_float(std::string_view s, double& out) {
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  if (body.empty() || !(is_digit(body[0]) || body[0] == '.')) return false;
  const std::string text(s[0] == '+' ? body : s);  // strtod takes '-' but not '+'
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

struct Special {
  std::string_view text;
  Kind kind;
  bool boolean;
  double number;
};

// goyaml.v2's resolveMap.
const Special* special(std::string_view s) {
  static const double inf = std::numeric_limits<double>::infinity();
  static const double nan = std::numeric_limits<double>::quiet_NaN();
  static const Special table[] = {
      {"y", Kind::kBool, true, 0},       {"Y", Kind::kBool, true, 0},       {"yes", Kind::kBool, true, 0},
      {"Yes", Kind::kBool, true, 0},     {"YES", Kind::kBool, true, 0},     {"true", Kind::kBool, true, 0},
      {"True", Kind::kBool, true, 0},    {"TRUE", Kind::kBool, true, 0},    {"on", Kind::kBool, true, 0},
      {"On", Kind::kBool, true, 0},      {"ON", Kind::kBool, true, 0},      {"n", Kind::kBool, false, 0},
      {"N", Kind::kBool, false, 0},      {"no", Kind::kBool, false, 0},     {"No", Kind::kBool, false, 0},
      {"NO", Kind::kBool, false, 0},     {"false", Kind::kBool, false, 0},  {"False", Kind::kBool, false, 0},
      {"FALSE", Kind::kBool, false, 0},  {"off", Kind::kBool, false, 0},    {"Off", Kind::kBool, false, 0},
      {"OFF", Kind::kBool, false, 0},    {"", Kind::kNull, false, 0},       {"~", Kind::kNull, false, 0},
      {"null", Kind::kNull, false, 0},   {"Null", Kind::kNull, false, 0},   {"NULL", Kind::kNull, false, 0},
      {".nan", Kind::kFloat, false, nan}, {".NaN", Kind::kFloat, false, nan}, {".NAN", Kind::kFloat, false, nan},
      {".inf", Kind::kFloat, false, inf}, {".Inf", Kind::kFloat, false, inf}, {".INF", Kind::kFloat, false, inf},
      {"+.inf", Kind::kFloat, false, inf}, {"+.Inf", Kind::kFloat, false, inf}, {"+.INF", Kind::kFloat, false, inf},
      {"-.inf", Kind::kFloat, false, -inf}, {"-.Inf", Kind::kFloat, false, -inf}, {"-.INF", Kind::kFloat, false, -inf},
      {"<<", Kind::kMerge, false, 0},
  };
  for (const auto& entry : table)
    if (entry.text == s) return &entry;
  return nullptr;
}

char hint_of(std::string_view s) {
  if (s.empty()) return 'N';
  const char c = s[0];
  if (c == '+' || c == '-') return 'S';
  if (is_digit(c)) return 'D';
  if (std::string_view("yYnNtTfFoO~").find(c) != std::string_view::npos) return 'M';
  if (c == '.') return '.';
  if (c == '<') return 'M';  // "<<" is in the map
  return 0;
}

Scalar string_scalar(std::string_view text) {
  Scalar s;
  s.kind = Kind::kString;
  s.text = std::string(text);
  return s;
}

const char* kind_tag(Kind k) {
  switch (k) {
    case Kind::kNull: return "!!null";
    case Kind::kBool: return "!!bool";
    case Kind::kInt:
    case Kind::kUint: return "!!int";
    case Kind::kFloat: return "!!float";
    case Kind::kMerge: return "!!merge";
    case Kind::kString: break;
  }
  return "!!str";
}

class Converter {
 public:
  Converter(const std::string& source, const Limits& limits, Allocator& allocator)
      : source_(source), limits_(limits), a_(allocator) {}

  rapidjson::Value value(const YAML::Node& node, int depth) {
    if (depth > limits_.max_depth)
      throw error(node, cat("nested more than ", limits_.max_depth, " levels deep"));
    if (++values_ > limits_.max_values)
      throw error(node, cat("expands to more than ", limits_.max_values,
                            " values; YAML aliases that refer to each other make a small file huge"));
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        if (node.Tag() == std::string(kTagPrefix) + "str") return rapidjson::Value("", a_);
        return rapidjson::Value(rapidjson::kNullType);
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence: {
        rapidjson::Value array(rapidjson::kArrayType);
        array.Reserve(static_cast<rapidjson::SizeType>(node.size()), a_);
        for (const auto& item : node) array.PushBack(value(item, depth + 1), a_);
        return array;
      }
      case YAML::NodeType::Map: {
        rapidjson::Value object(rapidjson::kObjectType);
        Members members(object);
        fill(node, members, depth);
        return object;
      }
    }
    return rapidjson::Value(rapidjson::kNullType);
  }

 private:
  // An object under construction, with an index so that "last key wins" stays linear.
  struct Members {
    rapidjson::Value& object;
    std::unordered_map<std::string, rapidjson::SizeType> index;
    explicit Members(rapidjson::Value& o) : object(o) {}
  };

  ParseError error(const YAML::Node& node, const std::string& what) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return ParseError(source_, what);
    return ParseError(cat(source_, ":", mark.line + 1, ":", mark.column + 1), what);
  }

  void set(Members& m, std::string key, rapidjson::Value&& v) {
    const auto it = m.index.find(key);
    if (it != m.index.end()) {
      (m.object.MemberBegin() + it->second)->value = std::move(v);  // a key given twice: the last wins
      return;
    }
    m.index.emplace(key, m.object.MemberCount());
    m.object.AddMember(rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size()), a_), v, a_);
  }

  // goyaml.v2's mapping(): pairs in order; a `<<` key merges the map(s) it names at that point.
  void fill(const YAML::Node& map, Members& m, int depth) {
    for (const auto& kv : map) {
      const YAML::Node& key = kv.first;
      if (key.IsScalar() && key.Tag() == "?" && key.Scalar() == "<<") {
        merge(kv.second, m, depth);
        continue;
      }
      std::string name = key_text(key);
      set(m, std::move(name), value(kv.second, depth + 1));
    }
  }

  void merge(const YAML::Node& source, Members& m, int depth) {
    if (source.IsMap()) {
      fill(source, m, depth + 1);
      return;
    }
    if (!source.IsSequence())
      throw error(source, "map merge requires map or sequence of maps as the value");
    // Earlier maps in the list take precedence: apply them last.
    for (size_t i = source.size(); i-- > 0;) {
      const YAML::Node item = source[i];
      if (!item.IsMap()) throw error(item, "map merge requires map or sequence of maps as the value");
      fill(item, m, depth + 1);
    }
  }

  // A map key as YAMLToJSON writes it: resolved like a value, then made a string.
  std::string key_text(const YAML::Node& key) {
    if (key.IsMap() || key.IsSequence()) throw error(key, "a map or list cannot be a map key");
    if (!key.IsScalar()) throw error(key, "a null map key cannot be written as JSON");
    const Scalar s = resolve(key);
    switch (s.kind) {
      case Kind::kString: return s.text;
      case Kind::kBool: return s.boolean ? "true" : "false";
      case Kind::kInt: return std::to_string(s.integer);
      case Kind::kUint: return std::to_string(s.unsigned_integer);
      case Kind::kFloat: {
        // strconv.FormatFloat(f, 'g', -1, 32), with goyaml's names for the specials.
        if (std::isnan(s.number)) return ".nan";
        if (std::isinf(s.number)) return s.number > 0 ? ".inf" : "-.inf";
        char buffer[64];
        const auto r = std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(s.number),
                                     std::chars_format::general);
        return std::string(buffer, r.ptr);
      }
      case Kind::kNull:
        throw error(key, "a null map key cannot be written as JSON");
      case Kind::kMerge:
        break;
    }
    return s.text;
  }

  // The scalar's type as goyaml.v2 decodes it into interface{}.
  Scalar resolve(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "?") return resolve_plain(text);
    if (tag.empty() || tag == "!") return string_scalar(text);  // quoted or block scalar
    if (tag.compare(0, kTagPrefix.size(), kTagPrefix) != 0) return string_scalar(text);  // !custom: kept as text
    const std::string_view name = std::string_view(tag).substr(kTagPrefix.size());
    if (name == "str") return string_scalar(text);
    if (name == "binary") {
      std::string bytes;
      if (!base64_decode(text, bytes)) throw error(node, "!!binary value is not valid base64");
      return string_scalar(bytes);
    }
    Scalar s = resolve_plain(text);
    const bool fits = (name == "int" && (s.kind == Kind::kInt || s.kind == Kind::kUint)) ||
                      (name == "float" && (s.kind == Kind::kFloat || s.kind == Kind::kInt || s.kind == Kind::kUint)) ||
                      (name == "bool" && s.kind == Kind::kBool) || (name == "null" && s.kind == Kind::kNull) ||
                      (name == "timestamp" && s.kind == Kind::kString) ||
                      (name != "int" && name != "float" && name != "bool" && name != "null" && name != "timestamp");
    if (!fits)
      throw error(node, cat("cannot decode ", kind_tag(s.kind), " `", text, "` as a !!", name));
    if (name == "float" && s.kind == Kind::kInt) {
      s.number = static_cast<double>(s.integer);
      s.kind = Kind::kFloat;
    } else if (name == "float" && s.kind == Kind::kUint) {
      s.number = static_cast<double>(s.unsigned_integer);
      s.kind = Kind::kFloat;
    }
    if (s.kind == Kind::kMerge) return string_scalar(text);
    return s;
  }

  rapidjson::Value scalar(const YAML::Node& node) {
    const Scalar s = resolve(node);
    switch (s.kind) {
      case Kind::kNull: return rapidjson::Value(rapidjson::kNullType);
      case Kind::kBool: return rapidjson::Value(s.boolean);
      case Kind::kInt: return rapidjson::Value(s.integer);
      case Kind::kUint: return rapidjson::Value(s.unsigned_integer);
      case Kind::kFloat:
        if (!std::isfinite(s.number))
          throw error(node, cat("`", node.Scalar(), "` is ", std::isnan(s.number) ? "NaN" : "infinite",
                                ", which JSON cannot hold; quote it if it is meant as text"));
        return rapidjson::Value(s.number);
      case Kind::kMerge:
      case Kind::kString:
        break;
    }
    return rapidjson::Value(s.text.data(), static_cast<rapidjson::SizeType>(s.text.size()), a_);
  }

  const std::string& source_;
  const Limits& limits_;
  Allocator& a_;
  size_t values_ = 0;
};

void append_go_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence is copied (U+2028/U+2029 escaped); a bad byte is U+FFFD.
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    ok = ok && !(n == 3 && cp < 0x800) && !(n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
         !(cp >= 0xD800 && cp <= 0xDFFF);
    if (!ok) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    else out.append(s.substr(i, n));
    i += n;
  }
  out.push_back('"');
}

void append_go_json(std::string& out, const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: out += "null"; return;
    case rapidjson::kFalseType: out += "false"; return;
    case rapidjson::kTrueType: out += "true"; return;
    case rapidjson::kStringType: append_go_string(out, std::string_view(v.GetString(), v.GetStringLength())); return;
    case rapidjson::kNumberType:
      if (v.IsDouble()) out += go_float(v.GetDouble());
      else if (v.IsInt64()) out += std::to_string(v.GetInt64());
      else out += std::to_string(v.GetUint64());
      return;
    case rapidjson::kArrayType: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.GetArray()) {
        if (!first) out.push_back(',');
        first = false;
        append_go_json(out, item);
      }
      out.push_back(']');
      return;
    }
    case rapidjson::kObjectType: {
      // Go writes a map's keys in sorted (byte) order.
      std::vector<const rapidjson::Value::Member*> members;
      for (const auto& m : v.GetObject()) members.push_back(&m);
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
        return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
               std::string_view(b->name.GetString(), b->name.GetStringLength());
      });
      out.push_back('{');
      bool first = true;
      for (const auto* m : members) {
        if (!first) out.push_back(',');
        first = false;
        append_go_string(out, std::string_view(m->name.GetString(), m->name.GetStringLength()));
        out.push_back(':');
        append_go_json(out, m->value);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

Scalar resolve_plain(std::string_view in) {
  const char hint = hint_of(in);
  if (hint == 0) return string_scalar(in);
  if (const Special* s = special(in)) {
    Scalar out;
    out.kind = s->kind;
    out.boolean = s->boolean;
    out.number = s->number;
    if (s->kind == Kind::kMerge) out.text = "<<";
    return out;
  }
  Scalar out;
  if (hint == '.') {
    if (parse_go_float(in, out.number)) {
      out.kind = Kind::kFloat;
      return out;
    }
    return string_scalar(in);
  }
  if (hint == 'D' || hint == 'S') {
    // (A timestamp such as 2001-12-14 would be tried first; into interface{} goyaml.v2 keeps it
    // as the original string, which is what falling through gives.)
    std::string plain;
    plain.reserve(in.size());
    for (const char c : in)
      if (c != '_') plain.push_back(c);
    if (parse_go_signed(plain, out.integer)) {
      out.kind = Kind::kInt;
      return out;
    }
    if (plain[0] != '+' && plain[0] != '-' && parse_go_unsigned(plain, out.unsigned_integer)) {
      out.kind = Kind::kUint;
      return out;
    }
    if (yaml_style_float(plain) && parse_go_float(plain, out.number)) {
      out.kind = Kind::kFloat;
      return out;
    }
  }
  return string_scalar(in);
}

std::string go_float(double value) {
  // Go's strconv.FormatFloat(f, 'f' or 'e', -1, 64): the shortest digits that round-trip, laid
  // out in fixed notation padded with zeros (2^64 is 18446744073709552000, not ...551616).
  char buffer[64];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string sci(buffer, r.ptr);  // "-1.8446744073709552e+19"
  const double magnitude = std::fabs(value);
  if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) {
    // Go writes e-7 where printf writes e-07.
    const size_t n = sci.size();
    if (n >= 4 && sci[n - 4] == 'e' && sci[n - 3] == '-' && sci[n - 2] == '0') sci.erase(n - 2, 1);
    return sci;
  }
  const size_t e = sci.find('e');
  const bool negative = sci[0] == '-';
  std::string digits;
  for (size_t i = negative ? 1 : 0; i < e; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  const int exponent = std::stoi(sci.substr(e + 1));
  const int n = static_cast<int>(digits.size());
  std::string out = negative ? "-" : "";
  if (exponent >= n - 1) {
    out += digits + std::string(static_cast<size_t>(exponent - (n - 1)), '0');
  } else if (exponent >= 0) {
    out += digits.substr(0, static_cast<size_t>(exponent + 1)) + "." + digits.substr(static_cast<size_t>(exponent + 1));
  } else {
    out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  }
  return out;
}

std::string go_json(const rapidjson::Value& value) {
  std::string out;
  append_go_json(out, value);
  return out;
}

rapidjson::Document convert(const YAML::Node& node, const std::string& source, const Limits& limits) {
  rapidjson::Document doc;
  Converter converter(source, limits, doc.GetAllocator());
  rapidjson::Value v = converter.value(node, 0);
  static_cast<rapidjson::Value&>(doc) = std::move(v);
  return doc;
}

rapidjson::Document parse(std::string_view text, const std::string& source, const Limits& limits) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    if (e.mark.line < 0) throw ParseError(source, cat("not valid YAML (", e.msg, ")"));
    throw ParseError(cat(source, ":", e.mark.line + 1, ":", e.mark.column + 1), cat("not valid YAML (", e.msg, ")"));
  }
  return convert(root, source, limits);
}

}  // namespace sf::yamljson
