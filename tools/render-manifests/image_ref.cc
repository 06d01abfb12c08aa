#include "render-manifests/image_ref.h"

#include "common/strings.h"

namespace sf::rm {
namespace {

constexpr size_t kNameTotalLengthMax = 255;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool word(char c) { return alnum(c) || c == '_'; }
bool hex_lower(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool hex_any(char c) { return hex_lower(c) || (c >= 'A' && c <= 'F'); }

// [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*
bool path_component(std::string_view s) {
  size_t i = 0;
  const auto run = [&] {
    const size_t start = i;
    while (i < s.size() && lower_alnum(s[i])) ++i;
    return i > start;
  };
  if (!run()) return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
    if (!run()) return false;
  }
  return true;
}

// (?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])
bool domain_component(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (const char c : s)
    if (!alnum(c) && c != '-') return false;
  return true;
}

// host [':' port], host a domain name or a bracketed IPv6 address.
bool domain_and_port(std::string_view s) {
  std::string_view host = s;
  if (!s.empty() && s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (const char c : s.substr(1, close - 1))
      if (!hex_any(c) && c != ':') return false;
    host = s.substr(0, close + 1);
    s.remove_prefix(close + 1);
  } else {
    const size_t colon = s.find(':');
    host = s.substr(0, colon);
    s = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
    for (const auto& part : split(host, '.'))
      if (!domain_component(part)) return false;
  }
  if (s.empty()) return true;
  if (s[0] != ':' || s.size() == 1) return false;
  for (const char c : s.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !word(t[0])) return false;
  for (const char c : t)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

// algorithm ":" hex, validated as go-digest does for the algorithms it knows.
bool valid_digest(std::string_view d, std::string& error) {
  const size_t colon = d.find(':');
  if (colon == std::string_view::npos) {
    error = "invalid digest (no algorithm; write sha256:<hex>)";
    return false;
  }
  const std::string_view algorithm = d.substr(0, colon);
  const std::string_view hex = d.substr(colon + 1);
  size_t want = 0;
  if (algorithm == "sha256") want = 64;
  else if (algorithm == "sha384") want = 96;
  else if (algorithm == "sha512") want = 128;
  else {
    error = cat("unsupported digest algorithm '", algorithm, "'");
    return false;
  }
  for (const char c : hex)
    if (!hex_lower(c)) {
      error = "invalid digest: the hex must be lower case 0-9a-f";
      return false;
    }
  if (hex.size() != want) {
    error = cat("invalid digest: ", algorithm, " has ", want, " hex digits, this one ", hex.size());
    return false;
  }
  return true;
}

}  // namespace

std::string ImageRef::str() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string ImageRef::unpinned_reason() const {
  if (pinned()) return "";
  if (tag.empty()) return "no tag or digest: it pulls latest, whatever that is today";
  return "the tag latest moves; pin a version (and a digest where the chart allows)";
}

bool parse_image_ref(std::string_view text, ImageRef& out, std::string& error) {
  out = ImageRef{};
  if (text.empty()) {
    error = "empty image reference";
    return false;
  }
  if (text.size() == 64) {
    bool all_hex = true;
    for (const char c : text) all_hex = all_hex && hex_lower(c);
    if (all_hex) {
      error = "invalid repository name, cannot specify 64-byte hexadecimal strings";
      return false;
    }
  }
  std::string_view rest = text;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    if (!valid_digest(rest.substr(at + 1), error)) return false;
    out.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
  }
  // Domain: splitDockerDomain.
  std::string_view remainder = rest;
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    out.domain = "docker.io";
  } else {
    const std::string_view first = rest.substr(0, slash);
    const bool has_upper = to_lower(first) != first;
    if (first == "localhost" || first.find_first_of(".:") != std::string_view::npos || has_upper) {
      out.domain = first == "index.docker.io" ? "docker.io" : std::string(first);
      remainder = rest.substr(slash + 1);
    } else {
      out.domain = "docker.io";
    }
  }
  // Tag: after the last ':' of the remainder (the domain's port is already cut off).
  std::string_view path = remainder;
  if (const size_t colon = remainder.rfind(':'); colon != std::string_view::npos) {
    out.tag = std::string(remainder.substr(colon + 1));
    path = remainder.substr(0, colon);
    if (!valid_tag(out.tag)) {
      error = cat("invalid tag '", out.tag, "' (letters, digits, _ . -; at most 128, not starting with . or -)");
      return false;
    }
  }
  if (to_lower(path) != path) {
    error = cat("invalid reference format: repository name (", path, ") must be lowercase");
    return false;
  }
  if (out.domain == "docker.io" && path.find('/') == std::string_view::npos) out.path = "library/";
  out.path += std::string(path);
  if (!domain_and_port(out.domain)) {
    error = cat("invalid registry '", out.domain, "'");
    return false;
  }
  if (path.empty() || path.front() == '/' || path.back() == '/') {
    error = "invalid reference format: empty repository path";
    return false;
  }
  for (const auto& component : split(path, '/'))
    if (!path_component(component)) {
      error = cat("invalid reference format: '", component, "' is not a repository path component "
                  "(lower-case letters and digits, separated by . _ __ or -)");
      return false;
    }
  if (out.name().size() > kNameTotalLengthMax) {
    error = cat("repository name must not be more than ", kNameTotalLengthMax, " characters");
    return false;
  }
  return true;
}

bool valid_registry(std::string_view mirror) { return !mirror.empty() && domain_and_port(mirror); }

std::string mirror_component(std::string_view domain) {
  std::string out;
  for (const char c : to_lower(domain)) {
    if (c == ':') out += '-';
    else if (c != '[' && c != ']') out += c;
  }
  // A path component starts and ends with a letter or digit: "[::1]:5000" -> "ip6--1-5000".
  if (!out.empty() && out.front() == '-') out = "ip6" + out;
  if (!out.empty() && out.back() == '-') out += "0";
  return out;
}

std::string mirror_image(const ImageRef& ref, std::string_view mirror) {
  ImageRef m = ref;
  m.domain = std::string(mirror);
  m.path = ref.path;
  return m.str();
}

}  // namespace sf::rm
