#include "vault-seed/seeder.h"

#include <cstdio>

#include "common/atomic_file.h"
#include "common/strings.h"
#include "vault-seed/seed_policy.h"
#include "vault-seed/steps.h"

namespace sf::vs {
namespace {

int exit_code(const Report& report) {
  if (report.errors() == 0) return kExitOk;
  return report.errors() < report.items().size() ? kExitPartial : kExitFailed;
}

}  // namespace

int run_seed(const Spec& spec, VaultClient& vault, Report& report, const SeedOptions& options) {
  Lifecycle life(spec, vault, report, options);
  Health health = life.wait_for_vault();
  StepContext context{spec, vault, report};
  context.plan = options.plan;
  context.rotate = options.rotate;
  context.getenv = options.getenv;
  context.seed_policy_text = seed_policy(spec);
  if (!life.ensure_initialized(health)) {
    plan_everything_new(context);
    return exit_code(report);
  }
  if (!life.ensure_unsealed(health) || options.unseal_only) return exit_code(report);
  life.choose_token();
  context.token_source = life.token_source();
  context.seed_policy_stale = life.seed_policy_stale();
  try {
    reconcile_all(context);
  } catch (...) {
    life.revoke_generated_root();  // a root token made for this run never outlives it
    throw;
  }
  life.finish(context.seed_policy_written);
  return exit_code(report);
}

int run_snapshot(const Spec& spec, VaultClient& vault, Report& report, const SeedOptions& options,
                 const std::string& file) {
  Lifecycle life(spec, vault, report, options);
  const Health health = life.wait_for_vault();
  if (!health.initialized || health.sealed)
    throw Error(cat(vault.describe(), " is ", health.initialized ? "sealed" : "not initialised",
                    ": a snapshot needs an unsealed Vault (run vault-seed, or vault-seed --unseal-only, first)"));
  life.choose_token(false);
  AtomicFile out(file, 0600);
  size_t bytes = 0;
  const Reply r = vault.download(
      "sys/storage/raft/snapshot",
      [&](std::string_view chunk) {
        if (bytes == 0 && (chunk.size() < 2 || static_cast<unsigned char>(chunk[0]) != 0x1f ||
                           static_cast<unsigned char>(chunk[1]) != 0x8b))
          throw Error(cat(vault.describe(), " sent a snapshot that is not gzip data: ", file, " left as it was"));
        if (std::fwrite(chunk.data(), 1, chunk.size(), out.stream()) != chunk.size())
          throw Error(cat(file, ": write failed (disk full?); the file was left as it was"));
        bytes += chunk.size();
      },
      CallOptions{false, true, "downloading a Raft snapshot"});
  if (!r.ok()) {
    life.revoke_generated_root();
    throw VaultError(vault.explain(r, "downloading a Raft snapshot (sys/storage/raft/snapshot)"), r.status);
  }
  if (bytes == 0) throw Error(cat(vault.describe(), " sent an empty snapshot: ", file, " left as it was"));
  out.commit();
  life.revoke_generated_root();
  report.add(Item{"snapshot", file, Action::kCreate, std::nullopt,
                  cat(bytes, " bytes (gzip Raft snapshot, mode 0600); restore: docs/vault-seed.md, \"Restore\"")});
  return kExitOk;
}

}  // namespace sf::vs
