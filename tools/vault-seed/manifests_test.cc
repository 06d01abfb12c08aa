#include "vault-seed/manifests.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "vault-seed/test_support.h"

using namespace sf::vs;
using sf::vs::testing::TempDir;
using sf::vs::testing::replace;

namespace {

const char* kSpec = R"(init: {file: /state/vault-init.json}
mounts: [{path: secret}]
policies: [{name: eso-read, file: eso.hcl}]
auth:
  - path: kubernetes
    roles:
      - name: external-secrets
        bound_service_account_names: [external-secrets]
        bound_service_account_namespaces: [external-secrets]
        audience: vault
        token_policies: [eso-read]
        token_ttl: 1h
secrets:
  - path: apps/demo/db
    keys:
      username: {generate: password}
      password: {generate: password}
  - path: platform/ingress-tls
    keys:
      tls.crt: {file: /state/ingress.crt}
)";

const char* kStore = R"(---
# Source: config/templates/clustersecretstore.yaml
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: vault}
spec:
  provider:
    vault:
      server: http://vault.vault.svc:8200
      path: secret
      version: v2
      auth:
        kubernetes:
          mountPath: kubernetes
          role: external-secrets
          serviceAccountRef:
            name: external-secrets
            namespace: external-secrets
            audiences: [vault]
)";

const char* kExternalSecret = R"(---
# Source: demo/templates/externalsecret.yaml
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: demo-db, namespace: demo}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: vault}
  target: {name: demo-db}
  data:
    - secretKey: username
      remoteRef: {key: apps/demo/db, property: username}
    - secretKey: password
      remoteRef: {key: secret/apps/demo/db, property: password}
    - secretKey: tls.crt
      remoteRef: {key: /platform/ingress-tls, property: tls.crt}
)";

struct Fixture {
  TempDir dir;
  Spec spec;
  Fixture(const std::string& policy = "path \"secret/data/apps/*\" {\n  capabilities = [\"read\"]\n}\n"
                                      "path \"secret/data/platform/*\" {\n  capabilities = [\"read\"]\n}\n") {
    dir.write("eso.hcl", policy);
    LoadContext c;
    spec = parse_spec(kSpec, "seed.yaml", dir.path.string(), c);
  }
  std::pair<int, std::string> check(const std::string& text, bool exact = false) {
    std::FILE* f = std::tmpfile();
    Report report(Format::kJsonl, false, f);
    const int code = check_manifests(spec, {{"rendered.yaml", text}}, report, exact);
    std::rewind(f);
    std::string out;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
    std::fclose(f);
    return {code, out};
  }
};


}  // namespace

TEST_CASE("manifests: a store and an ExternalSecret that agree with the spec") {
  Fixture f;
  const auto [code, out] = f.check(std::string(kStore) + kExternalSecret);
  CHECK(code == 0);
  CHECK_THAT(out, Catch::Contains(R"("path":"ClusterSecretStore vault","action":"agrees")"));
  CHECK_THAT(out, Catch::Contains(R"("path":"ExternalSecret demo/demo-db","action":"agrees")"));
  CHECK_THAT(out, Catch::Contains("3 refs to {secret/apps/demo/db, secret/platform/ingress-tls}"));
}

TEST_CASE("manifests: a key the spec does not declare is caught with its line and template") {
  Fixture f;
  const auto [code, out] = f.check(std::string(kStore) + replace(kExternalSecret, "property: password", "property: passwd"));
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Contains("rendered.yaml:32 (demo/templates/externalsecret.yaml): remoteRef.property passwd is "
                                  "not a key of secret/apps/demo/db ({username, password}, seed.yaml:14: secrets[0])"));
  const auto [code2, out2] = f.check(std::string(kStore) + replace(kExternalSecret, "key: apps/demo/db", "key: apps/demo/cache"));
  CHECK(code2 == 1);
  CHECK_THAT(out2, Catch::Contains("remoteRef.key apps/demo/cache (secret/apps/demo/cache) is not a secret of seed.yaml"));
}

