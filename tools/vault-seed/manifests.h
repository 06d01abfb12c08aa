// `vault-seed check-manifests FILE...`: do the platform's External Secrets Operator objects and
// the spec agree? Reads rendered manifests (multi-document YAML, e.g. `helm template` output,
// whose "# Source:" comments name the template), and checks:
//   - every ClusterSecretStore / SecretStore with a Vault provider: its path is a KV v2 mount of
//     the spec (version v2), its auth.kubernetes.mountPath an auth mount of the spec, its role a
//     role there, its serviceAccountRef name and namespace bound by that role, and its
//     serviceAccountRef.audiences holding the role's audience (or ESO gets 403);
//   - every ExternalSecret (external-secrets.io/v1): its store is among the inputs, every
//     remoteRef key is a secret of the spec and every property one of that secret's keys, and
//     the role's policies grant read on it;
//   - there is at least one of each: finding none means the inputs are wrong, and says so;
//   - with `exact`, also the other way round: every secret and key of the spec is read by some
//     ExternalSecret (a spec that holds more than the platform reads is then an error).
// Each object is one item (agrees / error) naming file:line; exit 0 when all agree, 1 when not.
#pragma once

#include <string>
#include <vector>

#include "vault-seed/report.h"
#include "vault-seed/spec.h"

namespace sf::vs {

struct ManifestInput {
  std::string name;   // file name, or "stdin"
  std::string text;
};

// Checks the inputs against the spec, adding one item per object to `report`. Returns the
// exit code. Throws ParseError (exit 2) for input that is not YAML.
int check_manifests(const Spec& spec, const std::vector<ManifestInput>& inputs, Report& report, bool exact = false);

// Whether the policy text grants `capability` on `path` (Vault's path rules: exact, a
// trailing '*' glob, '+' for one segment); only `path "..." { capabilities = [...] }` blocks
// are read. nullopt when the text holds no such block (not checkable).
std::optional<bool> policy_grants(const std::string& policy_text, const std::string& path,
                                  const std::string& capability);

}  // namespace sf::vs
