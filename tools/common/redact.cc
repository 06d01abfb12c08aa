#include "common/redact.h"

#include <cctype>
#include <cstdio>

#include "common/strings.h"

namespace sf {
namespace {

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// Given the position just after "://", the end of the authority (first '/', '?', '#' or
// whitespace), and within it the last '@' (userinfo may not hold a raw '@', so the last wins).
size_t userinfo_end(std::string_view text, size_t authority_start) {
  size_t at = std::string_view::npos;
  for (size_t i = authority_start; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' ||
        std::isspace(static_cast<unsigned char>(c)))
      break;
    if (c == '@') at = i;
  }
  return at;
}

// Length of the UTF-8 sequence starting at text[i] if it is well formed, else 0.
size_t utf8_sequence(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;       // no overlongs
    if (c == 0xED) hi = 0x9F;       // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;       // no overlongs
    if (c == 0xF4) hi = 0x8F;       // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

void append_hex(std::string& out, const char* prefix, unsigned value) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%s%02X", prefix, value);
  out += buf;
}

}  // namespace

std::string redact_url(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::string(url);
  for (size_t i = 0; i < sep; ++i)
    if (!scheme_char(url[i])) return std::string(url);
  const size_t at = userinfo_end(url, sep + 3);
  if (at == std::string_view::npos) return std::string(url);
  return cat(url.substr(0, sep + 3), "***", url.substr(at));
}

std::string redact_urls_in(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  size_t search = 0;
  while (true) {
    const size_t sep = text.find("://", search);
    if (sep == std::string_view::npos) break;
    size_t scheme = sep;
    while (scheme > 0 && scheme_char(text[scheme - 1])) --scheme;
    const size_t at = scheme < sep ? userinfo_end(text, sep + 3) : std::string_view::npos;
    if (at != std::string_view::npos) {
      out.append(text.substr(copied, sep + 3 - copied));
      out += "***";
      copied = at;
      search = at;
    } else {
      search = sep + 3;
    }
  }
  out.append(text.substr(copied));
  return out;
}

bool valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_sequence(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string printable(std::string_view text, size_t max_bytes) {
  const std::string_view shown = text.substr(0, max_bytes);
  std::string out;
  out.reserve(shown.size() + 16);
  for (size_t i = 0; i < shown.size();) {
    const auto c = static_cast<unsigned char>(shown[i]);
    if (c == '\n') { out += "\\n"; ++i; continue; }
    if (c == '\r') { out += "\\r"; ++i; continue; }
    if (c == '\t') { out += "\\t"; ++i; continue; }
    if (c < 0x20 || c == 0x7F) { append_hex(out, "\\x", c); ++i; continue; }
    const size_t n = utf8_sequence(shown, i);
    if (n == 0) { append_hex(out, "\\x", c); ++i; continue; }
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(shown[i + 1]) < 0xA0) {
      append_hex(out, "\\u00", static_cast<unsigned char>(shown[i + 1]));  // C1 control
      i += 2;
      continue;
    }
    out.append(shown.substr(i, n));
    i += n;
  }
  if (text.size() > shown.size()) out += cat("... (", text.size(), " bytes in all)");
  return out;
}

}  // namespace sf
