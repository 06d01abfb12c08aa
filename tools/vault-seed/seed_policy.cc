#include "vault-seed/seed_policy.h"

#include <map>
#include <set>

#include "common/strings.h"
#include "vault-seed/vault_path.h"

namespace sf::vs {

std::string seed_policy(const Spec& spec) {
  // path -> capabilities; std::map/std::set keep the text in a stable order.
  std::map<std::string, std::set<std::string>> rules;
  const auto allow = [&](const std::string& path, std::initializer_list<const char*> caps) {
    for (const char* c : caps) rules[path].insert(c);
  };
  allow(cat("sys/policies/acl/", kSeedPolicyName), {"read"});
  allow("sys/generate-root/attempt", {"read", "update", "delete"});
  allow("sys/generate-root/update", {"update"});
  allow("sys/storage/raft/snapshot", {"read"});
  if (!spec.audit.empty()) allow("sys/audit", {"read", "sudo"});
  for (const auto& a : spec.audit) allow(join_path("sys/audit", a.path), {"create", "update", "sudo"});
  if (!spec.mounts.empty()) allow("sys/mounts", {"read"});
  for (const auto& m : spec.mounts) {
    allow(join_path("sys/mounts", m.path), {"create", "read", "update"});
    allow(join_path(m.path, "config"), {"read", "update"});
  }
  for (const auto& p : spec.policies) allow(join_path("sys/policies/acl", p.name), {"create", "read", "update"});
  if (!spec.auth.empty()) allow("sys/auth", {"read"});
  for (const auto& a : spec.auth) {
    allow(join_path("sys/auth", a.path), {"create", "read", "update", "sudo"});
    allow(join_path("auth", a.path, "config"), {"create", "read", "update"});
    for (const auto& r : a.roles) allow(join_path("auth", a.path, "role/" + r.name), {"create", "read", "update"});
  }
  for (const auto& s : spec.secrets) allow(join_path(s.mount, "data", s.path), {"create", "read", "update"});

  // Capabilities in Vault's own order, for a policy people can read.
  static const char* order[] = {"create", "read", "update", "patch", "delete", "list", "sudo"};
  // No file name or time in the text: only a change of what the spec manages changes it.
  std::string text = cat("# Policy \"", kSeedPolicyName, "\": what the vault-seed spec manages, written by "
                         "vault-seed (do not edit: the next run puts it back).\n");
  for (const auto& [path, caps] : rules) {
    text += cat("path \"", path, "\" {\n  capabilities = [");
    bool first = true;
    for (const char* c : order) {
      if (caps.count(c) == 0) continue;
      text += cat(first ? "" : ", ", "\"", c, "\"");
      first = false;
    }
    text += "]\n}\n";
  }
  return text;
}

}  // namespace sf::vs
