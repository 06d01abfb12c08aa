#include "vault-seed/vault_client.h"

#include <catch2/catch.hpp>
#include <deque>
#include <thread>

using namespace sf::vs;
using namespace std::chrono_literals;

namespace {

// Answers from a script; records what was sent.
class ScriptedTransport : public Transport {
 public:
  struct Answer {
    long status = 200;
    std::string body;
    bool refuse = false;  // a connection error instead
    std::string retry_after = "";
  };
  std::deque<Answer>* answers;
  std::vector<sf::http::Request>* sent;
  ScriptedTransport(std::deque<Answer>* a, std::vector<sf::http::Request>* s) : answers(a), sent(s) {}

  void configure(std::chrono::milliseconds, std::shared_ptr<sf::http::Canceller> c,
                 std::chrono::steady_clock::time_point) override {
    canceller = c;
  }
  sf::http::Response send(const sf::http::Request& request) override {
    sent->push_back(request);
    REQUIRE_FALSE(answers->empty());
    Answer a = answers->front();
    answers->pop_front();
    if (a.refuse)
      throw sf::http::HttpError("GET " + request.url + ": cannot connect", 0, true, sf::http::Failure::kConnect);
    sf::http::Response r;
    r.status = a.status;
    r.body = a.body;
    if (!a.retry_after.empty()) r.headers["retry-after"] = a.retry_after;
    return r;
  }
  sf::http::Response stream(const sf::http::Request& request, const sf::http::ChunkHandler&) override {
    return send(request);
  }
  std::string url(const std::string& path) const override { return "http://vault" + path; }
  std::string describe() const override { return "Vault at http://vault"; }
  bool proxied() const override { return proxy; }
  bool proxy = false;
  std::shared_ptr<sf::http::Canceller> canceller;
};

struct Fixture {
  std::deque<ScriptedTransport::Answer> answers;
  std::vector<sf::http::Request> sent;
  VaultEnv env;
  std::unique_ptr<VaultClient> client;
  explicit Fixture(int retries = 2, bool proxied = false, std::chrono::milliseconds budget = 30s) {
    env.max_retries = retries;
    env.namespace_ = "team";
    auto t = std::make_unique<ScriptedTransport>(&answers, &sent);
    t->proxy = proxied;
    client = std::make_unique<VaultClient>(std::move(t), env, Steady::now() + budget);
  }
  bool has_header(size_t i, const std::string& h) const {
    const auto& hs = sent.at(i).headers;
    return std::find(hs.begin(), hs.end(), h) != hs.end();
  }
};

const char* kStatus503 =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"no endpoints available for service \"vault\"","reason":"ServiceUnavailable","code":503})";

}  // namespace

TEST_CASE("vault_client: requests go to /v1/PATH with the token, namespace and request headers") {
  Fixture f;
  f.answers.push_back({200, R"({"data":{"a":1},"warnings":null})"});
  f.client->set_token("hvs.secret");
  const Reply r = f.client->call("POST", "secret/data/a b?x=1", R"({"data":{}})");
  REQUIRE(f.sent.size() == 1);
  CHECK(f.sent[0].url == "http://vault/v1/secret/data/a%20b?x=1");
  CHECK(f.sent[0].method == "POST");
  CHECK(f.has_header(0, "X-Vault-Token: hvs.secret"));
  CHECK(f.has_header(0, "X-Vault-Namespace: team"));
  CHECK(f.has_header(0, "X-Vault-Request: true"));
  CHECK(f.has_header(0, "Content-Type: application/json"));
  REQUIRE(r.data() != nullptr);
  CHECK(r.warnings.empty());
  f.answers.push_back({200, "{}"});
  f.client->get("sys/health", CallOptions{true, false, ""});
  CHECK_FALSE(f.has_header(1, "X-Vault-Token: hvs.secret"));
}

TEST_CASE("vault_client: 5xx, 429 and refused connections are retried VAULT_MAX_RETRIES times, 501 never") {
  Fixture f(2);
  f.answers = {{500, R"({"errors":["internal error"]})"}, {429, "{}", false, "0"}, {200, "{}"}};
  CHECK(f.client->get("sys/mounts").status == 200);
  CHECK(f.sent.size() == 3);
  Fixture g(2);
  g.answers = {{503, R"({"errors":["boom"]})"}, {503, R"({"errors":["boom"]})"}, {503, R"({"errors":["boom"]})"}};
  CHECK(g.client->get("sys/mounts").status == 503);  // retries spent: the answer is returned
  CHECK(g.sent.size() == 3);
  Fixture h(2);
  h.answers = {{501, R"({"errors":["Vault is not initialized"]})"}};
  CHECK(h.client->get("sys/mounts").status == 501);
  CHECK(h.sent.size() == 1);
  Fixture c(1);
  c.answers = {{0, "", true}, {0, "", true}};
  CHECK_THROWS_AS(c.client->get("sys/mounts"), sf::http::HttpError);
  CHECK(c.sent.size() == 2);
}

