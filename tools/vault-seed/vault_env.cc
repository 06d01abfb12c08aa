#include "vault-seed/vault_env.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "common/cli.h"
#include "common/error.h"
#include "common/file_read.h"
#include "common/kubeconfig.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/tls_material.h"

namespace sf::vs {
namespace {

constexpr size_t kMaxPemBytes = 4u << 20;

std::optional<std::string> value(const Getenv& getenv, const char* name) {
  const char* v = getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// VAULT_CAPATH as Go's rootcerts.LoadCAPath reads it: every regular file in the folder that
// holds PEM certificates, in name order, into one bundle.
std::string load_ca_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UsageError(cat("VAULT_CAPATH ", dir, " is not a folder: give a folder of PEM CA certificates, or use "
                         "VAULT_CACERT for one file"));
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path().string());
  }
  if (ec) throw UsageError(cat("VAULT_CAPATH ", dir, ": cannot list it (", ec.message(), ")"));
  std::sort(files.begin(), files.end());
  std::string bundle;
  for (const auto& f : files) {
    const std::string pem = read_small_file(f, kMaxPemBytes, "VAULT_CAPATH certificate");
    if (tls::count_certificates(pem) > 0) bundle += pem + (pem.empty() || pem.back() == '\n' ? "" : "\n");
  }
  if (bundle.empty()) throw UsageError(cat("VAULT_CAPATH ", dir, " holds no PEM certificate"));
  return bundle;
}

}  // namespace

std::optional<bool> parse_go_bool(const std::string& text) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" || text == "True") return true;
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" || text == "False") return false;
  return std::nullopt;
}

namespace {

// A value sent in an HTTP header (X-Vault-Token, X-Vault-Namespace): CR LF in it would add
// headers of its own, so any control character is refused, and the value is never shown.
std::string header_ready(std::string_view value, const std::string& what) {
  if (!kube::header_safe(value))
    throw UsageError(cat(what, " holds a control character (CR, LF or another byte below 0x20, or DEL), which would "
                         "add headers of its own to every request; it is refused and not shown: write it again"));
  return std::string(value);
}

}  // namespace

VaultEnv read_vault_env(const Getenv& getenv) {
  VaultEnv env;
  if (auto addr = value(getenv, "VAULT_ADDR")) {
    const std::string a = std::string(trim(*addr));
    if (a.rfind("http://", 0) != 0 && a.rfind("https://", 0) != 0)
      throw UsageError(cat("VAULT_ADDR '", redact_url(a), "' is not an http:// or https:// URL"));
    env.addr = a;
    while (env.addr.size() > 8 && env.addr.back() == '/') env.addr.pop_back();
    env.addr_from_env = true;
  }
  if (auto cacert = value(getenv, "VAULT_CACERT")) {
    const std::string pem = read_small_file(*cacert, kMaxPemBytes, "VAULT_CACERT");
    if (tls::count_certificates(pem) == 0)
      throw UsageError(cat("VAULT_CACERT ", *cacert, " holds no PEM certificate"));
    env.tls.ca_pem = pem;
    env.ca_source = "VAULT_CACERT " + *cacert;
  } else if (auto capath = value(getenv, "VAULT_CAPATH")) {
    env.tls.ca_pem = load_ca_folder(*capath);
    env.ca_source = "VAULT_CAPATH " + *capath;
  }
  const auto cert = value(getenv, "VAULT_CLIENT_CERT");
  const auto key = value(getenv, "VAULT_CLIENT_KEY");
  if (cert.has_value() != key.has_value())
    throw UsageError("VAULT_CLIENT_CERT and VAULT_CLIENT_KEY go together: set both or neither");
  if (cert) {
    env.tls.client_cert_pem = read_small_file(*cert, kMaxPemBytes, "VAULT_CLIENT_CERT");
    env.tls.client_key_pem = read_small_file(*key, kMaxPemBytes, "VAULT_CLIENT_KEY");
    const auto problem = tls::check_key_pair(env.tls.client_cert_pem, env.tls.client_key_pem);
    if (problem != tls::PairProblem::kNone)
      throw UsageError(cat("VAULT_CLIENT_CERT ", *cert, " / VAULT_CLIENT_KEY ", *key, ": ", tls::describe(problem)));
    env.client_cert_source = "VAULT_CLIENT_CERT " + *cert;
  }
  if (auto name = value(getenv, "VAULT_TLS_SERVER_NAME")) env.tls.server_name = *name;
  if (auto skip = value(getenv, "VAULT_SKIP_VERIFY")) {
    const auto b = parse_go_bool(*skip);
    if (!b) throw UsageError(cat("VAULT_SKIP_VERIFY '", printable(*skip, 32), "': could not parse (use true or false)"));
    env.tls.verify = !*b;
  }
  if (auto ns = value(getenv, "VAULT_NAMESPACE")) env.namespace_ = header_ready(*ns, "VAULT_NAMESPACE");
  if (auto t = value(getenv, "VAULT_CLIENT_TIMEOUT")) {
    env.client_timeout = cli::parse_duration(*t, "VAULT_CLIENT_TIMEOUT");
    if (env.client_timeout.count() <= 0) throw UsageError("VAULT_CLIENT_TIMEOUT must be more than 0");
  }
  if (auto r = value(getenv, "VAULT_MAX_RETRIES")) {
    char* end = nullptr;
    const long n = std::strtol(r->c_str(), &end, 10);
    if (end == r->c_str() || *end != '\0' || n < 0 || n > 100)
      throw UsageError(cat("VAULT_MAX_RETRIES '", printable(*r, 32), "' is not a whole number from 0 to 100"));
    env.max_retries = static_cast<int>(n);
  }
  if (auto token = value(getenv, "VAULT_TOKEN")) env.token = header_ready(trim(*token), "VAULT_TOKEN");
  return env;
}

std::optional<std::string> read_vault_token_file(const std::string& home) {
  if (home.empty()) return std::nullopt;
  const std::string path = home + "/.vault-token";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  std::string token = header_ready(trim(read_small_file(path, 64 * 1024, "~/.vault-token")), "~/.vault-token");
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace sf::vs
