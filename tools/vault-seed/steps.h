// The configuration steps, after Vault is unsealed and a token is chosen: audit devices ->
// secrets engines -> policies -> auth methods -> roles -> secrets. Each step reads what Vault
// holds and writes only what differs; with `plan` it only reads. An item that cannot be done
// (wrong mount type, a soft-deleted secret, a warning from Vault) is reported as an error item
// naming its spec line, and the independent items go on; a transport failure or the deadline
// ends the run (the exception propagates).
#pragma once

#include <set>
#include <string>

#include "vault-seed/report.h"
#include "vault-seed/spec.h"
#include "vault-seed/vault_client.h"
#include "vault-seed/vault_env.h"

namespace sf::vs {

struct StepContext {
  StepContext(const Spec& s, VaultClient& v, Report& r) : spec(s), vault(v), report(r) {}
  const Spec& spec;
  VaultClient& vault;
  Report& report;
  bool plan = false;
  std::set<std::string> rotate;          // "mount/path" of secrets to write anew (--rotate)
  Getenv getenv;
  std::string token_source;              // "the seed token in the init file", for 403 hints
  std::string seed_policy_text;          // what policy vault-seed must say
  bool seed_policy_stale = false;        // a plan with a seed token whose policy predates the spec
  // Filled by the steps:
  std::set<std::string> unusable_mounts; // secrets under them are skipped
  std::set<std::string> new_mounts;      // created (or, in a plan, to be created)
  bool seed_policy_written = false;      // the vault-seed policy is in Vault as the spec says
};

void reconcile_audit(StepContext& context);
void reconcile_mounts(StepContext& context);
void reconcile_policies(StepContext& context);
void reconcile_auth(StepContext& context);
void reconcile_secrets(StepContext& context);

// Every step in order.
void reconcile_all(StepContext& context);

// Items for everything the spec declares as "create", for a plan against a Vault that is not
// initialised yet (nothing can be read).
void plan_everything_new(StepContext& context);

}  // namespace sf::vs
