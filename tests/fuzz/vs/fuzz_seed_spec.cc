// libFuzzer target for vault-seed's spec loader (sf::vs::parse_spec) and the seed policy made
// from a spec that loads. sf::ParseError (exit 2) is the expected outcome for junk; any other
// exception, crash or sanitizer report is a bug. Policy files are not read while fuzzing, and
// relative paths resolve against a folder that does not exist.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "vault-seed/seed_policy.h"
#include "vault-seed/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sf::vs::LoadContext context;
  context.state_dir = "/nonexistent/state/sovereign-finops/fuzz";
  context.cluster = "fuzz";
  context.read_policy_files = false;
  try {
    const sf::vs::Spec spec = sf::vs::parse_spec(text, "fuzz.yaml", "/nonexistent/repo/vault", context);
    const std::string policy = sf::vs::seed_policy(spec);
    if (policy.empty()) __builtin_trap();  // a loaded spec always gives a policy
  } catch (const sf::ParseError&) {
  }
  return 0;
}
