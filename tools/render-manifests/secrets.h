// What a secret looks like in a tracked file: well-known credential formats found anywhere in
// the text (comments and block scalars included), and literal values of keys named like a
// password, token or secret that look random. Callers report the kind and the place, never the
// value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sf::rm {

struct SecretMatch {
  size_t line = 0;    // 1-based
  std::string what;   // "a private key (PEM)", "an AWS access key ID", ...
};

// Every line of `text` holding a known credential format.
std::vector<SecretMatch> find_secret_patterns(std::string_view text);

// A key whose value would be a credential: it ends in password, passwd, secret, token, apikey,
// api_key, accesskey, secretkey, privatekey, clientsecret or credentials (case and separators
// ignored). secretName, passwordKey, existingSecret's name... are not values but names; their
// values only count when they look random, like any other.
bool secret_like_key(std::string_view key);

// A literal that looks generated (long enough, mixed character classes, high Shannon entropy),
// and is not a reference or placeholder (${X}, {{ x }}, <x>, vault:..., ref+...).
bool looks_random(std::string_view value);

// Shannon entropy in bits per character.
double shannon_entropy(std::string_view text);

}  // namespace sf::rm
