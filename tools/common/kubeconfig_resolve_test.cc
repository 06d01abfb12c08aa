#include <catch2/catch.hpp>

#include "common/kubeconfig.h"
#include "common/testing_files.h"
#include "common/testing_kubeconfig.h"

using namespace sf::kube;
using sf::base64_encode;
using sf::testing::kind_config;
using sf::testing::one_context;
using sf::testing::TempDir;
using sf::testing::test_ca;
using sf::testing::test_client;

namespace {

RestConfig resolve_text(const TempDir& dir, const std::string& text, const std::string& context = "") {
  return resolve(parse_config(text, dir.write("config", text)), context);
}

std::string error_of(const TempDir& dir, const std::string& text, const std::string& context = "") {
  try {
    resolve_text(dir, text, context);
  } catch (const KubeconfigError& e) {
    CHECK(e.exit_code() == sf::kExitUsage);
    return e.what();
  }
  return "no error";
}

const std::string kCaData = "certificate-authority-data: " + base64_encode(test_ca().certificate);

}  // namespace

TEST_CASE("kubeconfig resolve: kind's file gives inline PEM blobs", "[kubeconfig]") {
  TempDir dir;
  const RestConfig rest = resolve_text(dir, kind_config());
  CHECK(rest.server == "https://127.0.0.1:40123");
  CHECK(rest.context_name == "kind-kind");
  CHECK(rest.namespace_ == "default");
  CHECK(rest.https());
  CHECK(rest.tls.verify);
  CHECK(rest.tls.ca_pem == test_ca().certificate);
  CHECK(rest.tls.ca_file.empty());
  CHECK(rest.tls.client_cert_pem == test_client().certificate);
  CHECK(rest.tls.client_key_pem == test_client().key);
  CHECK(rest.ca_source.find("certificate-authority-data of cluster \"kind-kind\"") != std::string::npos);
  CHECK(rest.user_where == "user \"kind-kind\" in " + dir.file("config"));
  CHECK(rest.bearer_token.empty());
  CHECK_FALSE(rest.exec);
}

TEST_CASE("kubeconfig resolve: file credentials resolve against the defining file's folder", "[kubeconfig]") {
  TempDir dir;
  dir.write("pki/ca.crt", test_ca().certificate);
  dir.write("pki/admin.crt", test_client().certificate);
  dir.write("pki/admin.key", test_client().key);
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
  CHECK(rest.tls.ca_file == dir.file("pki/ca.crt"));
  CHECK(rest.tls.server_name == "kubernetes.default");
  CHECK(rest.tls.client_cert_file == dir.file("pki/admin.crt"));
  CHECK(rest.tls.client_key_file == dir.file("pki/admin.key"));
  CHECK(rest.ca_source.find("certificate-authority file") != std::string::npos);

  const RestConfig tok = resolve(config, "tok");
  CHECK(tok.bearer_token == "file-token-value");
  CHECK(tok.token_file == dir.file("pki/token"));
}

TEST_CASE("kubeconfig resolve: with both token and tokenFile, the file's token is sent (client-go)", "[kubeconfig]") {
  TempDir dir;
  const std::string file = dir.write("token", "from-the-file \n");
  RestConfig rest = resolve_text(dir, one_context("{server: https://h, " + kCaData + "}",
                                                  "{token: inline-token, tokenFile: " + file + "}"));
  CHECK(rest.bearer_token == "from-the-file");
  CHECK(rest.token_file == file);
  // An unreadable file falls back to the inline token, as client-go's round tripper does.
  rest = resolve_text(dir, one_context("{server: https://h, " + kCaData + "}",
                                       "{token: inline-token, tokenFile: " + dir.file("gone") + "}"));
  CHECK(rest.bearer_token == "inline-token");
  // Only a tokenFile that cannot be read is an error.
  CHECK_THAT(error_of(dir, one_context("{server: https://h, " + kCaData + "}", "{tokenFile: " + dir.file("gone") + "}")),
             Catch::Contains("tokenFile " + dir.file("gone") + ": no such file"));
  dir.write("blank", " \n");
  CHECK_THAT(error_of(dir, one_context("{server: https://h, " + kCaData + "}", "{tokenFile: " + dir.file("blank") + "}")),
             Catch::Contains("read an empty token"));
}

