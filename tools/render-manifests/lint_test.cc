#include "render-manifests/lint.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <utility>

#include "common/strings.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;
namespace fs = std::filesystem;

namespace {

using Expected = std::set<std::pair<size_t, std::string>>;

// "# expect: a, b" on a line, or "# expect-at N: a, b" anywhere.
Expected expectations(const std::string& text) {
  Expected out;
  size_t line = 1;
  for (const auto& l : sf::split(text, '\n')) {
    size_t at = l.find("# expect-at ");
    size_t target = line;
    std::string rules;
    if (at != std::string::npos) {
      const size_t colon = l.find(':', at);
      target = std::stoul(l.substr(at + 12, colon - at - 12));
      rules = l.substr(colon + 1);
    } else if ((at = l.find("# expect: ")) != std::string::npos) {
      rules = l.substr(at + 10);
    }
    for (const auto& r : sf::split(rules, ',')) {
      const std::string rule(sf::trim(r));
      if (!rule.empty()) out.insert({target, rule});
    }
    ++line;
  }
  return out;
}

Expected actual(const std::vector<Finding>& findings) {
  Expected out;
  for (const auto& f : findings) out.insert({f.line, f.rule});
  return out;
}

std::vector<Finding> lint_text(const std::string& name, const std::string& text, LintOptions options = {}) {
  return lint_file(parse_yaml_file(name, text), false, options);
}

std::string show(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += f.text() + "\n";
  return out;
}

}  // namespace

TEST_CASE("lint: every rule fires on its bad fixture, at the marked lines, and is silent on the good one", "[lint]") {
  const fs::path dir = sf::rm::test::source_dir() / "tests" / "render-manifests" / "lint";
  std::set<std::string> covered;
  for (const auto& rule : lint_rules()) {
    const std::string id = rule.id;
    if (id == "secret-literal") continue;  // generated below: no credential-shaped text is committed
    const fs::path bad = dir / (id + ".bad.yaml");
    const fs::path good = dir / (id + ".good.yaml");
    INFO(id);
    REQUIRE(fs::exists(bad));
    REQUIRE(fs::exists(good));
    const std::string bad_text = sf::rm::test::read_text(bad);
    const auto bad_findings = lint_text(bad.filename().string(), bad_text);
    const Expected want = expectations(bad_text);
    INFO(show(bad_findings));
    CHECK(actual(bad_findings) == want);
    bool fires = false;
    for (const auto& [line, r] : want) fires = fires || r == id;
    CHECK(fires);
    const auto good_findings = lint_text(good.filename().string(), sf::rm::test::read_text(good));
    INFO(show(good_findings));
    CHECK(good_findings.empty());
    covered.insert(id);
  }
  CHECK(covered.size() + 1 == lint_rules().size());
}

TEST_CASE("lint: secret literals, found without printing them", "[lint][secrets]") {
  const std::string pem = std::string("-----BEGIN ") + "EC PRIVATE" + " KEY-----";
  const std::string password = std::string("Xq7") + "-vB2" + "#mK9" + "pL4w";
  const std::string text =
      "apiVersion: v1\n"                                     // 1
      "kind: Secret\n"                                       // 2
      "metadata: {name: db, namespace: demo}\n"              // 3
      "stringData:\n"                                        // 4
      "  password: " + password + "\n"                      // 5
      "---\n"                                                // 6
      "auth:\n"                                              // 7
      "  adminPassword: " + password + "\n"                 // 8
      "  existingSecret: opencost-basic-auth\n"              // 9
      "  passwordKey: password\n"                            // 10
      "tls:\n"                                               // 11
      "  key: |\n"                                           // 12
      "    " + pem + "\n"                                    // 13
      "---\n"                                                // 14
      "apiVersion: argoproj.io/v1alpha1\n"                   // 15
      "kind: Application\n"                                  // 16
      "metadata: {name: x, namespace: argocd}\n"             // 17
      "spec:\n"                                              // 18
      "  source:\n"                                          // 19
      "    repoURL: https://charts.example.com\n"            // 20
      "    chart: x\n"                                       // 21
      "    targetRevision: 1.0.0\n"                          // 22
      "    helm:\n"                                          // 23
      "      values: |\n"                                    // 24
      "        smtp:\n"                                      // 25
      "          token: " + password + "\n";                // 26
  const auto findings = lint_text("secrets.yaml", text);
  INFO(show(findings));
  const Expected want{{1, "secret-literal"}, {5, "secret-literal"}, {8, "secret-literal"}, {13, "secret-literal"},
                      {26, "secret-literal"}};
  CHECK(actual(findings) == want);
  for (const auto& f : findings) CHECK(f.message.find(password) == std::string::npos);
  CHECK_THAT(show(findings), Catch::Contains("secrets.yaml:8: secret-literal: 'auth.adminPassword' holds what looks like"));
  CHECK_THAT(show(findings), Catch::Contains("secrets.yaml:1: secret-literal: Secret/demo/db holds literal data (password)"));
  CHECK_THAT(show(findings), Catch::Contains("secrets.yaml:13: secret-literal: a private key (PEM)"));
  CHECK_THAT(show(findings), Catch::Contains("secrets.yaml:26: secret-literal: 'smtp.token'"));
}

