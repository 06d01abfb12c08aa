// A whole vault-seed run, in the order of issue 8: health -> init if uninitialised -> unseal
// from the init file -> token -> audit -> mounts -> policies -> auth -> roles -> secrets ->
// seed token / root revocation. And `vault-seed snapshot FILE`.
#pragma once

#include <string>

#include "vault-seed/lifecycle.h"
#include "vault-seed/report.h"
#include "vault-seed/spec.h"
#include "vault-seed/vault_client.h"

namespace sf::vs {

// The exit code of a run: 0 done (and a plan), 1 nothing could be done, 3 partial (some items
// failed, the rest is done and on stdout). A failure that stops the run throws.
int run_seed(const Spec& spec, VaultClient& vault, Report& report, const SeedOptions& options);

// Streams a Raft snapshot into FILE (mode 0600, replaced atomically only when complete).
int run_snapshot(const Spec& spec, VaultClient& vault, Report& report, const SeedOptions& options,
                 const std::string& file);

}  // namespace sf::vs
