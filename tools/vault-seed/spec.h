// The vault-seed spec (vault/seed.yaml, docs/vault-seed.md "The spec"): what Vault must hold,
// loaded and validated completely before any request. Every problem is reported at once, each
// as "file:line:column: field: what is wrong and what to write instead" (ParseError, exit 2).
//
// Secret values never appear in the spec: a key's value is generated, read from a file, or read
// from an environment variable, and a literal is refused with its line. Unknown fields are
// errors too (a typo must not silently turn a setting off); `audiences` on a role is refused
// by name, because Vault ignores it with only a warning and ESO then gets 403.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::vs {

// Where a spec item is, for messages: "vault/seed.yaml:12" and its field path.
struct Where {
  int line = 0;                 // 1-based; 0 when unknown
  int column = 0;
  std::string field;            // "secrets[2].keys.password"
};

enum class GenerateKind { kAlphabet, kPassword, kHex, kBase64, kUuid };

struct GenerateRule {
  GenerateKind kind = GenerateKind::kPassword;
  size_t length = 0;            // characters (alphabet, password)
  size_t bytes = 0;             // random bytes (hex, base64)
  std::string alphabet;         // the characters to draw from (alphabet, password)
  std::string describe() const; // "password, 32 characters" (never a value)
};

enum class SourceType { kGenerate, kFile, kEnv };

struct KeySource {
  SourceType type = SourceType::kGenerate;
  GenerateRule generate;
  std::string file;             // absolute after loading (${state_dir} expanded)
  std::string env;              // environment variable name
  Where where;
  std::string describe() const; // "generated (hex, 32 bytes)", "from file /x", "from $X"
};

struct SecretSpec {
  std::string mount;            // KV v2 mount path, e.g. "secret"
  std::string path;             // inside the mount, e.g. "platform/opencost/basic-auth"
  std::vector<std::pair<std::string, KeySource>> keys;  // in spec order
  Where where;
  std::string full_path() const { return mount + "/" + path; }
};

struct MountSpec {
  std::string path;             // "secret" (no trailing '/')
  std::string type = "kv";
  int version = 2;
  bool cas_required = true;
  std::optional<long> max_versions;
  std::string description;
  Where where;
};

struct PolicySpec {
  std::string name;
  std::string file;             // absolute
  std::string text;             // the HCL, read at load
  Where where;
};

struct KubernetesConfigSpec {
  std::string kubernetes_host = "https://kubernetes.default.svc";
  std::optional<KeySource> kubernetes_ca_cert;   // file or env (PEM)
  std::optional<KeySource> token_reviewer_jwt;   // file or env; secret
  bool disable_local_ca_jwt = false;
  Where where;
};

struct RoleSpec {
  std::string name;
  std::vector<std::string> bound_service_account_names;
  std::vector<std::string> bound_service_account_namespaces;
  std::string audience;
  std::vector<std::string> token_policies;
  long token_ttl_seconds = 0;
  std::optional<long> token_max_ttl_seconds;
  std::string alias_name_source;  // "" = Vault's default (serviceaccount_uid)
  Where where;
};

struct AuthSpec {
  std::string path = "kubernetes";
  std::string type = "kubernetes";
  std::string description;
  KubernetesConfigSpec config;
  std::vector<RoleSpec> roles;
  Where where;
};

struct AuditSpec {
  std::string path;
  std::string type;             // file, socket, syslog
  std::string description;
  std::map<std::string, std::string> options;
  Where where;
};

struct InitSpec {
  int shares = 5;
  int threshold = 3;
  std::string file;             // absolute: where the init material goes (0600, 0700 folder)
  std::vector<std::string> pgp_key_files;  // one per share when set (absolute)
  Where where;
};

struct Spec {
  std::string source;           // the spec file as named on the command line
  std::string dir;              // its folder (relative paths resolve against it)
  InitSpec init;
  std::vector<MountSpec> mounts;
  std::vector<PolicySpec> policies;
  std::vector<AuthSpec> auth;
  std::vector<AuditSpec> audit;
  std::vector<SecretSpec> secrets;

  // "vault/seed.yaml:12: secrets[2].keys.password" for messages.
  std::string at(const Where& where) const;
  const MountSpec* mount(std::string_view path) const;
  const SecretSpec* secret(std::string_view mount, std::string_view path) const;
  // A secret named on the command line: MOUNT/PATH, or PATH alone when the spec has one mount.
  const SecretSpec* find_secret(std::string_view given) const;
  const AuthSpec* auth_mount(std::string_view path) const;
};

// What ${...} in file fields expands to.
struct LoadContext {
  std::string state_dir;        // ${state_dir}: the cluster's state folder
  std::string cluster;          // ${cluster}
  std::string init_file;         // --init-file: replaces init.file (and is checked like it)
  bool read_policy_files = true;  // false: leave PolicySpec::text empty (fuzzing)
};

// Parses and validates spec text. `source` names it in errors; `dir` anchors relative paths.
// Throws sf::ParseError listing every problem (one per line).
Spec parse_spec(std::string_view yaml, const std::string& source, const std::string& dir,
                const LoadContext& context);

// Reads the file (at most 1 MiB) and parses it.
Spec load_spec(const std::string& path, const LoadContext& context);

// The named alphabets of `generate: {alphabet: NAME}`.
std::optional<std::string> named_alphabet(std::string_view name);

}  // namespace sf::vs
