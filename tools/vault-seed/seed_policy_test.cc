#include "vault-seed/seed_policy.h"

#include <catch2/catch.hpp>

#include "vault-seed/manifests.h"

using namespace sf::vs;

namespace {
Spec sample() {
  Spec spec;
  spec.source = "seed.yaml";
  MountSpec m;
  m.path = "secret";
  spec.mounts.push_back(m);
  PolicySpec p;
  p.name = "eso-read";
  spec.policies.push_back(p);
  AuthSpec a;
  RoleSpec r;
  r.name = "external-secrets";
  a.roles.push_back(r);
  spec.auth.push_back(a);
  AuditSpec d;
  d.path = "stdout";
  spec.audit.push_back(d);
  SecretSpec s;
  s.mount = "secret";
  s.path = "apps/demo/db";
  spec.secrets.push_back(s);
  return spec;
}
}  // namespace

TEST_CASE("seed_policy: exactly the managed paths, with the capabilities the steps use") {
  const std::string text = seed_policy(sample());
  const auto can = [&](const char* path, const char* cap) { return policy_grants(text, path, cap).value_or(false); };
  CHECK(can("secret/data/apps/demo/db", "create"));
  CHECK(can("secret/data/apps/demo/db", "update"));
  CHECK(can("secret/data/apps/demo/db", "read"));
  CHECK_FALSE(can("secret/data/apps/demo/other", "read"));
  CHECK_FALSE(can("secret/metadata/apps/demo/db", "delete"));
  CHECK(can("sys/mounts", "read"));
  CHECK(can("sys/mounts/secret", "create"));
  CHECK(can("secret/config", "update"));
  CHECK(can("sys/policies/acl/eso-read", "update"));
  CHECK(can("sys/policies/acl/vault-seed", "read"));
  CHECK_FALSE(can("sys/policies/acl/vault-seed", "update"));  // it cannot widen itself
  CHECK_FALSE(can("sys/policies/acl/other", "create"));
  CHECK(can("sys/auth/kubernetes", "sudo"));
  CHECK(can("auth/kubernetes/role/external-secrets", "update"));
  CHECK_FALSE(can("auth/kubernetes/role/admin", "create"));
  CHECK(can("sys/audit/stdout", "sudo"));
  CHECK(can("sys/generate-root/attempt", "update"));
  CHECK(can("sys/storage/raft/snapshot", "read"));
  CHECK_FALSE(can("auth/token/create", "update"));
  CHECK(text.find('*') == std::string::npos);
  CHECK(text.find('+') == std::string::npos);
}

TEST_CASE("seed_policy: the same spec gives the same text, and another spec another") {
  Spec a = sample();
  Spec b = sample();
  b.source = "elsewhere/seed.yaml";  // where the spec lives does not change the policy
  CHECK(seed_policy(a) == seed_policy(b));
  SecretSpec extra;
  extra.mount = "secret";
  extra.path = "apps/new";
  b.secrets.push_back(extra);
  CHECK(seed_policy(a) != seed_policy(b));
}
