#include "common/kube_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/testing_fake_api.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace sf::kube;
using sf::testing::FakeApi;
using sf::testing::Reply;

namespace {

RestConfig plain(const std::string& server) {
  RestConfig c;
  c.server = server;
  c.origin = "test kubeconfig";
  c.user_name = "tester";
  c.user_where = "user \"tester\" in test kubeconfig";
  return c;
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::string node(const std::string& name, const std::string& rv, const std::string& ready = "True") {
  return R"({"metadata":{"name":")" + name + R"(","resourceVersion":")" + rv +
         R"("},"status":{"conditions":[{"type":"Ready","status":")" + ready + R"("}]}})";
}
std::string event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}
std::string list_of(const std::vector<std::string>& items, const std::string& rv, const std::string& cont = "") {
  std::string out = R"({"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":")" + rv + "\"";
  if (!cont.empty()) out += R"(,"continue":")" + cont + "\"";
  out += R"(},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]}";
}
const std::string kExpired =
    R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 11 (15)","reason":"Expired","code":410}})json"
    "\n";

}  // namespace

TEST_CASE("kube client: paths and URLs", "[kube]") {
  CHECK(service_proxy_path("vault", "vault", "8200", "/v1/sys/health", "https") ==
        "/api/v1/namespaces/vault/services/https:vault:8200/proxy/v1/sys/health");
  CHECK(service_proxy_path("argocd", "argocd-server", "", "") == "/api/v1/namespaces/argocd/services/argocd-server/proxy/");
  CHECK(node_proxy_path("kind-worker", "9100", "metrics") == "/api/v1/nodes/kind-worker:9100/proxy/metrics");
  CHECK(collection_path("v1", "nodes") == "/api/v1/nodes");
  CHECK(collection_path("apps/v1", "deployments", "argocd") == "/apis/apps/v1/namespaces/argocd/deployments");
  CHECK(escape("a b/c=d&e") == "a%20b%2Fc%3Dd%26e");
  KubeClient client(plain("https://127.0.0.1:6443/prefix"));
  CHECK(client.url("/api/v1/nodes", {{"labelSelector", "a=b,c"}, {"limit", "5"}}) ==
        "https://127.0.0.1:6443/prefix/api/v1/nodes?labelSelector=a%3Db%2Cc&limit=5");
  rapidjson::Document doc;
  doc.Parse(R"({"metadata":{"name":"x","namespace":"ns"}})");
  CHECK(object_key(doc) == "ns/x");
  CHECK(path_string(doc, {"metadata", "name"}) == "x");
  CHECK(path_value(doc, {"metadata", "nope"}) == nullptr);
}

TEST_CASE("kube client: credentials go only over TLS", "[kube]") {
  RestConfig https = plain("https://127.0.0.1:6443");
  https.bearer_token = "tok";
  https.headers = {"Impersonate-User: someone"};
  KubeClient secure(https);
  const sf::http::Options o = secure.http_options();
  CHECK(o.bearer_token == "tok");
  CHECK(std::find(o.headers.begin(), o.headers.end(), "Impersonate-User: someone") != o.headers.end());
  RestConfig basic = plain("https://127.0.0.1:6443");
  basic.basic_auth = "admin:pw";
  KubeClient with_basic(basic);
  const auto b = with_basic.http_options();
  CHECK(std::find(b.headers.begin(), b.headers.end(), "Authorization: Basic YWRtaW46cHc=") != b.headers.end());
  RestConfig http = plain("http://127.0.0.1:8080");
  http.bearer_token = "tok";
  KubeClient insecure(http);
  CHECK(insecure.http_options().bearer_token.empty());
}

