#include "vault-seed/secret_read.h"

#include "common/curl_config.h"
#include "common/error.h"
#include "common/json_writer.h"
#include "common/output.h"
#include "common/redact.h"
#include "common/secret_text.h"
#include "common/strings.h"
#include "vault-seed/report.h"
#include "vault-seed/secret_gen.h"
#include "vault-seed/vault_path.h"

namespace sf::vs {

namespace {

// Wipes the strings of a map of values when it goes out of scope.
struct WipedValues {
  std::map<std::string, std::string> values;
  ~WipedValues() {
    for (auto& [k, v] : values) wipe(v);
  }
};

// Vault's soft delete leaves metadata and a 404: say which, and how to get the value back.
[[noreturn]] void not_there(const Reply& r, const std::string& full, const SecretSpec& secret) {
  const auto* metadata = member(r.data(), "metadata");
  if (metadata != nullptr) {
    const auto* version = member(metadata, "version");
    throw Error(cat(full, ": its current version", version != nullptr && version->IsInt64() ? cat(" ", version->GetInt64()) : "",
                    " is deleted: `vault kv undelete -mount=", secret.mount, " -versions=N ", secret.path,
                    "` restores it, or vault-seed --rotate ", full, " writes new values"));
  }
  throw Error(cat(full, ": no such secret in Vault yet; vault-seed (without a command) creates the spec's secrets"));
}

}  // namespace

ReadFormat parse_read_format(const std::string& text) {
  if (text == "value") return ReadFormat::kValue;
  if (text == "json") return ReadFormat::kJson;
  if (text == "curl-config") return ReadFormat::kCurlConfig;
  throw UsageError(cat("--format '", printable(text, 40), "': use value, json or curl-config"));
}

std::string format_secret(const std::string& full_path, const std::map<std::string, std::string>& values,
                          const std::string& key, ReadFormat format) {
  const auto value_of = [&](const std::string& k) -> const std::string& {
    const auto it = values.find(k);
    if (it == values.end()) {
      std::string held;
      for (const auto& [name, v] : values) held += cat(held.empty() ? "" : ", ", name);
      throw Error(cat(full_path, " has no key '", printable(k, 80), "' (its keys: ", held.empty() ? "none" : held, ")"));
    }
    return it->second;
  };
  switch (format) {
    case ReadFormat::kValue:
      if (key.empty()) throw UsageError(cat("--format value prints one key: vault-seed get ", full_path, " KEY"));
      return value_of(key);
    case ReadFormat::kJson: {
      std::string text;
      json::ObjectWriter object(text);
      if (!key.empty()) {
        json::append_string(object.escaped_key(key), value_of(key), key);
      } else {
        for (const auto& [name, v] : values) json::append_string(object.escaped_key(name), v, name);
      }
      object.close();
      text += '\n';
      return text;
    }
    case ReadFormat::kCurlConfig: {
      if (!key.empty())
        throw UsageError("--format curl-config writes the keys username and password: give no KEY");
      const std::string& user = value_of("username");
      // Basic auth cannot carry a ':' in the user name (RFC 7617): curl would split there.
      if (user.find(':') != std::string::npos)
        throw Error(cat(full_path, " key username holds ':', which HTTP basic auth cannot carry"));
      std::string pair = cat(user, ":", value_of("password"));
      std::string line;
      try {
        line = curl_config_line("user", pair, full_path + " keys username and password");
      } catch (...) {
        wipe(pair);
        throw;
      }
      wipe(pair);
      return line;
    }
  }
  return "";
}

std::string format_token(const std::string& token, ReadFormat format) {
  switch (format) {
    case ReadFormat::kValue: return token;
    case ReadFormat::kCurlConfig: {
      std::string header = "X-Vault-Token: " + token;
      std::string line = curl_config_line("header", header, "the token");
      wipe(header);
      return line;
    }
    case ReadFormat::kJson: break;
  }
  throw UsageError("vault-seed token writes --format value or curl-config");
}

namespace {

// An unsealed Vault and the run's token, as for a snapshot. Items go nowhere: stdout is the
// secret's, and what vault-seed did (nothing but read) is not worth a line.
struct ReadSession {
  Output quiet{stderr, "stderr"};
  Report report{Format::kTable, false, quiet};
  Lifecycle life;
  ReadSession(const Spec& spec, VaultClient& vault, const SeedOptions& options, const char* command)
      : life(spec, vault, report, options) {
    const Health health = life.wait_for_vault();
    if (!health.initialized || health.sealed)
      throw Error(cat(vault.describe(), " is ", health.initialized ? "sealed" : "not initialised", ": vault-seed ", command,
                      " needs an unsealed Vault (run vault-seed, or vault-seed --unseal-only, first)"));
    life.choose_token(false);
  }
};

}  // namespace

int run_get(const Spec& spec, VaultClient& vault, const SeedOptions& options, const SecretSpec& secret,
            const std::string& key, ReadFormat format, const std::optional<std::string>& out) {
  if (format == ReadFormat::kValue && key.empty())
    throw UsageError(cat("--format value prints one key: vault-seed get ", secret.full_path(), " KEY"));
  ReadSession session(spec, vault, options, "get");
  const std::string full = secret.full_path();
  Reply r = vault.get(join_path(secret.mount, "data", secret.path), CallOptions{true, true, "reading " + full});
  session.life.revoke_generated_root();
  if (r.status == 404 && !r.from_api_server) not_there(r, full, secret);
  if (r.status == 403 && !r.from_api_server)
    throw VaultError(cat(vault.explain(r, "reading " + full), " (the token is ", session.life.token_source(),
                         "; the seed token may read only the spec's secrets)"),
                     r.status);
  if (!r.ok()) throw VaultError(vault.explain(r, "reading " + full), r.status);
  WipedValues read;
  const auto* data = member(r.data(), "data");  // KV v2: the envelope's data holds data and metadata
  if (data != nullptr && data->IsObject())
    for (const auto& m : data->GetObject())
      if (m.value.IsString()) read.values[m.name.GetString()] = std::string(m.value.GetString(), m.value.GetStringLength());
  wipe(r.body);
  r.json.SetNull();
  std::string text = format_secret(full, read.values, key, format);
  write_secret_text(text, out, format == ReadFormat::kValue);
  return kExitOk;
}

int run_token(const Spec& spec, VaultClient& vault, const SeedOptions& options, ReadFormat format,
              const std::optional<std::string>& out) {
  if (format == ReadFormat::kJson) throw UsageError("vault-seed token writes --format value or curl-config");
  ReadSession session(spec, vault, options, "token");
  if (session.life.token_is_generated()) {
    session.life.revoke_generated_root();
    throw Error(cat("vault-seed has no lasting token to give: the init file holds no valid seed token (",
                    spec.init.file, "); run vault-seed once, which makes one"));
  }
  std::string text = format_token(vault.token(), format);
  write_secret_text(text, out, format == ReadFormat::kValue);
  return kExitOk;
}

}  // namespace sf::vs