TEST_CASE("kubeconfig resolve: the server URL as client-go reads it", "[kubeconfig]") {
  TempDir dir;
  const std::string user = "{token: t0k}";
  // The scheme is case-insensitive: HTTPS:// is TLS, and the credential is used.
  RestConfig rest = resolve_text(dir, one_context("{server: \"HTTPS://127.0.0.1:6443/\", " + kCaData + "}", user));
  CHECK(rest.server == "https://127.0.0.1:6443");
  CHECK(rest.https());
  CHECK(rest.bearer_token == "t0k");
  // No scheme: plain http, even with a CA (client-go decides before merging TLS settings).
  rest = resolve_text(dir, one_context("{server: \"127.0.0.1:6443\", " + kCaData + "}", user));
  CHECK(rest.server == "http://127.0.0.1:6443");
  CHECK(rest.bearer_token.empty());
  CHECK(rest.credentials_withheld);
  rest = resolve_text(dir, one_context("{server: \"https://h:1/p/?x=1#f\"}", user));
  CHECK(rest.server == "https://h:1/p");
  CHECK_THAT(error_of(dir, one_context("{server: \"ftp://h\"}", user)), Catch::Contains("is not an https:// URL"));
  CHECK_THAT(error_of(dir, one_context("{server: \"h:1/path\"}", user)), Catch::Contains("host must be a URL or a host:port pair"));
  CHECK_THAT(error_of(dir, one_context("{server: \" https://h\"}", user)), Catch::Contains("holds a space"));
  // Credentials in the URL never reach a message.
  const std::string message = error_of(dir, one_context("{server: \"ftp://admin:hunter2@h\"}", user));
  CHECK_THAT(message, Catch::Contains("ftp://***@h"));
  CHECK(message.find("hunter2") == std::string::npos);
}

TEST_CASE("kubeconfig resolve: credentials that would break an HTTP header are refused, unquoted", "[kubeconfig]") {
  TempDir dir;
  const std::string cluster = "{server: https://h, " + kCaData + "}";
  for (const std::string& user : {std::string("{token: \"s3cret\\r\\nX-Injected: 1\"}"),
                                  std::string("{token: \"s3cret\\n\"}"),
                                  std::string("{username: admin, password: \"s3cret\\u0000\"}"),
                                  std::string("{username: \"adm\\rin\", password: s3cret}"),
                                  std::string("{token: s3cret, as: \"someone\\nX: y\"}")}) {
    INFO(user);
    const std::string message = error_of(dir, one_context(cluster, user));
    CHECK_THAT(message, Catch::Contains("user \"u\" in " + dir.file("config")) &&
                            Catch::Contains("holds a control character"));
    CHECK(message.find("s3cret") == std::string::npos);
    CHECK(message.find("X-Injected") == std::string::npos);
  }
  const std::string file = dir.write("tok", "s3cret\rmore\n");
  CHECK_THAT(error_of(dir, one_context(cluster, "{tokenFile: " + file + "}")),
             Catch::Contains("holds a control character"));
  // A tab is a valid header byte (Go's httpguts allows it), and trailing spaces are trimmed on
  // the wire, as Go's HTTP/1.1 writer trims them.
  CHECK(resolve_text(dir, one_context(cluster, "{token: \"a\\tb  \"}")).bearer_token == "a\tb  ");
  CHECK(header_value("Bearer a\tb  ") == "Bearer a\tb");
  CHECK(header_safe("a\tb"));
  CHECK_FALSE(header_safe("a\x7f"));
}

TEST_CASE("kubeconfig resolve: a context's user that no file defines sends no credentials", "[kubeconfig]") {
  TempDir dir;
  const RestConfig rest = resolve_text(
      dir, "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: nobody}\n"
           "clusters:\n- name: c\n  cluster: {server: https://h, " + kCaData + "}\n");
  CHECK(rest.user_missing);
  CHECK(rest.user_name == "nobody");
  CHECK(rest.bearer_token.empty());
  CHECK(rest.tls.client_cert_pem.empty());
  CHECK_THAT(rest.user_where, Catch::Contains("user \"nobody\" (not defined in"));
}

TEST_CASE("kubeconfig resolve: impersonation travels over http too, and extra keys are escaped", "[kubeconfig]") {
  TempDir dir;
  const RestConfig rest = resolve_text(
      dir, one_context("{server: http://h:8080}",
                       "{token: t, as: admin, as-uid: \"1\", as-groups: [g1, g2], as-user-extra: {\"a b/c%\": [v]}}"));
  CHECK(rest.bearer_token.empty());
  CHECK(rest.headers == std::vector<std::string>{"Impersonate-User: admin", "Impersonate-Uid: 1",
                                                 "Impersonate-Group: g1", "Impersonate-Group: g2",
                                                 "Impersonate-Extra-a%20b%2Fc%25: v"});
  CHECK(header_key_escape("scopes.example.com") == "scopes.example.com");
  CHECK(header_key_escape("a\r\nb:") == "a%0D%0Ab%3A");
}

