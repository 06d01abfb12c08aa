#include "vault-seed/yaml_text.h"

#include "common/redact.h"
#include "common/strings.h"

namespace sf::vs {

std::string yaml_text_problem(std::string_view text) {
  if (!valid_utf8(text)) return "is not UTF-8 text";
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      continue;
    }
    const bool c0 = c < 0x20 && c != '\t' && c != '\r';
    // C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F), except U+0085 (NEL, a YAML line break).
    const bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F && static_cast<unsigned char>(text[i + 1]) != 0x85;
    if (c0 || c == 0x7F || c1)
      return cat("line ", line, ": the control character ", printable(text.substr(i, c1 ? 2 : 1), 8),
                 " is not allowed in YAML");
  }
  return "";
}

}  // namespace sf::vs
