#include "common/kubeconfig.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using namespace sf::kube;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kubeconfig-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text, int mode = 0600) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p.string();
  }
};

// Back-dates a file so the "being written right now" retry does not apply.
void make_old(const std::string& path) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::minutes(5));
}

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n";
// Written in pieces so that no tracked file holds a private-key header (fake keys included).
const std::string kKeyPem = "-----BEGIN RSA " "PRIVATE KEY-----\nMIIEsecretkey\n-----END RSA " "PRIVATE KEY-----\n";

// What kind writes: one cluster, user and context named kind-<name>, all credentials inline.
std::string kind_config(const std::string& name = "kind", const std::string& server = "https://127.0.0.1:40123") {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority-data: " + base64_encode(kCaPem) + "\n"
         "    server: " + server + "\n"
         "  name: kind-" + name + "\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: kind-" + name + "\n"
         "    user: kind-" + name + "\n"
         "  name: kind-" + name + "\n"
         "current-context: kind-" + name + "\n"
         "kind: Config\n"
         "users:\n"
         "- name: kind-" + name + "\n"
         "  user:\n"
         "    client-certificate-data: " + base64_encode(kCertPem) + "\n"
         "    client-key-data: " + base64_encode(kKeyPem) + "\n";
}

// client-go's loader_test.go Example_mergingSomeWithConflict, written here as two files.
const std::string kFirst = R"(apiVersion: v1
kind: Config
clusters:
- name: cow-cluster
  cluster:
    server: http://cow.org:8080
contexts:
- name: federal-context
  context:
    cluster: cow-cluster
    namespace: hammer-ns
    user: red-user
current-context: ""
users:
- name: red-user
  user:
    token: red-token
)";
const std::string kSecond = R"(apiVersion: v1
kind: Config
clusters:
- name: cow-cluster
  cluster:
    server: http://a-different-cow.org:8080
    insecure-skip-tls-verify: true
    disable-compression: true
- name: donkey-cluster
  cluster:
    server: http://donkey.org:8080
    insecure-skip-tls-verify: true
    disable-compression: true
contexts: []
current-context: federal-context
users:
- name: red-user
  user:
    token: a-different-red-token
- name: yellow-user
  user:
    token: yellow-token
)";

LoadOptions env_options(const std::string& kubeconfig_env, const std::string& home = "/nonexistent-home") {
  LoadOptions o;
  o.kubeconfig_env = kubeconfig_env;
  o.home = home;
  o.allow_in_cluster = false;
  o.settle = std::chrono::milliseconds(1500);
  return o;
}

}  // namespace

TEST_CASE("kubeconfig: kind's file resolves to inline PEM blobs", "[kubeconfig]") {
  TempDir dir;
  const std::string path = dir.write("config", kind_config());
  const Config config = parse_config(kind_config(), path);
  REQUIRE(config.clusters.count("kind-kind") == 1);
  const RestConfig rest = resolve(config, "");
  CHECK(rest.server == "https://127.0.0.1:40123");
  CHECK(rest.context_name == "kind-kind");
  CHECK(rest.namespace_ == "default");
  CHECK(rest.https());
  CHECK(rest.tls.verify);
  CHECK(rest.tls.ca_pem == kCaPem);
  CHECK(rest.tls.ca_file.empty());
  CHECK(rest.tls.client_cert_pem == kCertPem);
  CHECK(rest.tls.client_key_pem == kKeyPem);
  CHECK(rest.ca_source.find("certificate-authority-data of cluster \"kind-kind\"") != std::string::npos);
  CHECK(rest.bearer_token.empty());
  CHECK_FALSE(rest.exec);
}

