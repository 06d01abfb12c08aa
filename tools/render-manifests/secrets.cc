#include "render-manifests/secrets.h"

#include <array>
#include <cmath>
#include <regex>

#include "common/strings.h"

namespace sf::rm {
namespace {

struct Pattern {
  std::vector<std::string_view> hints;  // the line must hold one of these before the regex runs
  const char* what;
  std::regex re;
};

// Built once; std::regex is slow, so a line is only searched when it holds a pattern's hint.
const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> p = [] {
    std::vector<Pattern> v;
    const auto add = [&](std::vector<std::string_view> hints, const char* what, const char* re) {
      v.push_back({std::move(hints), what, std::regex(re, std::regex::ECMAScript | std::regex::optimize)});
    };
    add({"PRIVATE KEY"}, "a private key (PEM)", "-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----");
    add({"AKIA", "ASIA", "ABIA", "ACCA"}, "an AWS access key ID", "(^|[^A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}([^A-Z0-9]|$)");
    add({"gh", "github_pat_"}, "a GitHub token", "(^|[^A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})");
    add({"xox"}, "a Slack token", "xox[abprs]-[A-Za-z0-9-]{10,}");
    add({"hvs.", "hvb.", "hvr."}, "a Vault token", "(^|[^A-Za-z0-9])hv[sbr]\\.[A-Za-z0-9_-]{24,}");
    add({"eyJ"}, "a JSON Web Token", "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}");
    add({"@"}, "a password in a URL", "[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@\"']+:[^/\\s@\"'$<{]{3,}@[^\\s/\"']+");
    return v;
  }();
  return p;
}

bool placeholder(std::string_view v) {
  v = trim(v);
  return v.starts_with("${") || v.starts_with("{{") || v.starts_with("$(") || v.starts_with("<") ||
         v.starts_with("vault:") || v.starts_with("ref+") || v.starts_with("ENC[") || v.find("{{") != std::string_view::npos;
}

}  // namespace

std::vector<SecretMatch> find_secret_patterns(std::string_view text) {
  std::vector<SecretMatch> out;
  size_t line = 1;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t nl = text.find('\n', pos);
    const std::string_view l = text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos);
    if (l.size() <= 4096) {
      for (const auto& pattern : patterns()) {
        bool hinted = false;
        for (const auto hint : pattern.hints) hinted = hinted || l.find(hint) != std::string_view::npos;
        if (hinted && std::regex_search(l.begin(), l.end(), pattern.re)) {
          out.push_back({line, pattern.what});
          break;
        }
      }
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
    ++line;
  }
  return out;
}

bool secret_like_key(std::string_view key) {
  std::string k;
  for (const char c : key)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) k += c;
    else if (c >= 'A' && c <= 'Z') k += static_cast<char>(c - 'A' + 'a');
  static const std::array<const char*, 11> endings{"password", "passwd",    "secret",     "token",        "apikey",
                                                   "accesskey", "secretkey", "privatekey", "clientsecret", "credentials",
                                                   "passphrase"};
  for (const char* e : endings)
    if (k.ends_with(e)) return true;
  return false;
}

double shannon_entropy(std::string_view text) {
  if (text.empty()) return 0;
  std::array<size_t, 256> counts{};
  for (const unsigned char c : text) ++counts[c];
  double h = 0;
  for (const size_t n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(text.size());
    h -= p * std::log2(p);
  }
  return h;
}

bool looks_random(std::string_view value) {
  if (placeholder(value) || value.size() < 12 || value.size() > 8192) return false;
  bool lower = false, upper = false, digit = false, other = false, space = false;
  for (const char c : value) {
    if (c >= 'a' && c <= 'z') lower = true;
    else if (c >= 'A' && c <= 'Z') upper = true;
    else if (c >= '0' && c <= '9') digit = true;
    else if (c == ' ') space = true;
    else other = true;
  }
  if (space) return false;  // prose, not a credential
  const int classes = lower + upper + digit + other;
  const double h = shannon_entropy(value);
  // Generated secrets mix digits in (hex, base64, passwords); names and paths rarely do.
  return (digit && classes >= 3 && h >= 3.0) || (digit && value.size() >= 20 && h >= 3.5) ||
         (value.size() >= 32 && h >= 4.5);
}

}  // namespace sf::rm
