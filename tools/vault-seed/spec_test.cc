#include "vault-seed/spec.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "vault-seed/test_support.h"

using namespace sf::vs;
using sf::vs::testing::TempDir;
using sf::vs::testing::replace;

namespace {

const char* kPolicy = "path \"secret/data/apps/*\" {\n  capabilities = [\"read\"]\n}\n";

// A complete, valid spec; tests change one thing in it.
std::string valid_spec() {
  return R"(init:
  shares: 5
  threshold: 3
  file: "${state_dir}/vault-init.json"
audit:
  - path: stdout
    type: file
    options:
      file_path: stdout
mounts:
  - path: secret
    type: kv
    version: 2
    cas_required: true
policies:
  - name: eso-read
    file: policies/eso-read.hcl
auth:
  - path: kubernetes
    config:
      kubernetes_host: https://kubernetes.default.svc
    roles:
      - name: external-secrets
        bound_service_account_names: [external-secrets]
        bound_service_account_namespaces: external-secrets
        audience: vault
        token_policies: [eso-read]
        token_ttl: 1h
secrets:
  - path: apps/demo/db
    keys:
      username: {generate: {length: 12, alphabet: lower}}
      password: {generate: password}
      token: {generate: {kind: hex, bytes: 16}}
      key: {generate: base64}
      id: {generate: uuid}
      cert: {file: "${state_dir}/ingress.crt"}
      from_env: {env: DB_PASSWORD}
)";
}

struct Fixture {
  TempDir dir;
  LoadContext context;
  Fixture() {
    dir.write("policies/eso-read.hcl", kPolicy);
    context.state_dir = "/state/sovereign-finops/kind";
    context.cluster = "kind";
  }
  Spec parse(const std::string& text) const { return parse_spec(text, "seed.yaml", dir.path.string(), context); }
  // The error text of a spec that must fail.
  std::string error(const std::string& text) const {
    try {
      parse(text);
    } catch (const sf::ParseError& e) {
      CHECK(e.exit_code() == sf::kExitUsage);
      return e.what();
    }
    FAIL("the spec was accepted: " << text);
    return "";
  }
};


}  // namespace

TEST_CASE("spec: a complete spec loads with every field") {
  Fixture f;
  const Spec spec = f.parse(valid_spec());
  CHECK(spec.init.shares == 5);
  CHECK(spec.init.threshold == 3);
  CHECK(spec.init.file == "/state/sovereign-finops/kind/vault-init.json");
  REQUIRE(spec.audit.size() == 1);
  CHECK(spec.audit[0].options.at("file_path") == "stdout");
  REQUIRE(spec.mounts.size() == 1);
  CHECK(spec.mounts[0].path == "secret");
  CHECK(spec.mounts[0].cas_required);
  REQUIRE(spec.policies.size() == 1);
  CHECK(spec.policies[0].text == kPolicy);
  REQUIRE(spec.auth.size() == 1);
  const RoleSpec& role = spec.auth[0].roles.at(0);
  CHECK(role.bound_service_account_namespaces == std::vector<std::string>{"external-secrets"});
  CHECK(role.audience == "vault");
  CHECK(role.token_ttl_seconds == 3600);
  REQUIRE(spec.secrets.size() == 1);
  const SecretSpec& s = spec.secrets[0];
  CHECK(s.mount == "secret");
  CHECK(s.full_path() == "secret/apps/demo/db");
  REQUIRE(s.keys.size() == 7);
  CHECK(s.keys[0].first == "username");  // spec order kept
  CHECK(s.keys[0].second.generate.kind == GenerateKind::kAlphabet);
  CHECK(s.keys[0].second.generate.alphabet == "abcdefghijklmnopqrstuvwxyz");
  CHECK(s.keys[1].second.generate.kind == GenerateKind::kPassword);
  CHECK(s.keys[1].second.generate.length == 32);
  CHECK(s.keys[2].second.generate.bytes == 16);
  CHECK(s.keys[3].second.generate.kind == GenerateKind::kBase64);
  CHECK(s.keys[4].second.generate.kind == GenerateKind::kUuid);
  CHECK(s.keys[5].second.file == "/state/sovereign-finops/kind/ingress.crt");
  CHECK(s.keys[6].second.env == "DB_PASSWORD");
  CHECK(s.where.line == 30);
  CHECK(spec.at(s.where) == "seed.yaml:30: secrets[0]");
}

TEST_CASE("spec: a literal value is refused with its line") {
  Fixture f;
  const std::string e = f.error(replace(valid_spec(), "password: {generate: password}", "password: hunter2"));
  CHECK_THAT(e, Catch::StartsWith("seed.yaml:33:17: secrets[0].keys.password: a literal value is refused"));
  CHECK_THAT(e, Catch::Contains("never go into Git"));
  CHECK_THAT(e, !Catch::Contains("hunter2"));  // the value is not echoed
  CHECK_THAT(f.error(replace(valid_spec(), "password: {generate: password}", "password: {value: x}")),
             Catch::Contains("a literal value is refused"));
}