TEST_CASE("kube client: LIST follows continue tokens, and 404 means not served", "[kube]") {
  FakeApi api([](const std::string& target) {
    Reply r;
    if (has(target, "/api/v1/nodes") && !has(target, "continue=")) r.chunks = {list_of({node("a", "1")}, "7", "tok1")};
    else if (has(target, "continue=tok1")) r.chunks = {list_of({node("b", "2"), node("c", "3")}, "8")};
    else {
      r.status = 404;
      r.chunks = {R"({"kind":"Status","status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404})"};
    }
    return r;
  });
  KubeClient client(plain(api.server()));
  ListOptions o;
  o.limit = 1;
  const ListResult list = client.list("/api/v1/nodes", o);
  REQUIRE(list.found);
  REQUIRE(list.items.size() == 3);
  CHECK(object_key(list.items[2]) == "c");
  CHECK(list.resource_version == "8");
  CHECK(list.kind == "NodeList");
  const auto requests = api.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0] == "/api/v1/nodes?limit=1");
  CHECK(requests[1] == "/api/v1/nodes?limit=1&continue=tok1");

  const ListResult apps = client.list("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications");
  CHECK_FALSE(apps.found);
  CHECK(apps.status.reason == "NotFound");
  CHECK_FALSE(client.get_if_exists("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/root"));
  CHECK_THROWS_AS(client.get("/apis/x"), ApiError);
}

TEST_CASE("kube client: WATCH decodes events split across chunks", "[kube]") {
  const std::string stream = event("ADDED", node("a", "11")) + event("MODIFIED", node("a", "12", "False")) +
                             event("BOOKMARK", R"({"metadata":{"resourceVersion":"13"}})");
  FakeApi api([&](const std::string& target) {
    Reply r;
    if (has(target, "resourceVersion=10")) {
      // Cut at awkward places: mid-string, between events, mid-number.
      r.chunks = {stream.substr(0, 17), stream.substr(17, 150), stream.substr(167)};
      r.pause_ms = 10;
    } else {
      r.chunks = {event("ADDED", node("z", "20")) + kExpired};
    }
    return r;
  });
  KubeClient client(plain(api.server()));
  std::vector<std::string> seen;
  WatchOptions o;
  o.resource_version = "10";
  o.timeout_seconds = 30;
  WatchResult result = client.watch("/api/v1/nodes", o, [&](WatchEvent&& e) {
    seen.push_back(std::string(to_string(e.type)) + ":" + e.resource_version);
    return true;
  });
  CHECK(result.end == WatchEnd::kClosed);
  CHECK(result.events == 3);
  CHECK(result.last_resource_version == "13");
  CHECK_FALSE(result.truncated);
  CHECK(seen == std::vector<std::string>{"ADDED:11", "MODIFIED:12", "BOOKMARK:13"});
  const auto requests = api.requests();
  CHECK(requests[0] ==
        "/api/v1/nodes?watch=1&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=30");

  o.resource_version = "15";
  result = client.watch("/api/v1/nodes", o, [&](WatchEvent&&) { return true; });
  CHECK(result.end == WatchEnd::kExpired);
  CHECK(result.status.code == 410);
  CHECK(result.last_resource_version == "20");
}

TEST_CASE("kube client: errors say what the server said and what to do", "[kube]") {
  FakeApi api([](const std::string&) {
    Reply r;
    r.status = 401;
    r.chunks = {R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})"};
    return r;
  });
  KubeClient client(plain(api.server()));
  try {
    client.list("/api/v1/nodes");
    FAIL("no error");
  } catch (const ApiError& e) {
    CHECK(e.http_status() == 401);
    CHECK(e.exit_code() == sf::kExitUsage);
    CHECK_THAT(e.what(), Catch::Contains("HTTP 401 Unauthorized: Unauthorized") &&
                             Catch::Contains("rejected the credentials of user \"tester\" in test kubeconfig (test kubeconfig)"));
  }
  // Nothing listening: a transport error naming the server and the kubeconfig.
  ClientOptions quick;
  quick.connect_timeout = std::chrono::milliseconds(500);
  quick.request_timeout = std::chrono::milliseconds(1000);
  quick.max_attempts = 1;
  KubeClient nowhere(plain("http://127.0.0.1:1"), quick);
  CHECK_THROWS_WITH(nowhere.list("/api/v1/nodes"),
                    Catch::Contains("API server http://127.0.0.1:1 (test kubeconfig)") && Catch::Contains("cannot connect"));
}