TEST_CASE("kubeconfig: file credentials resolve against the defining file's folder", "[kubeconfig]") {
  TempDir dir;
  dir.write("pki/ca.crt", kCaPem);
  dir.write("pki/admin.crt", kCertPem);
  dir.write("pki/admin.key", kKeyPem);
  dir.write("pki/token", "  file-token-value\n");
  const std::string text = R"(clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443/prefix/
    certificate-authority: pki/ca.crt
    tls-server-name: kubernetes.default
users:
- name: u
  user:
    client-certificate: pki/admin.crt
    client-key: ./pki/admin.key
- name: t
  user:
    tokenFile: pki/token
contexts:
- name: cert
  context: {cluster: c, user: u, namespace: argocd}
- name: tok
  context: {cluster: c, user: t}
current-context: cert
)";
  const std::string path = dir.write("sub/../kubeconfig.yaml", text);
  const Config config = parse_config(text, path);
  const RestConfig rest = resolve(config, "");
  CHECK(rest.server == "https://10.0.0.1:6443/prefix");
  CHECK(rest.namespace_ == "argocd");
  CHECK(rest.tls.ca_file == (dir.path / "pki/ca.crt").string());
  CHECK(rest.tls.server_name == "kubernetes.default");
  CHECK(rest.tls.client_cert_file == (dir.path / "pki/admin.crt").string());
  CHECK(rest.tls.client_key_file == (dir.path / "pki/admin.key").string());
  CHECK(rest.ca_source.find("certificate-authority file") != std::string::npos);

  const RestConfig tok = resolve(config, "tok");
  CHECK(tok.bearer_token == "file-token-value");
  CHECK(tok.token_file == (dir.path / "pki/token").string());
}

TEST_CASE("kubeconfig: client-go's merge example, first file wins per entry", "[kubeconfig]") {
  TempDir dir;
  const std::string first = dir.write("1-first.yaml", kFirst);
  const std::string second = dir.write("2-second.yaml", kSecond);
  const Config merged = load_config(env_options(first + ":" + second + ":" + first));
  // Expected result of Example_mergingSomeWithConflict.
  CHECK(merged.current_context == "federal-context");
  CHECK(merged.current_context_source == second);
  REQUIRE(merged.clusters.size() == 2);
  const Cluster& cow = merged.clusters.at("cow-cluster");
  CHECK(cow.server == "http://cow.org:8080");
  CHECK_FALSE(cow.insecure_skip_tls_verify);  // not taken from the second file's cow-cluster
  CHECK_FALSE(cow.disable_compression);
  const Cluster& donkey = merged.clusters.at("donkey-cluster");
  CHECK(donkey.server == "http://donkey.org:8080");
  CHECK(donkey.insecure_skip_tls_verify);
  CHECK(donkey.disable_compression);
  REQUIRE(merged.contexts.size() == 1);
  CHECK(merged.contexts.at("federal-context").namespace_ == "hammer-ns");
  CHECK(merged.contexts.at("federal-context").user == "red-user");
  REQUIRE(merged.users.size() == 2);
  CHECK(merged.users.at("red-user").token == "red-token");
  CHECK(merged.users.at("yellow-user").token == "yellow-token");
  CHECK(merged.files == std::vector<std::string>{first, second});

  const RestConfig rest = resolve(merged, "");
  CHECK(rest.server == "http://cow.org:8080");
  CHECK(rest.namespace_ == "hammer-ns");
  CHECK(rest.bearer_token.empty());  // plain http: credentials are not sent
}

TEST_CASE("kubeconfig: which files are read", "[kubeconfig]") {
  LoadOptions o = env_options("/a:/b::/a:/c", "/home/me");
  CHECK(kubeconfig_paths(o) == std::vector<std::string>{"/a", "/b", "/c"});
  o.kubeconfig_env = "";
  CHECK(kubeconfig_paths(o) == std::vector<std::string>{"/home/me/.kube/config"});
  o.explicit_path = "/x/y";
  CHECK(kubeconfig_paths(o) == std::vector<std::string>{"/x/y"});

  TempDir dir;
  const std::string real = dir.write("real", kind_config());
  // Missing files in KUBECONFIG are skipped.
  const Config c = load_config(env_options((dir.path / "missing").string() + ":" + real));
  CHECK(c.contexts.count("kind-kind") == 1);
  // --kubeconfig must exist.
  LoadOptions explicit_missing = env_options("");
  explicit_missing.explicit_path = (dir.path / "missing").string();
  CHECK_THROWS_WITH(load_config(explicit_missing), Catch::Contains("--kubeconfig") && Catch::Contains("no such file"));
  // --kubeconfig reads exactly one file, ignoring KUBECONFIG.
  LoadOptions explicit_real = env_options((dir.path / "missing").string());
  explicit_real.explicit_path = real;
  CHECK(load_rest_config(explicit_real).context_name == "kind-kind");
}

