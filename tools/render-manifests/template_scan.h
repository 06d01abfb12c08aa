// The tags of a Mustache template with their lines, found the way kainjow::mustache finds them
// ("{{", "{{{", the first "}}" or "}}}" after it), and the template rewritten so that every tag
// names its index ("{{#@3}}...{{/@3}}") instead of its key. The renderer hands the rewritten
// text to kainjow and, when kainjow asks for "@3", knows the key, the tag's kind, its line and
// whether it sits inside a double-quoted string: that is how errors name file, line and key.
//
// Refused, with file:line: unclosed tags and sections, a close that does not match, partials
// and delimiter changes (these templates use neither), empty names, nesting deeper than 32.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sf::rm {

enum class TagKind { kVariable, kRaw, kSection, kInverted, kComment };

struct Tag {
  TagKind kind = TagKind::kVariable;
  std::string name;  // "git.repoURL", ".", "registry.mirror?"
  size_t line = 0;   // 1-based
  size_t column = 0;
  bool quoted = false;  // kVariable inside a "..." string on its line
};

struct ScannedTemplate {
  std::string file;
  std::string rewritten;  // for kainjow
  std::vector<Tag> tags;  // indexed by the "@N" tokens
};

ScannedTemplate scan_template(std::string_view text, const std::string& file);

// "@12" -> 12; false for anything else.
bool parse_tag_token(std::string_view token, size_t& index);

}  // namespace sf::rm
