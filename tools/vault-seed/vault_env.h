// The vault CLI's environment, read as its api package reads it (api/client.go
// ReadEnvironment): VAULT_ADDR (default https://127.0.0.1:8200), VAULT_CACERT (a PEM file, wins
// over VAULT_CAPATH, a folder of PEM files), VAULT_CLIENT_CERT / VAULT_CLIENT_KEY,
// VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY (Go ParseBool), VAULT_NAMESPACE (X-Vault-Namespace),
// VAULT_CLIENT_TIMEOUT (seconds or a Go duration; default 60 s), VAULT_MAX_RETRIES (default 2,
// i.e. 3 attempts), VAULT_TOKEN. A value that does not parse is an error naming the variable.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/http_client.h"

namespace sf::vs {

struct VaultEnv {
  std::string addr = "https://127.0.0.1:8200";
  bool addr_from_env = false;
  http::TlsConfig tls;                 // CA, client certificate, server name, verify
  std::string ca_source;               // "VAULT_CACERT /path" for messages; "" = system CAs
  std::string client_cert_source;      // "VAULT_CLIENT_CERT /path" for messages; "" = none
  std::string namespace_;
  std::chrono::milliseconds client_timeout{60'000};
  int max_retries = 2;
  std::optional<std::string> token;    // VAULT_TOKEN; secret
};

using Getenv = std::function<const char*(const char*)>;

// Reads the variables through `getenv` (tests pass a map). Throws UsageError naming the
// variable for a value that does not parse, or a CA file/folder that holds no certificate.
VaultEnv read_vault_env(const Getenv& getenv);

// Go's strconv.ParseBool.
std::optional<bool> parse_go_bool(const std::string& text);

// The token file the vault CLI's default token helper keeps: $HOME/.vault-token (trimmed).
// nullopt when it does not exist; UsageError when it exists but cannot be read.
std::optional<std::string> read_vault_token_file(const std::string& home);

}  // namespace sf::vs
