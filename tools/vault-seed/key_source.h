// A secret key's value, from the source the spec names: generated here, read from a file (as
// is, at most 1 MiB, UTF-8 text), or taken from an environment variable. Read only when a value
// must be written or compared, so a spec whose files do not exist yet can still be planned.
#pragma once

#include <string>

#include "common/error.h"
#include "vault-seed/secret_gen.h"
#include "vault-seed/spec.h"
#include "vault-seed/vault_env.h"

namespace sf::vs {

// The source cannot deliver (file missing, variable unset, not text): says which and why.
class SourceError : public Error {
 public:
  using Error::Error;
};

SecretValue read_source(const KeySource& source, const Getenv& getenv);

// Whether the source can deliver right now, without reading a secret (file exists and is
// readable, variable set); "" when it can, else why not.
std::string source_problem(const KeySource& source, const Getenv& getenv);

}  // namespace sf::vs
