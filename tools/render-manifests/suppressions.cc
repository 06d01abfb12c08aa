#include "render-manifests/suppressions.h"

#include "common/strings.h"

namespace sf::rm {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t nl = text.find('\n', pos);
    out.push_back(text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos));
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

bool comment_only(std::string_view line) {
  const std::string_view t = trim(line);
  return t.empty() || t[0] == '#';
}

}  // namespace

std::vector<Allow> find_allows(std::string_view text) {
  const auto lines = lines_of(text);
  std::vector<Allow> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    const size_t marker = l.find("lint: allow");
    if (marker == std::string_view::npos) continue;
    const size_t hash = l.rfind('#', marker);
    if (hash == std::string_view::npos || !trim(l.substr(hash + 1, marker - hash - 1)).empty()) continue;
    if (hash > 0 && l[hash - 1] != ' ' && l[hash - 1] != '\t') continue;  // not a YAML comment
    Allow a;
    a.line = i + 1;
    const std::string_view rest = trim(l.substr(marker + 11));
    const size_t space = rest.find_first_of(" \t");
    a.rule = std::string(rest.substr(0, space));
    a.reason = space == std::string_view::npos ? "" : std::string(trim(rest.substr(space)));
    if (!trim(l.substr(0, hash)).empty()) {
      a.covers = a.line;
    } else {
      size_t j = i + 1;
      while (j < lines.size() && comment_only(lines[j])) ++j;
      a.covers = j < lines.size() ? j + 1 : 0;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace sf::rm