TEST_CASE("kubeconfig: contexts", "[kubeconfig]") {
  TempDir dir;
  std::string two = kind_config("one");
  const Config a = parse_config(two, dir.write("a", two));
  Config both = a;
  merge_into(both, parse_config(kind_config("two", "https://127.0.0.1:5000"), dir.write("b", kind_config("two"))));
  CHECK(resolve(both, "").context_name == "kind-one");
  CHECK(resolve(both, "kind-two").server == "https://127.0.0.1:5000");
  CHECK_THROWS_WITH(resolve(both, "kind-three"), Catch::Contains("context \"kind-three\" does not exist") &&
                                                     Catch::Contains("\"kind-one\", \"kind-two\""));
  Config no_current = both;
  no_current.current_context.clear();
  CHECK_THROWS_WITH(resolve(no_current, ""), Catch::Contains("no current-context is set"));
  Config dangling = both;
  dangling.current_context = "gone";
  CHECK_THROWS_WITH(resolve(dangling, ""), Catch::Contains("context was not found for specified context: gone"));
}

TEST_CASE("kubeconfig: invalid configurations get client-go's messages with file and field", "[kubeconfig]") {
  TempDir dir;
  auto check = [&](const std::string& text, const std::string& expected, const std::string& context = "") {
    const std::string path = dir.write("bad", text);
    INFO(text);
    try {
      resolve(parse_config(text, path), context);
      FAIL("no error");
    } catch (const KubeconfigError& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Catch::Contains(expected));
      CHECK_THAT(what, Catch::Contains(path));
      CHECK(e.exit_code() == sf::kExitUsage);
      CHECK(what.find("s3cret") == std::string::npos);  // secrets never in messages
    }
  };
  const std::string head = "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n";
  check(head + "clusters:\n- name: c\n  cluster:\n    server: https://h\n    certificate-authority-data: " +
            base64_encode(kCaPem) + "\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user: {token: s3cret}\n",
        "specifying a root certificates file with the insecure flag is not allowed");
  check(head + "clusters:\n- name: c\n  cluster:\n    server: https://h\nusers:\n- name: u\n  user:\n"
               "    client-certificate-data: " + base64_encode(kCertPem) + "\n",
        "client-key-data or client-key must be specified for u to use the clientCert authentication method.");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h}\nusers:\n- name: u\n"
               "  user: {token: s3cret, username: admin, password: s3cret}\n",
        "more than one authentication method found for u; found [token basicAuth], only one is allowed");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority: /nonexistent/ca.crt}\n"
               "users:\n- name: u\n  user: {token: s3cret}\n",
        "unable to read certificate-authority /nonexistent/ca.crt for c due to No such file or directory");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority: /etc/hostname, "
               "certificate-authority-data: " + base64_encode(kCaPem) + "}\nusers:\n- name: u\n  user: {}\n",
        "certificate-authority-data and certificate-authority are both specified for c");
  check(head + "clusters:\n- name: c\n  cluster: {}\nusers:\n- name: u\n  user: {}\n",
        "no server found for cluster \"c\"");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h}\nusers: []\n",
        "user \"u\" was not found for context \"x\"");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h}\nusers:\n- name: u\n  user:\n"
               "    exec: {command: x, apiVersion: client.authentication.k8s.io/v1}\n",
        "interactiveMode must be specified for u to use exec authentication plugin");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h}\nusers:\n- name: u\n  user:\n"
               "    exec: {command: x, apiVersion: client.authentication.k8s.io/v2, interactiveMode: Never}\n",
        "invalid apiVersion \"client.authentication.k8s.io/v2\"");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h}\nusers:\n- name: u\n  user:\n"
               "    auth-provider: {name: oidc}\n",
        "auth-provider \"oidc\" is not supported");
  check(head + "clusters:\n- name: c\n  cluster: {server: https://h}\nusers:\n- name: u\n  user: {tokenFile: /nonexistent}\n",
        "tokenFile /nonexistent: cannot read it");
}

TEST_CASE("kubeconfig: parse errors name file, line and field", "[kubeconfig]") {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      parse_config(text, "/k/config");
    } catch (const KubeconfigError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of("users:\n- name: u\n  user:\n    client-key-data: bm90IGJhc2U2NC=*\n"),
             Catch::Contains("/k/config:2: users[0] \"u\": user.client-key-data is not valid base64"));
  CHECK_THAT(error_of("clusters:\n- name: c\n  cluster:\n    server: [a, b]\n"),
             Catch::Contains("clusters[0] \"c\": cluster.server must be a string"));
  CHECK_THAT(error_of("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: maybe\n"),
             Catch::Contains("cluster.insecure-skip-tls-verify must be true or false"));
  CHECK_THAT(error_of("contexts:\n- name: a\n  context: {}\n- name: a\n  context: {}\n"),
             Catch::Contains("/k/config:4: contexts[1] \"a\": duplicate name \"a\""));
  CHECK_THAT(error_of("- just\n- a list\n"), Catch::Contains("a kubeconfig is a YAML map"));
  CHECK_THAT(error_of("clusters: {a: b}\n"), Catch::Contains("clusters must be a list"));
  try {
    parse_config("clusters:\n- name: c\n  cluster: {server: \"https://", "/k/config");
    FAIL("no error");
  } catch (const KubeconfigError& e) {
    CHECK(e.transient());
    CHECK_THAT(e.what(), Catch::Contains("/k/config:3:") && Catch::Contains("not valid YAML"));
  }
  CHECK(parse_config("", "/k/config").empty());
  CHECK(parse_config("# nothing yet\n", "/k/config").empty());
}

