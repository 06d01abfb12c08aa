#include "vault-seed/vault_objects.h"

#include <catch2/catch.hpp>

#include "vault-seed/test_support.h"

using namespace sf::vs;
using sf::vs::testing::json;

namespace {
MountSpec secret_mount() {
  MountSpec m;
  m.path = "secret";
  return m;
}
RoleSpec eso_role() {
  RoleSpec r;
  r.name = "external-secrets";
  r.bound_service_account_names = {"external-secrets"};
  r.bound_service_account_namespaces = {"external-secrets"};
  r.audience = "vault";
  r.token_policies = {"external-secrets-read"};
  r.token_ttl_seconds = 3600;
  return r;
}
}  // namespace

TEST_CASE("vault_objects: an existing KV v2 mount is fine, and v1 or another engine is an error, never a remount") {
  const MountSpec m = secret_mount();
  CHECK(mount_problem(m, json(R"({"type":"kv","options":{"version":"2"}})")).empty());
  CHECK_THAT(mount_problem(m, json(R"({"type":"kv","options":{"version":"1"}})")),
             Catch::Contains("KV version 1 mount") && Catch::Contains("vault kv enable-versioning secret/"));
  CHECK_THAT(mount_problem(m, json(R"({"type":"kv","options":null})")), Catch::Contains("KV version 1"));
  CHECK_THAT(mount_problem(m, json(R"({"type":"transit"})")), Catch::Contains("\"transit\" mount") &&
                                                                   Catch::Contains("never remounts"));
  CHECK(mount_body(m) == R"({"type":"kv","options":{"version":"2"}})");
}

TEST_CASE("vault_objects: the engine config is compared field by field") {
  MountSpec m = secret_mount();
  CHECK(kv_config_changes(m, json(R"({"cas_required":true,"max_versions":0})")).empty());
  CHECK(kv_config_changes(m, json(R"({"cas_required":false,"max_versions":0})")) ==
        std::vector<std::string>{"cas_required false -> true"});
  m.max_versions = 20;
  CHECK(kv_config_changes(m, json(R"({"cas_required":true,"max_versions":0})")) ==
        std::vector<std::string>{"max_versions 0 -> 20"});
  CHECK(kv_config_body(m) == R"({"cas_required":true,"max_versions":20})");
}

TEST_CASE("vault_objects: roles compare as Vault reads them back (sets, seconds, the audience)") {
  const RoleSpec r = eso_role();
  const auto same = json(R"({"bound_service_account_names":["external-secrets"],
    "bound_service_account_namespaces":["external-secrets"],"audience":"vault",
    "token_policies":["external-secrets-read"],"token_ttl":3600,"policies":["external-secrets-read"],
    "alias_name_source":"serviceaccount_uid"})");
  CHECK(role_changes(r, same).empty());
  const auto other = json(R"({"bound_service_account_names":["eso"],"bound_service_account_namespaces":["external-secrets"],
    "token_policies":["default"],"token_ttl":60})");
  const auto changes = role_changes(r, other);
  REQUIRE(changes.size() == 4);
  CHECK(changes[0] == "bound_service_account_names {eso} -> {external-secrets}");
  CHECK(changes[1] == "audience unset -> vault");
  CHECK(changes[3] == "token_ttl 60s -> 3600s");
  const std::string body = role_body(r);
  CHECK_THAT(body, Catch::Contains(R"("audience":"vault")"));
  CHECK_THAT(body, !Catch::Contains("audiences"));
  CHECK_THAT(body, Catch::Contains(R"("token_ttl":3600)"));
}

TEST_CASE("vault_objects: kubernetes config: host, CA, reviewer JWT set or not") {
  KubernetesConfigSpec c;
  KubernetesConfigValues v;
  const auto in_cluster = json(R"({"kubernetes_host":"https://kubernetes.default.svc","kubernetes_ca_cert":"",
    "disable_local_ca_jwt":false,"token_reviewer_jwt_set":false})");
  CHECK(k8s_config_changes(c, v, in_cluster).empty());
  const auto set = json(R"({"kubernetes_host":"https://10.0.0.1:6443","kubernetes_ca_cert":"PEM",
    "disable_local_ca_jwt":false,"token_reviewer_jwt_set":true})");
  const auto changes = k8s_config_changes(c, v, set);
  REQUIRE(changes.size() == 3);
  CHECK(changes[0] == "kubernetes_host https://10.0.0.1:6443 -> https://kubernetes.default.svc");
  CHECK_THAT(k8s_config_body(c, v), Catch::Contains(R"("token_reviewer_jwt":"")"));
}

TEST_CASE("vault_objects: audit devices with other options are an error, never disabled") {
  AuditSpec d;
  d.path = "stdout";
  d.type = "file";
  d.options["file_path"] = "stdout";
  CHECK(audit_problem(d, json(R"({"type":"file","options":{"file_path":"stdout"}})")).empty());
  CHECK_THAT(audit_problem(d, json(R"({"type":"file","options":{"file_path":"/var/log/a"}})")),
             Catch::Contains("options.file_path /var/log/a (spec: stdout)") && Catch::Contains("vault audit disable stdout/"));
  CHECK(audit_body(d) == R"({"type":"file","options":{"file_path":"stdout"}})");
}

TEST_CASE("vault_objects: KV writes carry check-and-set") {
  CHECK(kv_write_body(0, {{"a", "1"}, {"b", "2"}}) == R"({"options":{"cas":0},"data":{"a":"1","b":"2"}})");
  CHECK(kv_write_body(3, {{"k", "\"q\""}}) == R"({"options":{"cas":3},"data":{"k":"\"q\""}})");
  CHECK(join_names({"a", "b"}) == "{a, b}");
}
