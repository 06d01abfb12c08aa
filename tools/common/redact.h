// Text that is safe to show: URLs without their credentials, and untrusted text (server bodies,
// exporter labels, file contents) without terminal control characters or invalid UTF-8. Every
// message that embeds a URL or outside text goes through these before it reaches stderr or a
// data line.
#pragma once

#include <string>
#include <string_view>

namespace sf {

// "http://user:pass@host:9100/metrics" -> "http://***@host:9100/metrics". Text that is not a
// URL with userinfo comes back unchanged. Only the authority's userinfo is redacted: an '@' in
// the path or query is left alone.
std::string redact_url(std::string_view url);

// Redacts the userinfo of every "scheme://user@host" inside free text (curl and server messages
// that quote a URL).
std::string redact_urls_in(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text);

// Untrusted text made printable on one line: \n \r \t as such, other C0 controls, DEL and C1
// controls as \xHH / \u00HH, invalid UTF-8 bytes as \xHH; valid non-ASCII text is kept.
// At most `max_bytes` of the input are shown, then "... (N bytes in all)".
std::string printable(std::string_view text, size_t max_bytes = 512);

}  // namespace sf
