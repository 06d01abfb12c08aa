#include "vault-seed/seeder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "common/output.h"
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
  // A regular file is replaced only when the snapshot is complete (0600); a FIFO or a device
  // is written in place (a named pipe to an encrypting program). Not stdout: the report is there.
  struct stat target {}, standard_out {};
  if (file == "-" || (::stat(file.c_str(), &target) == 0 && ::fstat(STDOUT_FILENO, &standard_out) == 0 &&
                      target.st_dev == standard_out.st_dev && target.st_ino == standard_out.st_ino))
    throw UsageError(cat("snapshot ", file, ": that is stdout, which carries vault-seed's report; give a file, a FIFO "
                         "or a device"));
  Lifecycle life(spec, vault, report, options);
  const Health health = life.wait_for_vault();
  if (!health.initialized || health.sealed)
    throw Error(cat(vault.describe(), " is ", health.initialized ? "sealed" : "not initialised",
                    ": a snapshot needs an unsealed Vault (run vault-seed, or vault-seed --unseal-only, first)"));
  life.choose_token(false);
  size_t bytes = 0;
  bool replaced = true;
  try {
    OutputFile out(std::optional<std::string>(file), 0600, 0600);
    replaced = out.replaces_file();
    const Reply r = vault.download(
        "sys/storage/raft/snapshot",
        [&](std::string_view chunk) {
          if (bytes == 0 && (chunk.size() < 2 || static_cast<unsigned char>(chunk[0]) != 0x1f ||
                             static_cast<unsigned char>(chunk[1]) != 0x8b))
            throw Error(cat(vault.describe(), " sent a snapshot that is not gzip data: ", file, " left as it was"));
          out.out().write(chunk);  // checked: a full disk or a closed pipe is a WriteError
          bytes += chunk.size();
        },
        CallOptions{false, true, "downloading a Raft snapshot"});
    if (!r.ok())
      throw VaultError(vault.explain(r, "downloading a Raft snapshot (sys/storage/raft/snapshot)"), r.status);
    if (bytes == 0) throw Error(cat(vault.describe(), " sent an empty snapshot: ", file, " left as it was"));
    out.commit();
  } catch (...) {
    try {
      life.revoke_generated_root();  // a root token made for this run never outlives it
    } catch (const std::exception&) {
    }
    throw;
  }
  life.revoke_generated_root();
  report.add(Item{"snapshot", file, Action::kCreate, std::nullopt,
                  cat(bytes, " bytes (gzip Raft snapshot, ", replaced ? "mode 0600" : "written in place",
                      "); restore: docs/vault-seed.md, \"Restore\"")});
  return kExitOk;
}

}  // namespace sf::vs