TEST_CASE("spec: audiences on a role is refused by name, and audience is required") {
  Fixture f;
  std::string e = f.error(replace(valid_spec(), "audience: vault", "audiences: [vault]"));
  CHECK_THAT(e, Catch::Contains("roles[0].audiences: Vault's Kubernetes role takes `audience` (one string)"));
  CHECK_THAT(e, Catch::Contains("roles[0]: needs audience"));
  e = f.error(replace(valid_spec(), "audience: vault", "audience: vault\n        audiences: [vault]"));
  CHECK_THAT(e, Catch::Contains("audiences"));
  CHECK_THAT(e, Catch::Contains("seed.yaml:27:9: auth[0].roles[0].audiences"));
}

TEST_CASE("spec: every problem is reported at once, each with file:line:column and field") {
  Fixture f;
  std::string text = replace(valid_spec(), "threshold: 3", "threshold: 7");
  text = replace(text, "token_ttl: 1h", "token_ttl: soon");
  text = replace(text, "path: apps/demo/db", "path: apps//db");
  const std::string e = f.error(text);
  CHECK_THAT(e, Catch::Contains("seed.yaml:3:14: init.threshold: threshold 7 cannot be larger than shares 5"));
  CHECK_THAT(e, Catch::Contains("seed.yaml:28:20: auth[0].roles[0].token_ttl: must be a duration"));
  CHECK_THAT(e, Catch::Contains("seed.yaml:30:11: secrets[0].path: has an empty segment"));
}

TEST_CASE("spec: unknown fields and duplicate keys are errors, not silently ignored") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "cas_required: true", "cas_requird: true")),
             Catch::Contains("mounts[0].cas_requird: unknown field \"cas_requird\" (known: path, type, version"));
  CHECK_THAT(f.error(valid_spec() + "extra: 1\n"), Catch::Contains("extra: unknown field"));
  CHECK_THAT(f.error(replace(valid_spec(), "      id: {generate: uuid}", "      id: {generate: uuid}\n      id: {generate: uuid}")),
             Catch::Contains("secrets[0].keys.id: given twice"));
}

TEST_CASE("spec: YAML 1.1 values that are not text must be quoted") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "audience: vault", "audience: yes")),
             Catch::Contains("\"yes\" reads as a boolean in YAML: put it in quotes"));
  const Spec quoted = f.parse(replace(valid_spec(), "audience: vault", "audience: \"yes\""));
  CHECK(quoted.auth[0].roles[0].audience == "yes");
  CHECK_THAT(f.error(replace(valid_spec(), "cas_required: true", "cas_required: maybe")),
             Catch::Contains("must be true or false"));
  CHECK_THAT(f.error(replace(valid_spec(), "shares: 5", "shares: \"5\"")), Catch::Contains("must be a whole number"));
}

TEST_CASE("spec: generate rules are checked") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "{generate: password}", "{generate: {kind: password, length: 8}}")),
             Catch::Contains("must be a whole number from 16"));
  CHECK_THAT(f.error(replace(valid_spec(), "{generate: password}", "{generate: {kind: hex, length: 8}}")),
             Catch::Contains("take bytes"));
  CHECK_THAT(f.error(replace(valid_spec(), "{generate: password}", "{generate: {alphabet: aab, length: 8}}")),
             Catch::Contains("distinct"));
  CHECK_THAT(f.error(replace(valid_spec(), "{generate: password}", "{generate: {alphabet: lower}}")),
             Catch::Contains("needs a length"));
  CHECK_THAT(f.error(replace(valid_spec(), "{generate: password}", "{generate: magic}")),
             Catch::Contains("kind \"magic\" is not one of"));
  CHECK_THAT(f.error(replace(valid_spec(), "{generate: password}", "{generate: password, env: X}")),
             Catch::Contains("exactly one of generate, file or env"));
  const Spec spec = f.parse(replace(valid_spec(), "{generate: password}", "{generate: {alphabet: \"ab-\", length: 40}}"));
  CHECK(spec.secrets[0].keys[1].second.generate.alphabet == "ab-");
  CHECK(spec.secrets[0].keys[1].second.generate.length == 40);
}

TEST_CASE("spec: environment sources must be names, not VAULT_* settings") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "{env: DB_PASSWORD}", "{env: VAULT_TOKEN}")),
             Catch::Contains("VAULT_* variables configure vault-seed"));
  CHECK_THAT(f.error(replace(valid_spec(), "{env: DB_PASSWORD}", "{env: \"a-b\"}")),
             Catch::Contains("must be an environment variable name"));
}

TEST_CASE("spec: ${...} other than state_dir and cluster is refused, and relative files resolve against the spec") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "${state_dir}/ingress.crt", "${HOME}/ingress.crt")),
             Catch::Contains("\"${HOME}\" is not known here"));
  const Spec spec = f.parse(replace(valid_spec(), "\"${state_dir}/ingress.crt\"", "certs/../x.crt"));
  CHECK(spec.secrets[0].keys[5].second.file == (f.dir.path / "x.crt").string());
  const Spec with_cluster = f.parse(replace(valid_spec(), "${state_dir}/ingress.crt", "/certs/${cluster}.crt"));
  CHECK(with_cluster.secrets[0].keys[5].second.file == "/certs/kind.crt");
}