TEST_CASE("manifests: a wrong role, audience or service account in the store is caught") {
  Fixture f;
  auto [code, out] = f.check(replace(kStore, "role: external-secrets", "role: eso") + kExternalSecret);
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Contains("role eso is not a role of auth/kubernetes in seed.yaml (roles: {external-secrets})"));
  CHECK_THAT(out, Catch::Contains("its store ClusterSecretStore vault does not agree"));
  CHECK(out.find("does not agree") == out.rfind("does not agree"));  // said once, not per key
  std::tie(code, out) = f.check(replace(kStore, "audiences: [vault]", "audiences: [https://kubernetes.default.svc]") +
                                kExternalSecret);
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Contains("lacks the role's audience \\\"vault\\\""));
  CHECK_THAT(out, Catch::Contains("403"));
  std::tie(code, out) = f.check(replace(kStore, "            namespace: external-secrets\n", "") + kExternalSecret);
  CHECK_THAT(out, Catch::Contains("serviceAccountRef.namespace is required in a ClusterSecretStore"));
  std::tie(code, out) = f.check(replace(kStore, "name: external-secrets", "name: default") + kExternalSecret);
  CHECK_THAT(out, Catch::Contains("serviceAccountRef.name default is not bound by role external-secrets"));
  std::tie(code, out) = f.check(replace(kStore, "path: secret", "path: kv") + kExternalSecret);
  CHECK_THAT(out, Catch::Contains("path kv is not a KV mount of seed.yaml"));
}

TEST_CASE("manifests: nothing to check is a failure, not agreement, and v1beta1 and dataFrom.find are refused") {
  Fixture f;
  auto [code, out] = f.check("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Contains("found 0 ExternalSecrets and 0 secret stores in 1 documents"));
  std::tie(code, out) = f.check(kStore);
  CHECK(code == 1);
  std::tie(code, out) = f.check(std::string(kStore) + replace(kExternalSecret, "external-secrets.io/v1\nkind: ExternalSecret",
                                                               "external-secrets.io/v1beta1\nkind: ExternalSecret"));
  CHECK_THAT(out, Catch::Contains("unserved since 0.17"));
  std::tie(code, out) = f.check(std::string(kStore) + replace(kExternalSecret, "  data:\n", "  dataFrom:\n    - find: {name: {regexp: .*}}\n  data:\n"));
  CHECK_THAT(out, Catch::Contains("dataFrom.find cannot be checked"));
  CHECK_THROWS_AS(f.check("a: [\n"), sf::ParseError);
}

TEST_CASE("manifests: the role's policies must grant read on every key ESO reads") {
  Fixture f("path \"secret/data/apps/*\" {\n  capabilities = [\"read\"]\n}\n");
  const auto [code, out] = f.check(std::string(kStore) + kExternalSecret);
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Contains("do not grant read on secret/data/platform/ingress-tls"));
}

TEST_CASE("manifests: --exact also wants every declared secret and key read") {
  Fixture f;
  auto [code, out] = f.check(std::string(kStore) + kExternalSecret, true);
  CHECK(code == 0);
  std::tie(code, out) = f.check(std::string(kStore) + replace(kExternalSecret, "    - secretKey: tls.crt\n      remoteRef: {key: /platform/ingress-tls, property: tls.crt}\n", ""), true);
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Contains("seed.yaml:18: secrets[1]: secret secret/platform/ingress-tls is read by no ExternalSecret"));
  std::tie(code, out) = f.check(std::string(kStore) + replace(kExternalSecret, "    - secretKey: username\n      remoteRef: {key: apps/demo/db, property: username}\n", ""), true);
  CHECK_THAT(out, Catch::Contains("keys {username} of secret/apps/demo/db are read by no ExternalSecret"));
}

TEST_CASE("manifests: policy_grants follows Vault's path rules") {
  const std::string p = "# c\npath \"secret/data/*\" { capabilities = [\"read\"] }\n"
                        "path \"secret/data/x\" { capabilities = [\"deny\"] }\n"
                        "path \"auth/+/login\" { capabilities = [\"create\", \"update\"] }\n";
  CHECK(*policy_grants(p, "secret/data/a/b", "read"));
  CHECK_FALSE(*policy_grants(p, "secret/data/x", "read"));
  CHECK_FALSE(*policy_grants(p, "secret/metadata/a", "read"));
  CHECK(*policy_grants(p, "auth/kubernetes/login", "update"));
  CHECK_FALSE(*policy_grants(p, "auth/a/b/login", "update"));
  CHECK_FALSE(policy_grants("# nothing\n", "a", "read"));
}
