#include "render-manifests/secrets.h"

#include <array>
#include <cmath>

#include "common/strings.h"

namespace sf::rm {
namespace {

bool upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return upper_or_digit(c) || (c >= 'a' && c <= 'z'); }
bool token_char(char c) { return alnum(c) || c == '_' || c == '-'; }

// The length of the run of characters satisfying `ok` from `pos`, counted up to 512: every
// threshold below is smaller, and the bound keeps a long line linear to scan.
template <typename Pred>
size_t run(std::string_view l, size_t pos, Pred ok) {
  size_t n = 0;
  while (n < 512 && pos + n < l.size() && ok(l[pos + n])) ++n;
  return n;
}

bool before_is(std::string_view l, size_t pos, bool (*ok)(char)) { return pos > 0 && ok(l[pos - 1]); }

// Each matcher says whether the line holds that kind of credential. Hand-written rather than
// std::regex: faster on megabytes of rendered YAML, and no libstdc++ regex warnings.
bool pem_private_key(std::string_view l) {
  for (size_t at = l.find("-----BEGIN "); at != std::string_view::npos; at = l.find("-----BEGIN ", at + 1)) {
    const size_t from = at + 11;
    const size_t key = l.find("PRIVATE KEY", from);
    if (key == std::string_view::npos) return false;
    if (run(l, from, [](char c) { return upper_or_digit(c) || c == ' '; }) < key - from) continue;
    const size_t after = key + 11;
    if (l.substr(after).starts_with("-----") || l.substr(after).starts_with(" BLOCK-----")) return true;
  }
  return false;
}

bool aws_access_key(std::string_view l) {
  for (const char* prefix : {"AKIA", "ASIA", "ABIA", "ACCA"})
    for (size_t at = l.find(prefix); at != std::string_view::npos; at = l.find(prefix, at + 1))
      if (!before_is(l, at, upper_or_digit) && run(l, at + 4, upper_or_digit) == 16) return true;
  return false;
}

bool github_token(std::string_view l) {
  for (size_t at = l.find("gh"); at != std::string_view::npos; at = l.find("gh", at + 1)) {
    if (at + 3 >= l.size() || std::string_view("pousr").find(l[at + 2]) == std::string_view::npos || l[at + 3] != '_')
      continue;
    if (!before_is(l, at, [](char c) { return alnum(c) || c == '_'; }) && run(l, at + 4, alnum) >= 36) return true;
  }
  const size_t pat = l.find("github_pat_");
  return pat != std::string_view::npos && run(l, pat + 11, [](char c) { return alnum(c) || c == '_'; }) >= 40;
}

bool slack_token(std::string_view l) {
  for (size_t at = l.find("xox"); at != std::string_view::npos; at = l.find("xox", at + 1))
    if (at + 4 < l.size() && std::string_view("abprs").find(l[at + 3]) != std::string_view::npos && l[at + 4] == '-' &&
        run(l, at + 5, [](char c) { return alnum(c) || c == '-'; }) >= 10)
      return true;
  return false;
}

bool vault_token(std::string_view l) {
  for (size_t at = l.find("hv"); at != std::string_view::npos; at = l.find("hv", at + 1))
    if (at + 3 < l.size() && std::string_view("sbr").find(l[at + 2]) != std::string_view::npos && l[at + 3] == '.' &&
        !before_is(l, at, alnum) && run(l, at + 4, token_char) >= 24)
      return true;
  return false;
}

bool json_web_token(std::string_view l) {
  for (size_t at = l.find("eyJ"); at != std::string_view::npos; at = l.find("eyJ", at + 1)) {
    size_t p = at + 3;
    const size_t header = run(l, p, token_char);
    p += header;
    if (header < 8 || p >= l.size() || l.substr(p + 1, 3) != "eyJ") continue;
    p += 4;
    const size_t payload = run(l, p, token_char);
    p += payload;
    if (payload >= 8 && p < l.size() && l[p] == '.' && run(l, p + 1, token_char) >= 8) return true;
  }
  return false;
}

// scheme://user:password@host, the password at least 3 characters and not a reference.
bool url_password(std::string_view l) {
  for (size_t at = l.find("://"); at != std::string_view::npos; at = l.find("://", at + 1)) {
    if (!before_is(l, at, [](char c) { return alnum(c) || c == '+' || c == '.' || c == '-'; })) continue;
    size_t p = at + 3;
    const size_t user = run(l, p, [](char c) { return std::string_view("/ \t:@\"'").find(c) == std::string_view::npos; });
    p += user;
    if (user == 0 || p >= l.size() || l[p] != ':') continue;
    ++p;
    const size_t password = run(l, p, [](char c) { return std::string_view("/ \t@\"'$<{").find(c) == std::string_view::npos; });
    p += password;
    if (password >= 3 && p < l.size() && l[p] == '@' &&
        run(l, p + 1, [](char c) { return std::string_view("/ \t\"'").find(c) == std::string_view::npos; }) >= 1)
      return true;
  }
  return false;
}

struct Matcher {
  const char* what;
  bool (*found)(std::string_view);
};

constexpr Matcher kMatchers[] = {
    {"a private key (PEM)", pem_private_key}, {"an AWS access key ID", aws_access_key},
    {"a GitHub token", github_token},         {"a Slack token", slack_token},
    {"a Vault token", vault_token},           {"a JSON Web Token", json_web_token},
    {"a password in a URL", url_password},
};

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
    for (const auto& m : kMatchers)
      if (m.found(l)) {
        out.push_back({line, m.what});
        break;
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
