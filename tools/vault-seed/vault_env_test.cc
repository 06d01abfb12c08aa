#include "vault-seed/vault_env.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/testing_pki.h"
#include "vault-seed/test_support.h"

using namespace sf::vs;
using sf::vs::testing::FakeEnv;
using sf::vs::testing::TempDir;

TEST_CASE("vault_env: defaults are the vault CLI's") {
  FakeEnv env;
  const VaultEnv v = read_vault_env(env);
  CHECK(v.addr == "https://127.0.0.1:8200");
  CHECK_FALSE(v.addr_from_env);
  CHECK(v.tls.verify);
  CHECK(v.client_timeout == std::chrono::seconds(60));
  CHECK(v.max_retries == 2);
  CHECK_FALSE(v.token);
  CHECK(v.namespace_.empty());
}

TEST_CASE("vault_env: every variable is read, with Go's parsing") {
  TempDir dir;
  const auto pem = sf::testing::make_self_signed("vault");
  FakeEnv env;
  env.values = {{"VAULT_ADDR", "http://vault.example:8200/"}, {"VAULT_CACERT", dir.write("ca.pem", pem.certificate)},
                {"VAULT_SKIP_VERIFY", "T"}, {"VAULT_NAMESPACE", "team"}, {"VAULT_CLIENT_TIMEOUT", "30"},
                {"VAULT_MAX_RETRIES", "0"}, {"VAULT_TOKEN", " hvs.abc \n"}, {"VAULT_TLS_SERVER_NAME", "vault.local"}};
  const VaultEnv v = read_vault_env(env);
  CHECK(v.addr == "http://vault.example:8200");
  CHECK(v.tls.ca_pem == pem.certificate);
  CHECK_FALSE(v.tls.verify);
  CHECK(v.namespace_ == "team");
  CHECK(v.client_timeout == std::chrono::seconds(30));
  CHECK(v.max_retries == 0);
  CHECK(*v.token == "hvs.abc");
  CHECK(v.tls.server_name == "vault.local");
  env.values["VAULT_CLIENT_TIMEOUT"] = "1m30s";
  CHECK(read_vault_env(env).client_timeout == std::chrono::seconds(90));
}

TEST_CASE("vault_env: VAULT_CAPATH loads every certificate of the folder, and VAULT_CACERT wins") {
  TempDir dir;
  const auto a = sf::testing::make_self_signed("a");
  const auto b = sf::testing::make_self_signed("b");
  dir.write("cas/a.pem", a.certificate);
  dir.write("cas/b.crt", b.certificate);
  dir.write("cas/README", "not a certificate\n");
  FakeEnv env;
  env.values["VAULT_CAPATH"] = dir.file("cas");
  const VaultEnv v = read_vault_env(env);
  CHECK(v.tls.ca_pem == a.certificate + b.certificate);
  CHECK(v.ca_source == "VAULT_CAPATH " + dir.file("cas"));
  env.values["VAULT_CACERT"] = dir.file("cas/a.pem");
  CHECK(read_vault_env(env).tls.ca_pem == a.certificate);
}

TEST_CASE("vault_env: values that do not parse are usage errors naming the variable") {
  TempDir dir;
  const auto check = [](std::map<std::string, std::string> values, const std::string& text) {
    FakeEnv env;
    env.values = std::move(values);
    try {
      read_vault_env(env);
      FAIL("accepted");
    } catch (const sf::UsageError& e) {
      CHECK_THAT(e.what(), Catch::Contains(text));
    }
  };
  check({{"VAULT_SKIP_VERIFY", "yes"}}, "VAULT_SKIP_VERIFY 'yes': could not parse");
  check({{"VAULT_ADDR", "vault:8200"}}, "VAULT_ADDR 'vault:8200' is not an http");
  check({{"VAULT_MAX_RETRIES", "-1"}}, "VAULT_MAX_RETRIES '-1'");
  check({{"VAULT_CLIENT_TIMEOUT", "soon"}}, "VAULT_CLIENT_TIMEOUT");
  check({{"VAULT_CACERT", dir.write("empty.pem", "nothing")}}, "holds no PEM certificate");
  check({{"VAULT_CAPATH", dir.file("nope")}}, "is not a folder");
  check({{"VAULT_CLIENT_CERT", dir.file("c")}}, "go together");
  CHECK_FALSE(parse_go_bool("yes"));
  CHECK(*parse_go_bool("1"));
  CHECK_FALSE(*parse_go_bool("False"));
}

TEST_CASE("vault_env: ~/.vault-token is read trimmed, and absent is nullopt") {
  TempDir dir;
  CHECK_FALSE(read_vault_token_file(dir.path.string()));
  dir.write(".vault-token", "hvs.x\n");
  CHECK(*read_vault_token_file(dir.path.string()) == "hvs.x");
  CHECK_FALSE(read_vault_token_file(""));
}

TEST_CASE("vault_env: a token or namespace with CR, LF or another control character is refused, unquoted") {
  for (const std::string bad : {"hvs.abc\r\nX-Evil: 1", "hvs.a\nb", "hvs.a\x1b[2J", "hvs.\x7f"}) {
    for (const std::string name : {"VAULT_TOKEN", "VAULT_NAMESPACE"}) {
      FakeEnv env;
      env.values = {{name, bad}};
      try {
        (void)read_vault_env(env);
        FAIL("accepted " << name);
      } catch (const sf::UsageError& e) {
        const std::string m = e.what();
        CHECK_THAT(m, Catch::Contains(name) && Catch::Contains("control character") && !Catch::Contains("X-Evil") &&
                          !Catch::Contains("hvs."));
      }
    }
  }
  FakeEnv tab;
  tab.values = {{"VAULT_TOKEN", "hvs.a\tb"}};  // TAB is a valid header byte, as in Go
  CHECK(*read_vault_env(tab).token == "hvs.a\tb");
  TempDir dir;
  dir.write(".vault-token", "hvs.x\r\nX-Evil: 1\n");
  CHECK_THROWS_WITH(read_vault_token_file(dir.path.string()),
                    Catch::Contains("~/.vault-token holds a control character") && !Catch::Contains("X-Evil"));
}

TEST_CASE("vault_env: a VAULT_CLIENT_KEY that does not match VAULT_CLIENT_CERT is named before connecting") {
  TempDir dir;
  const auto one = sf::testing::make_self_signed("one");
  const auto other = sf::testing::make_self_signed("other");
  const std::string cert = dir.write("client.crt", one.certificate);
  const std::string key = dir.write("other.key", other.key);
  FakeEnv env;
  env.values = {{"VAULT_CLIENT_CERT", cert}, {"VAULT_CLIENT_KEY", key}};
  CHECK_THROWS_WITH(read_vault_env(env), Catch::Contains("VAULT_CLIENT_CERT " + cert) &&
                                             Catch::Contains("VAULT_CLIENT_KEY " + key) &&
                                             Catch::Contains("the client key does not match the client certificate"));
  env.values["VAULT_CLIENT_KEY"] = dir.write("client.key", one.key);
  CHECK(read_vault_env(env).tls.client_key_pem == one.key);
}
