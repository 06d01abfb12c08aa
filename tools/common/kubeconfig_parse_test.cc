#include <catch2/catch.hpp>

#include <chrono>

#include "common/kubeconfig.h"
#include "common/testing_files.h"
#include "common/testing_kubeconfig.h"

using namespace sf::kube;
using sf::testing::kind_config;

namespace {

std::string error_of(const std::string& text, const std::string& path = "/k/config") {
  try {
    parse_config(text, path);
  } catch (const KubeconfigError& e) {
    CHECK(e.exit_code() == sf::kExitUsage);
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("kubeconfig parse: kind's file, every field read", "[kubeconfig]") {
  const Config config = parse_config(kind_config(), "/k/config");
  REQUIRE(config.clusters.count("kind-kind") == 1);
  const Cluster& c = config.clusters.at("kind-kind");
  CHECK(c.server == "https://127.0.0.1:40123");
  CHECK(c.certificate_authority_data == sf::testing::test_ca().certificate);
  CHECK(c.has_certificate_authority_data);
  CHECK(c.line == 3);
  const AuthInfo& u = config.users.at("kind-kind");
  CHECK(u.client_key_data == sf::testing::test_client().key);
  CHECK(config.current_context == "kind-kind");
  CHECK(config.current_context_source == "/k/config");
}

// client-go decodes the YAML into typed fields: a value of the wrong JSON type fails the whole
// file (kubectl: "json: cannot unmarshal number into Go struct field ... of type string").
TEST_CASE("kubeconfig parse: values of the wrong type are refused as client-go refuses them", "[kubeconfig]") {
  const std::string head = "users:\n- name: u\n  user:\n";
  CHECK(error_of(head + "    token: 12345\n") ==
        "/k/config:2: users[0] \"u\": user.token must be a string, not a number; YAML reads an unquoted 12345, "
        "true or yes as a number or boolean: quote the value");
  CHECK(error_of("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: \"true\"\n") ==
        "/k/config:2: clusters[0] \"c\": cluster.insecure-skip-tls-verify must be true or false without quotes, "
        "not a string");
  CHECK_THAT(error_of("clusters:\n- name: c\n  cluster:\n    server: yes\n"),
             Catch::Contains("cluster.server must be a string, not a boolean"));
  CHECK_THAT(error_of(head + "    as-groups: [a, 7]\n"), Catch::Contains("user.as-groups must be a list of strings"));
  CHECK_THAT(error_of(head + "    exec: {command: x, args: oops}\n"), Catch::Contains("user.exec.args must be a list"));
  CHECK_THAT(error_of("clusters:\n- name: c\n  cluster: just-a-string\n"), Catch::Contains("cluster must be a map"));
  CHECK_THAT(error_of("current-context: 7\n"), Catch::Contains("current-context must be a string, not a number"));
  CHECK_THAT(error_of("preferences: {colors: maybe}\n"), Catch::Contains("preferences.colors must be true or false"));
  // The message never shows the value: it may be a secret.
  CHECK(error_of(head + "    password: 987654321\n").find("987654321") == std::string::npos);
  // Quoted, the same values are fine; unknown fields are ignored, as in client-go.
  const Config ok = parse_config(head + "    token: \"12345\"\n    Token: ignored\n    colour: blue\n", "/k/config");
  CHECK(ok.users.at("u").token == "12345");
}

TEST_CASE("kubeconfig parse: only apiVersion v1, kind Config (or neither) is a kubeconfig", "[kubeconfig]") {
  CHECK(error_of("apiVersion: v2\nkind: Config\n") ==
        "/k/config: apiVersion \"v2\" kind \"Config\" is not a kubeconfig (no kind \"Config\" is registered for "
        "version \"v2\"); a kubeconfig has apiVersion: v1 and kind: Config");
  CHECK_THAT(error_of("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"),
             Catch::Contains("no kind \"Pod\" is registered for version \"v1\""));
  CHECK_THAT(error_of("apiVersion: 1\n"), Catch::Contains("apiVersion must be a string"));
  CHECK(parse_config("apiVersion: v1\nkind: Config\n", "/k/config").empty());
  CHECK(parse_config("clusters: []\n", "/k/config").empty());  // neither given: v1 Config
}

TEST_CASE("kubeconfig parse: a key given twice takes its last value, as client-go", "[kubeconfig]") {
  const Config c = parse_config(
      "users:\n- name: u\n  user:\n    token: first\n    token: last\ncurrent-context: a\ncurrent-context: b\n",
      "/k/config");
  CHECK(c.users.at("u").token == "last");
  CHECK(c.current_context == "b");
}

TEST_CASE("kubeconfig parse: the exec extension keeps integers integers", "[kubeconfig]") {
  const Config c = parse_config(
      "clusters:\n- name: c\n  cluster:\n    server: https://h\n    extensions:\n"
      "    - name: client.authentication.k8s.io/exec\n      extension: {port: 8080, ratio: 8080.0, on: yes, x: '8080'}\n"
      "    - name: other\n      extension: {ignored: true}\n",
      "/k/config");
  CHECK(c.clusters.at("c").exec_extension_json == R"({"port":8080,"ratio":8080,"true":true,"x":"8080"})");
  CHECK_THAT(error_of("clusters:\n- name: c\n  cluster:\n    extensions:\n    - {name: e, extension: 1}\n"
                      "    - {name: e, extension: 2}\n"),
             Catch::Contains("duplicate name \"e\""));
}

TEST_CASE("kubeconfig parse: errors name file, line and field", "[kubeconfig]") {
  CHECK_THAT(error_of("users:\n- name: u\n  user:\n    client-key-data: bm90IGJhc2U2NC=*\n"),
             Catch::Contains("/k/config:2: users[0] \"u\": user.client-key-data is not valid base64"));
  CHECK_THAT(error_of("clusters:\n- name: c\n  cluster:\n    server: [a, b]\n"),
             Catch::Contains("clusters[0] \"c\": cluster.server must be a string"));
  CHECK_THAT(error_of("contexts:\n- name: a\n  context: {}\n- name: a\n  context: {}\n"),
             Catch::Contains("/k/config:4: contexts[1] \"a\": duplicate name \"a\""));
  CHECK_THAT(error_of("- just\n- a list\n"), Catch::Contains("a kubeconfig is a YAML map") && Catch::Contains("a list"));
  CHECK_THAT(error_of("clusters: {a: b}\n"), Catch::Contains("clusters must be a list"));
  CHECK_THAT(error_of("clusters:\n- name: c\n  cluster: {server: .inf}\n"),
             Catch::Contains("/k/config:3:") && Catch::Contains("which JSON cannot hold"));
  try {
    parse_config("clusters:\n- name: c\n  cluster: {server: \"https://", "/k/config");
    FAIL("no error");
  } catch (const KubeconfigError& e) {
    CHECK(e.transient());
    CHECK_THAT(e.what(), Catch::Contains("/k/config:3:") && Catch::Contains("not valid YAML"));
  }
  CHECK(parse_config("", "/k/config").empty());
  CHECK(parse_config("# nothing yet\n", "/k/config").empty());
  CHECK(parse_config("\n\n", "/k/config").empty());
}

TEST_CASE("kubeconfig parse: YAML aliases cannot blow up the file", "[kubeconfig]") {
  std::string text = "clusters:\n- name: c\n  cluster:\n    server: https://h\n    extensions:\n"
                     "    - name: client.authentication.k8s.io/exec\n      extension:\n"
                     "        l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    text += "        l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *l" : "*l") + std::to_string(i - 1);
    text += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  CHECK_THAT(error_of(text, "/k/bomb"), Catch::Contains("/k/bomb:") && Catch::Contains("YAML aliases"));  // 10^9 leaves
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("kubeconfig parse: relative paths resolve against the file's folder", "[kubeconfig]") {
  const Config c = parse_config(
      "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority: pki/ca.crt}\n"
      "users:\n- name: u\n  user: {tokenFile: ../t, client-certificate: /abs/c.crt}\n"
      "- name: e\n  user:\n    exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1beta1}\n"
      "- name: p\n  user:\n    exec: {command: plugin-in-path}\n",
      "/k/sub/config");
  CHECK(c.clusters.at("c").certificate_authority == "/k/sub/pki/ca.crt");
  CHECK(c.users.at("u").token_file == "/k/t");
  CHECK(c.users.at("u").client_certificate == "/abs/c.crt");
  CHECK(c.users.at("e").exec->command == "/k/sub/bin/plugin");
  CHECK(c.users.at("e").exec->interactive_mode == "IfAvailable");  // v1beta1's default
  CHECK(c.users.at("p").exec->command == "plugin-in-path");
  CHECK(c.users.at("p").exec->interactive_mode.empty());
}
