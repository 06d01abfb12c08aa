// libFuzzer target for what vault-seed reads besides its spec: rendered manifests
// (check-manifests, against a fixed spec), an init file, and a PGP public key file. The first
// byte picks the reader. sf::Error of exit code 2 (bad input) is the expected outcome for junk;
// any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/error.h"
#include "common/output.h"
#include "vault-seed/init_file.h"
#include "vault-seed/manifests.h"
#include "vault-seed/pgp_keys.h"
#include "vault-seed/report.h"
#include "vault-seed/spec.h"

namespace {

const sf::vs::Spec& spec() {
  static const sf::vs::Spec s = [] {
    sf::vs::LoadContext c;
    c.read_policy_files = false;
    return sf::vs::parse_spec(R"(init: {file: /nonexistent/vault-init.json}
mounts: [{path: secret}]
policies: [{name: eso-read, file: eso.hcl}]
auth:
  - roles:
      - {name: external-secrets, bound_service_account_names: [external-secrets],
         bound_service_account_namespaces: [external-secrets], audience: vault,
         token_policies: [eso-read], token_ttl: 1h}
secrets:
  - {path: apps/demo/db, keys: {username: {generate: password}, password: {generate: password}}}
  - {path: platform/ingress-tls, keys: {tls.crt: {file: /x/tls.crt}}}
)",
                              "seed.yaml", "/nonexistent", c);
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (control % 3) {
      case 0: {
        static std::FILE* const null_file = std::fopen("/dev/null", "w");  // one for the whole run
        if (null_file == nullptr) return 0;
        static sf::Output sink(null_file, "/dev/null");
        sf::vs::Report report(sf::vs::Format::kJsonl, false, sink);
        sf::vs::check_manifests(spec(), {{"fuzz.yaml", text}}, report, (control & 4) != 0);
        report.finish();
        break;
      }
      case 1:
        sf::vs::parse_init_file(text, "fuzz-init.json");
        break;
      default:
        sf::vs::pgp_key_from_content(text, "fuzz.asc");
        break;
    }
  } catch (const sf::Error& e) {
    if (e.exit_code() != sf::kExitUsage) __builtin_trap();
  }
  return 0;
}
