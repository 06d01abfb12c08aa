// `vault-seed get` and `vault-seed token`: the one place a secret leaves vault-seed, and only
// when it is asked for by name (docs/vault-seed.md, "Reading a secret"). It goes to stdout, or
// with --out to a file created 0600 and replaced only when complete, never to a log.
//   value        the value of KEY as stored (a newline after it on a terminal only)
//   json         {"key":"value",...}: every key of the secret, or KEY's alone
//   curl-config  a curl config file (curl -K FILE), so curl gets the credential without argv:
//                `user = "USERNAME:PASSWORD"` from the keys username and password (get), or
//                `header = "X-Vault-Token: TOKEN"` (token)
// Only the spec's secrets can be read: they are what the seed token's policy allows, and a
// path outside the spec is a typo, named before any request.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "vault-seed/lifecycle.h"
#include "vault-seed/spec.h"
#include "vault-seed/vault_client.h"

namespace sf::vs {

enum class ReadFormat { kValue, kJson, kCurlConfig };

// "value", "json", "curl-config"; anything else is a UsageError naming --format.
ReadFormat parse_read_format(const std::string& text);

// The text written for a secret's values. `key` empty: every key. Throws Error naming the
// secret and key when KEY is missing, a value cannot be written in the format, or
// curl-config lacks username or password. The result holds secrets: the caller wipes it.
std::string format_secret(const std::string& full_path, const std::map<std::string, std::string>& values,
                          const std::string& key, ReadFormat format);
// The text written for the token (value or curl-config).
std::string format_token(const std::string& token, ReadFormat format);

// Reads `secret` from Vault (unsealed, with the run's token) and writes it. Exit 0, or throws
// (1: not there, not readable; 2: usage).
int run_get(const Spec& spec, VaultClient& vault, const SeedOptions& options, const SecretSpec& secret,
            const std::string& key, ReadFormat format, const std::optional<std::string>& out);
// Writes the token vault-seed chooses (VAULT_TOKEN > ~/.vault-token > the init file's seed
// token), after Vault has accepted it.
int run_token(const Spec& spec, VaultClient& vault, const SeedOptions& options, ReadFormat format,
              const std::optional<std::string>& out);

}  // namespace sf::vs