TEST_CASE("vault_client: a sealed Vault is a state, not retried, and retry=false sends once") {
  Fixture f(3);
  f.answers = {{503, R"({"errors":["Vault is sealed"]})"}};
  const Reply r = f.client->get("secret/data/x");
  CHECK(r.status == 503);
  CHECK(r.has_error(texts::kSealed));
  CHECK(f.sent.size() == 1);
  Fixture g(3);
  g.answers = {{500, R"({"errors":["x"]})"}};
  CHECK(g.client->call("PUT", "sys/init", "{}", CallOptions{false, false, "init"}).status == 500);
  CHECK(g.sent.size() == 1);
}

TEST_CASE("vault_client: the KV upgrade window is waited out, not reported") {
  Fixture f(0);
  const std::string upgrading = R"({"errors":["Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief period and will resume service shortly."]})";
  f.answers = {{400, upgrading}, {400, upgrading}, {204, ""}};
  CHECK(f.client->call("POST", "secret/config", "{}").status == 204);
  CHECK(f.sent.size() == 3);
}

TEST_CASE("vault_client: a Kubernetes Status body came from the API server, and is explained as such") {
  Fixture f(1, true);
  f.answers = {{503, kStatus503}, {503, kStatus503}};
  const Reply r = f.client->get("sys/health");
  CHECK(r.from_api_server);
  CHECK(r.api_server_message == "no endpoints available for service \"vault\"");
  const std::string text = f.client->explain(r, "sys/health");
  CHECK_THAT(text, Catch::Contains("the API server answered HTTP 503"));
  CHECK_THAT(text, Catch::Contains("the Vault pod is not running or not ready"));
  Reply vault;
  vault.status = 503;
  vault.body = R"({"errors":["Vault is sealed"]})";
  parse_reply(vault);
  CHECK_FALSE(vault.from_api_server);
  CHECK_THAT(f.client->explain(vault, "reading x"), Catch::Contains("Vault at http://vault: reading x: HTTP 503: Vault is sealed"));
}

TEST_CASE("vault_client: the deadline ends waits, and no request starts after it") {
  Fixture f(5, false, 300ms);
  f.answers = {{503, R"({"errors":["a"]})"}, {503, R"({"errors":["a"]})"}, {503, R"({"errors":["a"]})"}};
  const auto start = Steady::now();
  CHECK_THROWS_AS(f.client->get("sys/mounts"), DeadlineError);
  CHECK(Steady::now() - start < 2s);
  Fixture g(0, false, 0ms);
  CHECK_THROWS_WITH(g.client->get("sys/mounts"), Catch::Contains("ran out before"));
  CHECK(g.sent.empty());
}

TEST_CASE("vault_client: the transport gets a canceller that fires at the deadline") {
  std::deque<ScriptedTransport::Answer> answers;
  std::vector<sf::http::Request> sent;
  auto t = std::make_unique<ScriptedTransport>(&answers, &sent);
  ScriptedTransport* raw = t.get();
  VaultEnv env;
  {
    VaultClient client(std::move(t), env, Steady::now() + 200ms);
    REQUIRE(raw->canceller != nullptr);
    CHECK_FALSE(raw->canceller->cancelled());
    std::this_thread::sleep_for(400ms);
    CHECK(raw->canceller->cancelled());  // a transfer in flight would have ended here
  }
  {
    auto t2 = std::make_unique<ScriptedTransport>(&answers, &sent);
    ScriptedTransport* raw2 = t2.get();
    std::shared_ptr<sf::http::Canceller> canceller;
    const auto start = Steady::now();
    {
      VaultClient client(std::move(t2), env, Steady::now() + 1h);
      canceller = raw2->canceller;
    }  // ends without waiting for the hour
    CHECK(Steady::now() - start < 1s);
    CHECK_FALSE(canceller->cancelled());
  }
}

TEST_CASE("vault_client: multierror texts read flat, and retryable_reply follows the Go client") {
  Reply r;
  r.status = 403;
  r.body = R"({"errors":["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]})";
  parse_reply(r);
  CHECK(r.error_text() == "permission denied; invalid token");
  CHECK(r.has_error(texts::kInvalidToken));
  CHECK_FALSE(retryable_reply(r));
  r.status = 412;
  CHECK(retryable_reply(r));
  r.status = 502;
  CHECK(retryable_reply(r));
  Reply warn;
  warn.status = 200;
  warn.body = R"({"data":null,"warnings":["Endpoint ignored these unrecognized parameters: [audiences]"]})";
  parse_reply(warn);
  REQUIRE(warn.warnings.size() == 1);
  CHECK(warn.data() == nullptr);
  Reply junk;
  junk.status = 200;
  junk.body = "not json";
  parse_reply(junk);
  CHECK(junk.json.IsNull());
}

TEST_CASE("vault_client: --via-kube-service takes NS/NAME:PORT and an optional scheme") {
  const KubeService s = parse_kube_service("vault/vault:8200");
  CHECK(s.ns == "vault");
  CHECK(s.name == "vault");
  CHECK(s.port == "8200");
  CHECK(s.scheme == "http");
  CHECK(s.describe() == "vault/vault:8200");
  const KubeService t = parse_kube_service("vault/https:vault:http-api");
  CHECK(t.scheme == "https");
  CHECK(t.port == "http-api");
  for (const char* bad : {"vault", "vault/vault", "/vault:8200", "vault/:8200", "vault/vault:", "Vault/vault:8200"})
    CHECK_THROWS_AS(parse_kube_service(bad), sf::UsageError);
}