TEST_CASE("reflector: LIST, WATCH, resume from the last RV, re-LIST on 410, reset mid-stream", "[kube]") {
  std::atomic<int> lists{0};
  std::atomic<bool> hold{true};
  FakeApi api([&](const std::string& target) {
    Reply r;
    if (!has(target, "watch=1")) {
      r.chunks = {++lists == 1 ? list_of({node("a", "9", "False")}, "10")
                               : list_of({node("a", "30"), node("b", "31")}, "31")};
    } else if (has(target, "resourceVersion=10")) {
      r.chunks = {event("MODIFIED", node("a", "11"))};  // then the server closes the stream
    } else if (has(target, "resourceVersion=11")) {
      r.chunks = {event("ADDED", node("b", "12"))};
      r.reset = true;                                    // connection reset mid-watch
    } else if (has(target, "resourceVersion=12")) {
      r.chunks = {kExpired};                             // compacted: 410
    } else {
      r.chunks = {event("DELETED", node("b", "32"))};
      r.keep_open = [&] { return hold.load(); };
    }
    return r;
  });
  KubeClient client(plain(api.server()));
  Store store;
  std::mutex mutex;
  std::condition_variable changed;
  ReflectorOptions o;
  o.path = "/api/v1/nodes";
  o.watch.timeout_seconds = 30;
  o.backoff_initial = std::chrono::milliseconds(20);
  Reflector reflector(client, o, store, mutex, [&] { changed.notify_all(); });
  std::atomic<bool> stop{false};
  std::thread runner([&] { reflector.run(stop); });
  {
    std::unique_lock<std::mutex> lock(mutex);
    const bool done = changed.wait_for(lock, std::chrono::seconds(10), [&] {
      return store.lists == 2 && store.objects.size() == 1 && store.resource_version == "999";
    });
    CHECK(done);
    CHECK(store.objects.count("a") == 1);
    CHECK(path_string(store.objects["a"], {"metadata", "resourceVersion"}) == "30");
    CHECK(store.ever_answered);
    CHECK(store.served);
  }
  stop = true;
  hold = false;
  runner.join();
  std::vector<std::string> sequence;
  for (const auto& r : api.requests()) {
    if (!has(r, "watch=1")) {
      sequence.push_back("LIST");
    } else {
      const auto at = r.find("resourceVersion=");
      sequence.push_back("WATCH@" + r.substr(at + 16, r.find('&', at) - at - 16));
    }
  }
  CHECK(sequence == std::vector<std::string>{"LIST", "WATCH@10", "WATCH@11", "WATCH@12", "LIST", "WATCH@31"});
}

TEST_CASE("reflector: a resource type that answers 404 is 'not yet', then appears", "[kube]") {
  std::atomic<int> calls{0};
  FakeApi api([&](const std::string& target) {
    Reply r;
    if (!has(target, "watch=1") && ++calls < 3) {
      r.status = 404;
      r.chunks = {R"({"kind":"Status","reason":"NotFound","code":404})"};
    } else if (!has(target, "watch=1")) {
      r.chunks = {list_of({R"({"metadata":{"name":"root","namespace":"argocd"}})"}, "5")};
    } else {
      r.keep_open = [] { return true; };
    }
    return r;
  });
  KubeClient client(plain(api.server()));
  Store store;
  std::mutex mutex;
  std::condition_variable changed;
  bool saw_not_served = false;
  ReflectorOptions o;
  o.path = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications";
  o.backoff_initial = std::chrono::milliseconds(20);
  Reflector reflector(client, o, store, mutex, [&] {
    if (store.synced && !store.served) saw_not_served = true;
    changed.notify_all();
  });
  std::atomic<bool> stop{false};
  std::thread runner([&] { reflector.run(stop); });
  {
    std::unique_lock<std::mutex> lock(mutex);
    CHECK(changed.wait_for(lock, std::chrono::seconds(10), [&] { return store.served && store.objects.size() == 1; }));
    CHECK(store.objects.count("argocd/root") == 1);
  }
  CHECK(saw_not_served);
  stop = true;
  api.stopping_ = true;
  runner.join();
}
