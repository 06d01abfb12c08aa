// Vault's lifecycle as vault-seed drives it, before any configuration: wait until Vault itself
// answers (sys/health codes are states: 501 uninitialised, 503 sealed, 429 standby), initialise
// it once (the init file first, then nothing else), unseal it from the init file, and choose
// the token of the run:
//   VAULT_TOKEN > ~/.vault-token > the init file's seed token > the init file's root token
//   (kept with --keep-root-token) > a root token generated now from the unseal keys.
// The seed token's policy covers only what the spec manages; when the spec changed (the stored
// vault-seed policy differs), a root token is generated from the unseal keys for the run and
// revoked at its end. On the first run the seed token is made and the root token revoked
// (unless --keep-root-token).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vault-seed/init_file.h"
#include "vault-seed/report.h"
#include "vault-seed/spec.h"
#include "vault-seed/vault_client.h"
#include "vault-seed/vault_env.h"

namespace sf::vs {

struct SeedOptions {
  bool plan = false;
  bool unseal_only = false;
  bool keep_root_token = false;
  std::set<std::string> rotate;             // "mount/path"
  std::vector<std::string> unseal_keys;     // --unseal-keys-stdin; secret
  std::optional<std::string> env_token;     // VAULT_TOKEN; secret
  std::optional<std::string> file_token;    // ~/.vault-token; secret
  Getenv getenv;
};

struct Health {
  long status = 0;
  bool initialized = false;
  bool sealed = true;
  bool standby = false;
  std::string version;
  std::string cluster_id;
  std::string cluster_name;
};

// Reads a sys/health answer (any of Vault's codes); nullopt when the body is not Vault's.
std::optional<Health> parse_health(const Reply& reply);

// base64 (raw or padded) of token XOR otp, as `vault operator generate-root -decode` does.
std::string decode_generated_root(const std::string& encoded, const std::string& otp);

class Lifecycle {
 public:
  Lifecycle(const Spec& spec, VaultClient& vault, Report& report, const SeedOptions& options);
  ~Lifecycle();

  // Polls sys/health until Vault answers with a state it can be driven from (never 429: a
  // standby is waited for), or the deadline.
  Health wait_for_vault();

  // Initialises an uninitialised Vault (moving a stale init file aside first). Returns false in
  // a plan (nothing more can be read).
  bool ensure_initialized(Health& health);
  // Unseals a sealed Vault from the init file or --unseal-keys-stdin. Returns false in a plan
  // when Vault is sealed.
  bool ensure_unsealed(Health& health);
  // Picks and checks the token and sets it on the client. With `spec_run`, a seed token whose
  // policy no longer matches the spec is replaced by a root token generated for the run.
  void choose_token(bool spec_run = true);
  // After the steps: the seed token on a first run, revoking root tokens.
  void finish(bool seed_policy_written);
  // Revokes a root token generated for this run, if any (also called when the run fails).
  void revoke_generated_root();

  const std::string& token_source() const { return token_source_; }
  // The token is the seed token and its policy no longer matches the spec (a plan only:
  // a run generates a root token instead).
  bool seed_policy_stale() const { return seed_policy_stale_; }
  bool has_init_file() const { return material_.has_value(); }
  // The token is a root token generated from the unseal keys for this run (revoked at its end).
  bool token_is_generated() const { return !generated_root_.empty(); }

 private:
  void load_init_file();
  void initialize();
  void wait_for_init_file_from_another_run();
  bool init_file_appears(std::chrono::milliseconds within);
  void unseal(const std::vector<std::string>& keys);
  std::vector<std::string> unseal_keys() const;
  bool try_token(const std::string& token, const std::string& source, bool explicit_choice);
  std::string token_from_init_file();
  void renew_if_needed();
  bool seed_policy_current();
  // A root token from the unseal keys. Another generation in progress (a concurrent run) is
  // waited for, boundedly; then, if `still_needed` says no more (the other run updated the
  // policy), "" is returned.
  std::string generate_root(const std::string& auth_token, const std::function<bool()>& still_needed);
  void create_seed_token();
  void revoke_root_from_file();
  void record_cluster(const Health& health);
  void note(const std::string& step, const std::string& path, Action action, const std::string& detail);

  const Spec& spec_;
  VaultClient& vault_;
  Report& report_;
  const SeedOptions& options_;
  std::optional<InitMaterial> material_;
  bool initialized_now_ = false;
  std::string token_source_;
  bool token_is_root_ = false;
  bool token_is_seed_ = false;
  bool seed_policy_stale_ = false;
  std::string invalid_seed_token_;  // the init file's seed token, found expired or revoked
  long token_ttl_ = 0;
  long token_period_ = 0;
  std::string generated_root_;   // secret; revoked at the end
  bool version_noted_ = false;
};

}  // namespace sf::vs
