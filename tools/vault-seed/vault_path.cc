#include "vault-seed/vault_path.h"

#include "common/kube_client.h"
#include "common/strings.h"

namespace sf::vs {
namespace {

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '@' || c == '+' || c == '=' || c == ',';
}

std::string segment_problem(std::string_view segment) {
  if (segment.empty()) return "has an empty segment (\"//\", or a leading or trailing '/')";
  if (segment == "." || segment == "..")
    return cat("has a \"", segment, "\" segment (Vault 2.0 rejects relative paths)");
  for (const char c : segment) {
    if (!allowed(c)) {
      const auto u = static_cast<unsigned char>(c);
      std::string shown = (u >= 0x21 && u < 0x7f) ? std::string(1, c) : cat("\\x", "0123456789abcdef"[u >> 4],
                                                                            "0123456789abcdef"[u & 15]);
      return cat("has the character '", shown, "': use A-Z a-z 0-9 and . _ - @ + = , only");
    }
  }
  return "";
}

}  // namespace

std::string path_problem(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.size() > 512) return "is longer than 512 characters";
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string problem =
        segment_problem(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (!problem.empty()) return problem;
    if (slash == std::string_view::npos) return "";
    start = slash + 1;
  }
}

std::string name_problem(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return "has a '/': a name is one path segment";
  if (name.size() > 128) return "is longer than 128 characters";
  if (name.empty()) return "is empty";
  return segment_problem(name);
}

std::string join_path(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return cat(a, "/", b);
}

std::string join_path(std::string_view a, std::string_view b, std::string_view c) {
  return join_path(join_path(a, b), c);
}

std::string api_path(std::string_view vault_path) {
  std::string out = "/v1";
  for (const auto& segment : split(vault_path, '/')) {
    if (segment.empty()) continue;
    out.push_back('/');
    out += kube::escape(segment);
  }
  return out;
}

}  // namespace sf::vs