TEST_CASE("kubeconfig: YAML aliases cannot blow up an extension", "[kubeconfig]") {
  std::string text = "clusters:\n- name: c\n  cluster:\n    server: https://h\n    extensions:\n"
                     "    - name: client.authentication.k8s.io/exec\n      extension:\n"
                     "        l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    text += "        l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *l" : "*l") + std::to_string(i - 1);
    text += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const Config c = parse_config(text, "/k/bomb");  // 10^9 leaves if expanded
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(c.clusters.at("c").exec_extension_json.size() < 200'000);
}

TEST_CASE("kubeconfig: a file being written is waited for, a bad old file fails at once", "[kubeconfig]") {
  TempDir dir;
  const std::string path = (dir.path / "config").string();
  LoadOptions o = env_options(path);
  o.settle = std::chrono::seconds(5);

  SECTION("kind's lock file") {
    dir.write("config.lock", "");
    dir.write("config", kind_config().substr(0, 120));  // half written
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      dir.write("config", kind_config());
      fs::remove(path + ".lock");
    });
    const auto start = std::chrono::steady_clock::now();
    const RestConfig rest = load_rest_config(o);
    writer.join();
    CHECK(rest.context_name == "kind-kind");
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(250));
  }
  SECTION("half-written file without a lock, then complete") {
    dir.write("config", kind_config().substr(0, 200));
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      dir.write("config", kind_config());
    });
    const RestConfig rest = load_rest_config(o);
    writer.join();
    CHECK(rest.context_name == "kind-kind");
  }
  SECTION("an old broken file is reported right away") {
    dir.write("config", "clusters: [\n");
    make_old(path);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(load_rest_config(o), Catch::Contains("not valid YAML"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));
  }
  SECTION("a stale lock is reported after the settle time") {
    dir.write("config", kind_config());
    dir.write("config.lock", "");
    o.settle = std::chrono::milliseconds(300);
    CHECK_THROWS_WITH(load_rest_config(o), Catch::Contains("still locked by " + path + ".lock"));
  }
  SECTION("no kubeconfig at all") {
    CHECK_THROWS_WITH(load_rest_config(o), Catch::Contains("no kubeconfig found"));
  }
}

TEST_CASE("exec credentials: parsing with client-go's checks", "[kubeconfig][exec]") {
  ExecConfig v1;
  v1.command = "plugin";
  v1.api_version = "client.authentication.k8s.io/v1";
  const auto cred = parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok","expirationTimestamp":"2030-01-01T00:00:00Z"}})",
      v1, "p");
  CHECK(cred.token == "tok");
  REQUIRE(cred.expiration);
  CHECK(sf::format_rfc3339(*cred.expiration) == "2030-01-01T00:00:00Z");
  const auto pair = parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n","clientKeyData":"-----BEGIN EC )" R"(PRIVATE KEY-----\ny\n-----END EC )" R"(PRIVATE KEY-----\n"}})",
      v1, "p");
  CHECK(pair.client_cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);  // plain PEM, not base64
  CHECK(pair.client_key_pem.rfind("-----BEGIN EC " "PRIVATE KEY-----", 0) == 0);
  CHECK_THROWS_WITH(parse_exec_credential(R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}})", v1, "p"),
                    Catch::Contains("exec plugin is configured to use API version client.authentication.k8s.io/v1, "
                                    "plugin returned version client.authentication.k8s.io/v1beta1"));
  CHECK_THROWS_WITH(parse_exec_credential(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})", v1, "p"),
                    Catch::Contains("exec plugin didn't return a status field"));
  CHECK_THROWS_WITH(parse_exec_credential(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})", v1, "p"),
                    Catch::Contains("exec plugin didn't return a token or cert/key pair"));
  CHECK_THROWS_WITH(parse_exec_credential(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientKeyData":"k"}})", v1, "p"),
                    Catch::Contains("exec plugin returned only certificate or key, not both"));
  CHECK_THROWS_WITH(parse_exec_credential("not json", v1, "p"), Catch::Contains("decoding stdout"));
}