TEST_CASE("kubeconfig resolve: a client key that does not match its certificate is named as such", "[kubeconfig]") {
  TempDir dir;
  const auto other = sf::testing::make_self_signed("other");
  const std::string message = error_of(
      dir, one_context("{server: https://h, " + kCaData + "}",
                       "{client-certificate-data: " + base64_encode(test_client().certificate) +
                           ", client-key-data: " + base64_encode(other.key) + "}"));
  CHECK_THAT(message, Catch::Contains("user \"u\" in " + dir.file("config")) &&
                          Catch::Contains("the client key does not match the client certificate") &&
                          Catch::Contains("client-certificate-data, client-key-data"));
  const std::string cert = dir.write("c.crt", test_client().certificate);
  const std::string key = dir.write("o.key", other.key);
  CHECK_THAT(error_of(dir, one_context("{server: https://h, " + kCaData + "}",
                                       "{client-certificate: " + cert + ", client-key: " + key + "}")),
             Catch::Contains("does not match") && Catch::Contains("client-key " + key));
  CHECK_THAT(error_of(dir, one_context("{server: https://h, certificate-authority-data: " + base64_encode("not a cert") + "}", "{}")),
             Catch::Contains("certificate-authority-data holds no PEM certificate"));
  const std::string bad_ca = dir.write("bad-ca.crt", "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n");
  CHECK_THAT(error_of(dir, one_context("{server: https://h, certificate-authority: " + bad_ca + "}", "{}")),
             Catch::Contains("certificate-authority " + bad_ca + " holds no PEM certificate"));
}

TEST_CASE("kubeconfig resolve: contexts", "[kubeconfig]") {
  TempDir dir;
  const Config a = parse_config(kind_config("one"), dir.write("a", kind_config("one")));
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

TEST_CASE("kubeconfig resolve: invalid configurations get client-go's messages with file and field", "[kubeconfig]") {
  TempDir dir;
  auto check = [&](const std::string& text, const std::string& expected) {
    INFO(text);
    const std::string what = error_of(dir, text);
    CHECK_THAT(what, Catch::Contains(expected));
    CHECK_THAT(what, Catch::Contains(dir.file("config")));
    CHECK(what.find("s3cret") == std::string::npos);  // secrets never in messages
  };
  check(one_context("{server: https://h, " + kCaData + ", insecure-skip-tls-verify: true}", "{token: s3cret}"),
        "specifying a root certificates file with the insecure flag is not allowed");
  check(one_context("{server: https://h}", "{client-certificate-data: " + base64_encode(test_client().certificate) + "}"),
        "client-key-data or client-key must be specified for u to use the clientCert authentication method.");
  check(one_context("{server: https://h}", "{token: s3cret, username: admin, password: s3cret}"),
        "more than one authentication method found for u; found [token basicAuth], only one is allowed");
  check(one_context("{server: https://h, certificate-authority: /nonexistent/ca.crt}", "{token: s3cret}"),
        "unable to read certificate-authority /nonexistent/ca.crt for c due to no such file");
  check(one_context("{server: https://h, certificate-authority: /etc/hostname, " + kCaData + "}", "{}"),
        "certificate-authority-data and certificate-authority are both specified for c");
  check(one_context("{}", "{}"), "no server found for cluster \"c\"");
  check("current-context: x\ncontexts:\n- name: x\n  context: {cluster: gone, user: u}\n",
        "cluster \"gone\" was not found for context \"x\"");
  check(one_context("{server: https://h}", "{exec: {command: x, apiVersion: client.authentication.k8s.io/v1}}"),
        "interactiveMode must be specified for u to use exec authentication plugin");
  check(one_context("{server: https://h}",
                    "{exec: {command: x, apiVersion: client.authentication.k8s.io/v2, interactiveMode: Never}}"),
        "invalid apiVersion \"client.authentication.k8s.io/v2\"");
  check(one_context("{server: https://h}", "{auth-provider: {name: oidc}}"), "auth-provider \"oidc\" is not supported");
  check(one_context("{server: https://h}", "{as-groups: [g]}"),
        "requesting uid, groups or user-extra for u without impersonating a user");
  const std::string proxy = error_of(dir, one_context("{server: https://h, proxy-url: \"ftp://me:s3cret@p:1\"}", "{}"));
  CHECK_THAT(proxy, Catch::Contains("invalid 'proxy-url' \"ftp://***@p:1\" for cluster \"c\": unsupported scheme \"ftp\""));
  CHECK(proxy.find("s3cret") == std::string::npos);
}

TEST_CASE("kubeconfig resolve: a token file with a control character inside is refused by whoever reads it",
          "[kubeconfig]") {
  TempDir dir;
  const std::string file = dir.write("tok", "s3cret\r\nX-Injected: 1\n");
  CHECK_THROWS_WITH(read_token_file(file, "--token-file"),
                    Catch::Contains("--token-file " + file + ": the token holds a control character") &&
                        !Catch::Contains("s3cret") && !Catch::Contains("X-Injected"));
  CHECK(read_token_file(dir.write("ok", "  s3cret\r\n"), "--token-file") == "s3cret");  // trimmed, as client-go
}