TEST_CASE("spec: the init file must stay outside the repository") {
  Fixture f;
  f.dir.write(".git/HEAD", "ref: refs/heads/main\n");
  const std::string e = f.error(replace(valid_spec(), "\"${state_dir}/vault-init.json\"", "vault-init.json"));
  CHECK_THAT(e, Catch::Contains("init.file"));
  CHECK_THAT(e, Catch::Contains("must stay outside Git"));
}

TEST_CASE("spec: roles may only grant declared policies, and names follow Vault's rules") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "token_policies: [eso-read]", "token_policies: [eso-read, admin]")),
             Catch::Contains("policy admin is not declared under policies"));
  CHECK(f.parse(replace(valid_spec(), "token_policies: [eso-read]", "token_policies: [eso-read, default]"))
            .auth[0].roles[0].token_policies.size() == 2);
  CHECK_THAT(f.error(replace(valid_spec(), "name: eso-read", "name: ESO-read")), Catch::Contains("lower case"));
  CHECK_THAT(f.error(replace(valid_spec(), "name: eso-read", "name: vault-seed")), Catch::Contains("vault-seed's own policy"));
  CHECK_THAT(f.error(replace(valid_spec(), "name: external-secrets", "name: -bad")), Catch::Contains("a role name is"));
  CHECK_THAT(f.error(replace(valid_spec(), "bound_service_account_names: [external-secrets]",
                             "bound_service_account_names: [\"*\", eso]")),
             Catch::Contains("cannot be mixed"));
}

TEST_CASE("spec: a missing policy file is an error of its line") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "policies/eso-read.hcl", "policies/missing.hcl")),
             Catch::Contains("seed.yaml:17:11: policies[0].file:"));
  CHECK_THAT(f.error(replace(valid_spec(), "policies/eso-read.hcl", "policies/missing.hcl")),
             !Catch::Contains("not declared"));  // no error cascade
  f.dir.write("policies/eso-read.hcl", "  \n");
  CHECK_THAT(f.error(valid_spec()), Catch::Contains("is empty or not UTF-8 text"));
}

TEST_CASE("spec: secrets need a declared mount and a path without data/") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "path: apps/demo/db", "path: apps/demo/db\n    mount: other")),
             Catch::Contains("mount other is not declared"));
  CHECK_THAT(f.error(replace(valid_spec(), "path: apps/demo/db", "path: data/apps/demo/db")),
             Catch::Contains("without data/"));
  CHECK_THAT(f.error(valid_spec() + "  - path: apps/demo/db\n    keys: {a: {generate: uuid}}\n"),
             Catch::Contains("secret secret/apps/demo/db is declared twice"));
  CHECK_THAT(f.error(replace(valid_spec(), "    version: 2", "    version: 1")), Catch::Contains("KV version 2 only"));
}

TEST_CASE("spec: init checks follow Vault's seal configuration rules") {
  Fixture f;
  CHECK_THAT(f.error(replace(valid_spec(), "threshold: 3", "threshold: 1")), Catch::Contains("at least 2"));
  CHECK(f.parse(replace(replace(valid_spec(), "shares: 5", "shares: 1"), "threshold: 3", "threshold: 1")).init.shares == 1);
  CHECK_THAT(f.error(replace(valid_spec(), "shares: 5", "shares: 256")), Catch::Contains("from 1 to 255"));
  CHECK_THAT(f.error(replace(valid_spec(), "  threshold: 3", "  threshold: 3\n  pgp_keys: [a.asc]")),
             Catch::Contains("gives 1 keys for 5 shares"));
}

TEST_CASE("spec: not YAML, or not a mapping, is a parse error naming the place") {
  Fixture f;
  CHECK_THAT(f.error("init: [\n"), Catch::StartsWith("seed.yaml:"));
  CHECK_THAT(f.error("- a\n- b\n"), Catch::Contains("the spec must be a mapping"));
  // An empty file (or only a comment) is no spec: said as such, never an empty plan.
  CHECK_THAT(f.error(""), Catch::Contains("the spec must be a mapping"));
  CHECK_THAT(f.error("# nothing yet\n"), Catch::Contains("the spec must be a mapping"));
  CHECK_THAT(f.error("secrets: 5\n"), Catch::Contains("secrets: must be a list"));
  CHECK_THAT(f.error("mounts: [{path: secret}]\nsecrets:\n  - path: a\n    keys: {b: {generate: {kind: {x: 1}}}}\n"), Catch::Contains("must be a string"));
}

TEST_CASE("spec: a spec without a state folder needs an explicit init file") {
  TempDir dir;
  LoadContext context;  // no state_dir
  CHECK_THROWS_WITH(parse_spec("mounts: []\n", "s.yaml", dir.path.string(), context), Catch::Contains("init.file"));
  const Spec spec = parse_spec("init: {file: /elsewhere/init.json}\n", "s.yaml", dir.path.string(), context);
  CHECK(spec.init.file == "/elsewhere/init.json");
}
