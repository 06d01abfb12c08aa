// Strict Mustache rendering on kainjow::mustache (Debian's libkainjow-mustache-dev): kainjow
// parses and renders (sections, lists, standalone lines); this module decides what each tag may
// see. An undefined or required-but-unset value, a section over a string, a list or map where
// text is expected: each is a ParseError naming template file:line, the key and where the value
// came from. Text inserted with {{x}} is escaped for a double-quoted YAML or TOML string; a tag
// outside double quotes only takes a plain word (so no value can add YAML structure); {{{x}}}
// inserts one line as it is. {{#x?}} is true when x is set: a non-empty string, list or map,
// or true.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "render-manifests/template_scan.h"
#include "render-manifests/values.h"

namespace sf::rm {

// The values bound for rendering: kainjow's data tree built once, with the way back from each
// kainjow node to the Value it came from.
class BoundValues {
 public:
  explicit BoundValues(const Value& root);
  ~BoundValues();
  BoundValues(const BoundValues&) = delete;
  BoundValues& operator=(const BoundValues&) = delete;
  const Value& root() const { return root_; }

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  const Value& root_;
  std::unique_ptr<Impl> impl_;
};

// Renders `t` with the values; `inner` are extra context entries above the root (an `each`
// item), each a node of values.root(). Throws ParseError as described above.
std::string render_template(const ScannedTemplate& t, const BoundValues& values,
                            const std::vector<const Value*>& inner = {});

// True when a value counts as set for {{#x?}} and a template set's `when`.
bool is_set(const Value& v);

// The escaping of {{x}}: the body of a JSON string, which is also a valid YAML double-quoted
// and TOML basic string body ("\"", "\\", control characters as \n, \t, \u00XX, DEL as \u007F).
std::string escape_quoted(const std::string& text);

// A value that can stand unquoted in YAML or TOML without changing the document's structure.
bool plain_word(const std::string& text);

}  // namespace sf::rm
