#include "common/exec_credential.h"

#include <unistd.h>

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>

#include "common/testing_files.h"
#include "common/testing_kubeconfig.h"

using namespace sf::kube;
using sf::base64_encode;
using sf::Deadline;
using sf::testing::TempDir;
using sf::testing::test_ca;
using sf::testing::test_client;
using std::chrono::milliseconds;

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out.push_back(c);
  }
  return out + "\"";
}

std::string credential(const std::string& status, const std::string& version = "client.authentication.k8s.io/v1") {
  return R"({"apiVersion":")" + version + R"(","kind":"ExecCredential","status":)" + status + "}";
}

Deadline soon(milliseconds ms = milliseconds(10'000)) { return Deadline::after(ms, "the test's deadline"); }

}  // namespace

TEST_CASE("exec credentials: parsing with client-go's checks", "[exec]") {
  ExecConfig v1;
  v1.command = "plugin";
  v1.api_version = "client.authentication.k8s.io/v1";
  const auto cred = parse_exec_credential(credential(R"({"token":"tok","expirationTimestamp":"2030-01-01T00:00:00Z"})"), v1, "p");
  CHECK(cred.token == "tok");
  CHECK(cred.expiration.has_value());
  const auto pair = parse_exec_credential(
      credential("{\"clientCertificateData\":" + json_string(test_client().certificate) +
                 ",\"clientKeyData\":" + json_string(test_client().key) + "}"),
      v1, "p");
  CHECK(pair.client_cert_pem == test_client().certificate);  // plain PEM, not base64
  CHECK(pair.client_key_pem == test_client().key);
  auto error_of = [&](const std::string& output) -> std::string {
    try {
      parse_exec_credential(output, v1, "p");
    } catch (const ExecPluginError& e) {
      CHECK(e.kind() == ExecPluginError::Kind::kBadOutput);
      CHECK(e.exit_code() == sf::kExitUsage);
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of(credential(R"({"token":"t"})", "client.authentication.k8s.io/v1beta1")),
             Catch::Contains("exec plugin is configured to use API version client.authentication.k8s.io/v1, "
                             "plugin returned version client.authentication.k8s.io/v1beta1"));
  CHECK_THAT(error_of(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})"),
             Catch::Contains("exec plugin didn't return a status field"));
  CHECK_THAT(error_of(credential("{}")), Catch::Contains("exec plugin didn't return a token or cert/key pair"));
  CHECK_THAT(error_of(credential(R"({"clientKeyData":"k"})")),
             Catch::Contains("exec plugin returned only certificate or key, not both"));
  CHECK_THAT(error_of("not json"), Catch::Contains("decoding stdout"));
  // A token that would add HTTP headers is refused, never shown.
  const std::string injected = error_of(credential(R"({"token":"s3cret\r\nX-Evil: 1"})"));
  CHECK_THAT(injected, Catch::Contains("holds a control character"));
  CHECK(injected.find("s3cret") == std::string::npos);
  // A certificate and a key that are not a pair are refused here, not by the server later.
  const auto other = sf::testing::make_self_signed("other");
  CHECK_THAT(error_of(credential("{\"clientCertificateData\":" + json_string(test_client().certificate) +
                                 ",\"clientKeyData\":" + json_string(other.key) + "}")),
             Catch::Contains("does not match the client certificate"));
}

TEST_CASE("exec credentials: running a plugin", "[exec]") {
  TempDir dir;
  dir.write("bin/cert.pem", test_client().certificate);
  dir.write("bin/key.pem", test_client().key);
  // The plugin records its environment and arguments, then prints a credential.
  const std::string script = dir.write("bin/kubectl-auth", R"(#!/bin/sh
d=$(dirname "$0")
printf '%s\n' "$KUBERNETES_EXEC_INFO" > "$d/info.json"
printf '%s|%s|%s\n' "$1" "$2" "$PLUGIN_MODE" > "$d/args.txt"
case "$PLUGIN_MODE" in
  fail) echo "no credentials for you" >&2; exit 3 ;;
  hang) sleep 30 ;;
  cert) python3 -c 'import json,sys; print(json.dumps({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":open(sys.argv[1]).read(),"clientKeyData":open(sys.argv[2]).read()}}))' "$d/cert.pem" "$d/key.pem" ;;
  *) printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"plugin-token"}}' ;;