TEST_CASE("lint: --domain widens the Ingress hosts allowed", "[lint]") {
  const std::string text =
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, namespace: b}\n"
      "spec:\n  rules:\n    - host: argocd.finops.bank.example\n    - host: argocd.localhost\n    - host: '*.localhost'\n";
  CHECK(lint_text("i.yaml", text).size() == 1);
  LintOptions o;
  o.domains.push_back("finops.bank.example");
  CHECK(lint_text("i.yaml", text, o).empty());
}

TEST_CASE("lint: findings in embedded Helm values keep their file lines", "[lint]") {
  const std::string text =
      "apiVersion: argoproj.io/v1alpha1\n"
      "kind: Application\n"
      "metadata: {name: vault, namespace: argocd}\n"
      "spec:\n"
      "  source:\n"
      "    repoURL: https://helm.releases.hashicorp.com\n"
      "    chart: vault\n"
      "    targetRevision: 0.34.1\n"
      "    helm:\n"
      "      values: |\n"
      "        server:\n"
      "          image:\n"
      "            repository: hashicorp/vault\n"
      "            tag: latest\n"
      "          ingress:\n"
      "            hosts:\n"
      "              - host: vault.example.org\n"
      "        ---\n"
      "        broken: [\n"
      "        ---\n"
      "        fine: true\n";
  const auto findings = lint_text("vault.yaml", text);
  INFO(show(findings));
  // A bad document inside the values spoils only itself.
  const Expected want{{12, "unpinned-image"}, {17, "ingress-host"}, {19, "yaml"}};
  CHECK(actual(findings) == want);
}

TEST_CASE("lint: an Application's valuesObject does not hide the Application itself", "[lint]") {
  // Regression: reading valuesObject once overwrote the document's root (yaml-cpp's operator=
  // writes through shared nodes), so the Application-level checks never ran.
  const std::string text =
      "apiVersion: argoproj.io/v1alpha1\n"                 // 1
      "kind: Application\n"                                // 2
      "metadata: {name: nginx-ingress, namespace: argocd}\n"
      "spec:\n"
      "  sources:\n"
      "    - repoURL: https://helm.nginx.com/stable\n"
      "      chart: nginx-ingress\n"
      "      targetRevision: 2.6.4\n"
      "      helm:\n"
      "        valuesObject:\n"
      "          controller:\n"
      "            image: {repository: nginx/nginx-ingress, tag: latest}\n"  // 12
      "  destination: {server: https://kubernetes.default.svc, namespace: nginx-ingress}\n"
      "  syncPolicy:\n"
      "    syncOptions: [CreateNamespace=true]\n";
  const auto findings = lint_text("app.yaml", text);
  INFO(show(findings));
  CHECK(actual(findings) == Expected{{1, "namespace-psa"}, {12, "unpinned-image"}});
}

TEST_CASE("lint: the rules table", "[lint]") {
  CHECK(known_rule("resources"));
  CHECK_FALSE(known_rule("resource"));
  std::set<std::string> ids;
  for (const auto& r : lint_rules()) {
    CHECK(ids.insert(r.id).second);
    CHECK(std::string(r.summary).size() > 10);
  }
}
