// The policy of vault-seed's own token (policy "vault-seed"), made from the spec: exactly the
// paths the spec manages with the capabilities the steps use, plus reading its own policy,
// root generation (Vault 2.0 authenticates sys/generate-root: the seed token is what lets a
// later run turn the unseal keys into a short-lived root token), and Raft snapshots. No
// wildcard, no sys/policies/acl/vault-seed update, no token creation: the token alone cannot
// widen its reach; only the unseal keys (in the same init file) can.
#pragma once

#include <string>

#include "vault-seed/spec.h"

namespace sf::vs {

inline constexpr const char* kSeedPolicyName = "vault-seed";

// Deterministic HCL text: the same spec always gives the same bytes, so that comparing the
// stored policy with it tells whether the spec changed.
std::string seed_policy(const Spec& spec);

}  // namespace sf::vs