esac
)", 0755);
  const std::string text = "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                           "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
                           "    certificate-authority-data: " + base64_encode(test_ca().certificate) + "\n"
                           "    extensions:\n    - name: client.authentication.k8s.io/exec\n"
                           "      extension: {audience: kind, port: 8080, ratio: 0.5}\n"
                           "users:\n- name: u\n  user:\n    exec:\n"
                           "      command: ./bin/kubectl-auth\n"
                           "      args: [get-token, --fast]\n"
                           "      env: [{name: PLUGIN_MODE, value: token}]\n"
                           "      apiVersion: client.authentication.k8s.io/v1\n"
                           "      interactiveMode: Never\n"
                           "      provideClusterInfo: true\n"
                           "      installHint: install it with apt-get install kubectl-auth\n";
  const RestConfig rest = resolve(parse_config(text, dir.write("config", text)), "");
  REQUIRE(rest.exec);
  CHECK(rest.exec->command == script);  // relative command with '/' resolved against the file
  const ExecCredential cred = run_exec_plugin(*rest.exec, rest, soon());
  CHECK(cred.token == "plugin-token");
  std::ifstream args_file(dir.file("bin/args.txt"));
  std::string args;
  std::getline(args_file, args);
  CHECK(args == "get-token|--fast|token");
  std::ifstream info_file(dir.file("bin/info.json"));
  std::string info;
  std::getline(info_file, info);
  rapidjson::Document doc;
  doc.Parse(info.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["kind"].GetString()) == "ExecCredential");
  CHECK(std::string(doc["apiVersion"].GetString()) == "client.authentication.k8s.io/v1");
  CHECK(doc["spec"]["interactive"].IsFalse());
  CHECK(std::string(doc["spec"]["cluster"]["server"].GetString()) == "https://127.0.0.1:6443");
  CHECK(std::string(doc["spec"]["cluster"]["certificate-authority-data"].GetString()) ==
        base64_encode(test_ca().certificate));
  // The extension reaches the plugin as Go writes it: 8080 stays an integer (not 8080.0).
  CHECK_THAT(info, Catch::Contains(R"("config":{"audience":"kind","port":8080,"ratio":0.5})"));

  ExecConfig e = *rest.exec;
  e.env = {{"PLUGIN_MODE", "cert"}};
  e.api_version = "client.authentication.k8s.io/v1beta1";
  const ExecCredential pair = run_exec_plugin(e, rest, soon());
  CHECK(pair.client_cert_pem == test_client().certificate);
  CHECK(pair.token.empty());

  e = *rest.exec;
  e.env = {{"PLUGIN_MODE", "fail"}};
  CHECK_THROWS_WITH(run_exec_plugin(e, rest, soon()), Catch::Contains("failed with exit code 3"));

  e.env = {{"PLUGIN_MODE", "hang"}};
  const auto start = std::chrono::steady_clock::now();
  try {
    run_exec_plugin(e, rest, soon(milliseconds(300)));
    FAIL("the hanging plugin returned");
  } catch (const ExecPluginError& error) {
    CHECK(error.kind() == ExecPluginError::Kind::kTimedOut);
    CHECK(error.exit_code() == sf::kExitFailed);
    CHECK_THAT(error.what(), Catch::Contains("exec plugin \"" + script + "\"") &&
                                 Catch::Contains("did not return a credential within the test's deadline") &&
                                 Catch::Contains("install it with apt-get"));
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));

  e.command = "sf-no-such-credential-plugin";
  CHECK_THROWS_WITH(run_exec_plugin(e, rest, soon()),
                    Catch::Contains("exec: executable sf-no-such-credential-plugin not found") &&
                        Catch::Contains("install it with apt-get install kubectl-auth"));

  e.interactive_mode = "Always";
  if (!isatty(STDIN_FILENO))
    CHECK_THROWS_WITH(run_exec_plugin(e, rest, soon()), Catch::Contains("standard input is not a terminal"));
}
