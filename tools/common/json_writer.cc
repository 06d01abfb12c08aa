#include "common/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/redact.h"
#include "common/strings.h"

namespace sf::json {
namespace {

std::string named(std::string_view field) { return field.empty() ? std::string("a value") : cat("field \"", field, "\""); }

}  // namespace

void append_string(std::string& out, std::string_view text, std::string_view field) {
  static const char hex[] = "0123456789abcdef";
  // Eight bytes at a time while none needs a look (", \, below 0x20, or above 0x7F): the usual
  // case. The tests are exact for "some byte is ..." (false flags only sit above a true one).
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    const uint64_t quote = w ^ (kOnes * '"'), slash = w ^ (kOnes * '\\');
    if ((((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash) | ((w - kOnes * 0x20) & ~w) | w) & kHighs) break;
  }
  bool checked_utf8 = false;
  out.reserve(out.size() + text.size() + 2);
  const size_t mark = out.size();
  out += '"';
  size_t start = 0;
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (!checked_utf8 && !valid_utf8(text.substr(i))) {
        out.resize(mark);
        throw JsonValueError(cat(named(field), " is not valid UTF-8: \"", printable(text, 80), "\""));
      }
      checked_utf8 = true;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(text, start, std::string_view::npos);
  out += '"';
}

void append_number(std::string& out, double v, std::string_view field) {
  if (!std::isfinite(v)) throw JsonValueError(cat(named(field), " is ", format_number(v), ", which JSON cannot carry"));
  char buffer[32];
  std::to_chars_result r;
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    r = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(v));
  } else {
    r = std::to_chars(buffer, buffer + sizeof buffer, v);
  }
  out.append(buffer, r.ptr);
}

void append_value(std::string& out, const rapidjson::Value& v, std::string_view field) {
  switch (v.GetType()) {
    case rapidjson::kNullType: out += "null"; return;
    case rapidjson::kFalseType: out += "false"; return;
    case rapidjson::kTrueType: out += "true"; return;
    case rapidjson::kStringType: append_string(out, std::string_view(v.GetString(), v.GetStringLength()), field); return;
    case rapidjson::kNumberType:
      if (v.IsInt64()) {
        out += std::to_string(v.GetInt64());
      } else if (v.IsUint64()) {
        out += std::to_string(v.GetUint64());
      } else {
        append_number(out, v.GetDouble(), field);
      }
      return;
    case rapidjson::kArrayType: {
      out += '[';
      bool first = true;
      for (const auto& item : v.GetArray()) {
        if (!first) out += ',';
        first = false;
        append_value(out, item, field);
      }
      out += ']';
      return;
    }
    case rapidjson::kObjectType: {
      out += '{';
      bool first = true;
      for (const auto& m : v.GetObject()) {
        if (!first) out += ',';
        first = false;
        const std::string_view name(m.name.GetString(), m.name.GetStringLength());
        append_string(out, name, field);
        out += ':';
        append_value(out, m.value, name);
      }
      out += '}';
      return;
    }
  }
}

std::string& ObjectWriter::key(std::string_view k) {
  char buffer[64];
  if (k.size() > sizeof buffer - 4) return escaped_key(k);
  size_t n = 0;
  if (!first_) buffer[n++] = ',';
  first_ = false;
  buffer[n++] = '"';
  std::memcpy(buffer + n, k.data(), k.size());
  n += k.size();
  buffer[n++] = '"';
  buffer[n++] = ':';
  out_.append(buffer, n);
  return out_;
}

std::string& ObjectWriter::escaped_key(std::string_view k) {
  if (!first_) out_ += ',';
  first_ = false;
  append_string(out_, k, k);
  out_ += ':';
  return out_;
}

void ObjectWriter::labels(std::string_view k, const Labels& list) {
  std::string& out = key(k);
  ObjectWriter inner(out);
  for (const auto& [name, value] : list) append_string(inner.escaped_key(name), value, name);
  inner.close();
}

std::string labels_json(const Labels& labels) {
  std::string out;
  ObjectWriter o(out);
  for (const auto& [k, v] : labels) append_string(o.escaped_key(k), v, k);
  o.close();
  return out;
}

}  // namespace sf::json