TEST_CASE("exec credentials: running a plugin", "[kubeconfig][exec]") {
  TempDir dir;
  // The plugin records its environment and arguments, then prints a credential.
  const std::string script = dir.write("bin/kubectl-auth", R"(#!/bin/sh
printf '%s\n' "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/info.json"
printf '%s|%s|%s\n' "$1" "$2" "$PLUGIN_MODE" > "$(dirname "$0")/args.txt"
case "$PLUGIN_MODE" in
  fail) echo "no credentials for you" >&2; exit 3 ;;
  hang) sleep 30 ;;
  cert) printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----\\nA\\n-----END CERTIFICATE-----\\n","clientKeyData":"-----BEGIN )" R"(PRIVATE KEY-----\\nB\\n-----END )" R"(PRIVATE KEY-----\\n"}}' ;;
  *) printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"plugin-token"}}' ;;
esac
)", 0755);
  const std::string text = "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                           "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
                           "    certificate-authority-data: " + base64_encode(kCaPem) + "\n"
                           "    extensions:\n    - name: client.authentication.k8s.io/exec\n"
                           "      extension: {audience: kind, n: 3}\n"
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
  const ExecCredential cred = run_exec_plugin(*rest.exec, rest);
  CHECK(cred.token == "plugin-token");
  std::ifstream args_file(dir.path / "bin/args.txt");
  std::string args;
  std::getline(args_file, args);
  CHECK(args == "get-token|--fast|token");
  std::ifstream info_file(dir.path / "bin/info.json");
  std::string info;
  std::getline(info_file, info);
  CHECK_THAT(info, Catch::Contains(R"("kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1")"));
  CHECK_THAT(info, Catch::Contains(R"("interactive":false)"));
  CHECK_THAT(info, Catch::Contains(R"("server":"https://127.0.0.1:6443")"));
  CHECK_THAT(info, Catch::Contains("\"certificate-authority-data\":\"" + base64_encode(kCaPem) + "\""));
  CHECK_THAT(info, Catch::Contains(R"("config":{"audience":"kind","n":3)"));

  ExecConfig e = *rest.exec;
  e.env = {{"PLUGIN_MODE", "cert"}};
  e.api_version = "client.authentication.k8s.io/v1beta1";
  const ExecCredential pair = run_exec_plugin(e, rest);
  CHECK(pair.client_cert_pem == "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n");
  CHECK(pair.token.empty());

  e = *rest.exec;
  e.env = {{"PLUGIN_MODE", "fail"}};
  CHECK_THROWS_WITH(run_exec_plugin(e, rest), Catch::Contains("failed with exit code 3"));

  e.env = {{"PLUGIN_MODE", "hang"}};
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(run_exec_plugin(e, rest, std::chrono::milliseconds(300)),
                    Catch::Contains("did not finish within") && Catch::Contains("install it with apt-get"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

  e.command = "sf-no-such-credential-plugin";
  CHECK_THROWS_WITH(run_exec_plugin(e, rest), Catch::Contains("exec: executable sf-no-such-credential-plugin not found") &&
                                                  Catch::Contains("install it with apt-get install kubectl-auth"));

  e.interactive_mode = "Always";
  if (!isatty(STDIN_FILENO))
    CHECK_THROWS_WITH(run_exec_plugin(e, rest), Catch::Contains("standard input is not a terminal"));
}

TEST_CASE("in-cluster service account fallback", "[kubeconfig]") {
  TempDir dir;
  dir.write("sa/token", "sa-token\n");
  dir.write("sa/ca.crt", kCaPem);
  dir.write("sa/namespace", "cost\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  LoadOptions o = env_options((dir.path / "none").string());
  o.allow_in_cluster = true;
  o.in_cluster_root = (dir.path / "sa").string();
  const RestConfig rest = load_rest_config(o);
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  CHECK(rest.server == "https://10.96.0.1:443");
  CHECK(rest.bearer_token == "sa-token");
  CHECK(rest.namespace_ == "cost");
  CHECK(rest.tls.ca_file == (dir.path / "sa/ca.crt").string());
}
