#include "kind-wait/waiter.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "common/error.h"
#include "common/kube_client.h"
#include "common/testing_fake_api.h"

using namespace sf;
using sf::kw::format_duration;
using sf::testing::FakeApi;
using sf::testing::Reply;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

namespace {

std::string node(const std::string& name, bool ready, const std::string& rv = "1",
                 const std::string& message = "cni plugin not initialized") {
  return R"({"metadata":{"name":")" + name + R"(","resourceVersion":")" + rv +
         R"("},"status":{"conditions":[{"type":"Ready","status":")" + (ready ? "True" : "False") +
         R"(","reason":"KubeletNotReady","message":")" + message + R"("}]}})";
}

std::string node_list(const std::vector<std::string>& items) {
  std::string out = R"({"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]}";
}

bool is_watch(const std::string& target) { return target.find("watch=1") != std::string::npos; }

kube::RestConfig config_for(const FakeApi& api) {
  kube::RestConfig c;
  c.server = api.server();
  c.origin = "kubeconfig test (context \"t\")";
  c.user_name = "tester";
  c.user_where = "user \"tester\" in test";
  return c;
}

kw::WaitOptions nodes_options(long count, milliseconds timeout) {
  kw::WaitOptions o;
  o.targets.push_back(kw::parse_target("nodes=" + std::to_string(count)));
  o.timeout = timeout;
  o.deadline = Deadline::after(timeout, "the " + format_duration(timeout) + " --timeout");
  o.jsonl = true;
  return o;
}

// What a run printed: the JSON lines on `out` and the messages on stderr.
struct Captured {
  int code = -1;
  std::string out;
  std::string err;
  milliseconds took{0};
};

// Runs `body(out)` with stderr captured in a temporary file.
template <typename Body>
Captured capture(Body body) {
  Captured c;
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(err), STDERR_FILENO);
  const auto start = Steady::now();
  try {
    c.code = body(out);
  } catch (...) {
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::fclose(out);
    std::fclose(err);
    throw;
  }
  c.took = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  auto slurp = [](std::FILE* f) {
    std::string text;
    std::rewind(f);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
    std::fclose(f);
    return text;
  };
  c.out = slurp(out);
  c.err = slurp(err);
  return c;
}

}  // namespace

TEST_CASE("durations in messages", "[waiter]") {
  CHECK(format_duration(milliseconds(850)) == "850ms");
  CHECK(format_duration(milliseconds(12'345)) == "12.3s");
  CHECK(format_duration(milliseconds(300'000)) == "5m0s");
  CHECK(format_duration(milliseconds(5'430'000)) == "1h30m30s");
}

TEST_CASE("wait: ready at the first LIST returns 0 at once", "[waiter]") {
  FakeApi api([](const std::string& target) {
    Reply r;
    if (is_watch(target)) r.keep_open = [] { return true; };
    else r.chunks = {node_list({node("a", true), node("b", true)})};
    return r;
  });
  const Captured c = capture([&](std::FILE* out) { return kw::wait_for(config_for(api), nodes_options(2, milliseconds(5'000)), out); });
  CHECK(c.code == 0);
  CHECK(c.took < milliseconds(2'000));
  CHECK_THAT(c.out, Catch::Contains(R"("kind":"wait_result","ready":true,"timed_out":false)"));
}

TEST_CASE("wait: a node turning Ready in the watch ends the wait when the event arrives", "[waiter]") {
  FakeApi api([](const std::string& target) {
    Reply r;
    if (is_watch(target)) {
      r.chunks = {R"({"type":"MODIFIED","object":)" + node("a", true, "6") + "}\n"};
      r.pause_ms = 400;  // the event comes 400 ms into the watch
      r.keep_open = [] { return true; };
    } else {
      r.chunks = {node_list({node("a", false)})};
    }
    return r;
  });
  const Captured c = capture([&](std::FILE* out) { return kw::wait_for(config_for(api), nodes_options(1, milliseconds(10'000)), out); });
  CHECK(c.code == 0);
  CHECK(c.took >= milliseconds(350));
  CHECK(c.took < milliseconds(3'000));
  CHECK_THAT(c.err, Catch::Contains("ready after"));
}

TEST_CASE("wait: a timeout on an answering cluster says what is still missing, and why", "[waiter]") {
  FakeApi api([](const std::string& target) {
    Reply r;
    if (is_watch(target)) r.keep_open = [] { return true; };
    else r.chunks = {node_list({node("a", true), node("b", false, "1", R"(cni plugin not initialized\u001b[2J\r\nforged)")})};
    return r;
  });
  const Captured c = capture([&](std::FILE* out) { return kw::wait_for(config_for(api), nodes_options(2, milliseconds(700)), out); });
  CHECK(c.err.find('\x1b') == std::string::npos);  // the cluster's text, escaped on the terminal
  CHECK_THAT(c.err, Catch::Contains("cni plugin not initialized\\x1B[2J\\r\\nforged"));
  CHECK(c.code == kExitFailed);
  CHECK(c.took >= milliseconds(650));
  CHECK(c.took < milliseconds(2'500));
  CHECK_THAT(c.err, Catch::Contains("timed out after 700ms; still waiting for:") &&
                        Catch::Contains("nodes=2: 1 of 2 nodes Ready") &&
                        Catch::Contains("cni plugin not initialized"));
  CHECK_THAT(c.out, Catch::Contains(R"("timed_out":true)") && Catch::Contains(R"("answered":true)"));
}

TEST_CASE("wait: a server that accepts and never answers ends at the deadline, naming the phase", "[waiter]") {
  FakeApi api([](const std::string&) {
    Reply r;
    r.hang = true;
    return r;
  });
  const Captured c = capture([&](std::FILE* out) { return kw::wait_for(config_for(api), nodes_options(1, milliseconds(800)), out); });
  CHECK(c.code == kExitFailed);
  CHECK(c.took < milliseconds(2'000));
  CHECK_THAT(c.err, Catch::Contains("the API server " + api.server() + " never answered") &&
                        Catch::Contains("sent the request, but no answer came within the 800ms --timeout"));
  CHECK_THAT(c.out, Catch::Contains(R"("answered":false)"));
}

TEST_CASE("wait: a server answering only with errors is not 'never answered'", "[waiter]") {
  FakeApi api([](const std::string&) {
    Reply r;
    r.status = 503;
    r.chunks = {R"({"kind":"Status","status":"Failure","message":"etcd is down)" "\x1b[31m" R"(","code":503})"};
    return r;
  });
  const Captured c = capture([&](std::FILE* out) { return kw::wait_for(config_for(api), nodes_options(1, milliseconds(800)), out); });
  CHECK(c.code == kExitFailed);
  CHECK_THAT(c.err, Catch::Contains("answered, but only with errors") && Catch::Contains("HTTP 503") &&
                        Catch::Contains("etcd is down\\x1B[31m"));  // server text escaped, never raw
  CHECK(c.err.find('\x1b') == std::string::npos);
  CHECK(api.requests().size() >= 2);  // retried under the shared policy
}

TEST_CASE("wait: rejected credentials end the wait at once, with exit code 2", "[waiter]") {
  FakeApi api([](const std::string&) {
    Reply r;
    r.status = 401;
    r.chunks = {R"({"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})"};
    return r;
  });
  const auto start = Steady::now();
  try {
    capture([&](std::FILE* out) { return kw::wait_for(config_for(api), nodes_options(1, milliseconds(10'000)), out); });
    FAIL("no error");
  } catch (const kube::ApiError& e) {
    CHECK(e.exit_code() == kExitUsage);
  }
  CHECK(Steady::now() - start < milliseconds(2'000));
}

TEST_CASE("list nodes: 429, 500 and 503 are retried like the wait, honouring Retry-After", "[waiter]") {
  std::atomic<int> calls{0};
  std::vector<Steady::time_point> arrivals(4);
  FakeApi api([&](const std::string&) {
    const int n = calls++;
    if (n < 4) arrivals[n] = Steady::now();
    Reply r;
    if (n == 0) {
      r.status = 429;
      r.headers = {"Retry-After: 1"};
    } else if (n == 1) {
      r.status = 500;
    } else if (n == 2) {
      r.status = 503;
    } else {
      r.chunks = {node_list({node("b", true), node("a", false)})};
    }
    return r;
  });
  kw::WaitOptions o = nodes_options(1, milliseconds(10'000));
  const Captured c = capture([&](std::FILE* out) { return kw::list_nodes(config_for(api), o, out); });
  CHECK(c.code == 0);
  CHECK(calls == 4);
  CHECK(arrivals[1] - arrivals[0] >= milliseconds(950));  // Retry-After: 1, not the 200 ms backoff
  CHECK(c.out.find(R"({"kind":"node","name":"a")") < c.out.find(R"({"kind":"node","name":"b")"));
}

TEST_CASE("list nodes: a server that never answers ends at the deadline, not after 30 s", "[waiter]") {
  FakeApi api([](const std::string&) {
    Reply r;
    r.hang = true;
    return r;
  });
  kw::WaitOptions o = nodes_options(1, milliseconds(700));
  try {
    capture([&](std::FILE* out) { return kw::list_nodes(config_for(api), o, out); });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitFailed);
    CHECK_THAT(e.what(), Catch::Contains("no node list after 700ms") &&
                             Catch::Contains("never answered") && Catch::Contains("no answer came within"));
  }
}

TEST_CASE("list nodes: a Retry-After longer than the time left ends the run with the server's answer", "[waiter]") {
  FakeApi api([](const std::string&) {
    Reply r;
    r.status = 429;
    r.headers = {"Retry-After: 5"};
    r.chunks = {R"({"kind":"Status","status":"Failure","message":"slow down","code":429})"};
    return r;
  });
  kw::WaitOptions o = nodes_options(1, milliseconds(1'500));
  const auto start = Steady::now();
  try {
    capture([&](std::FILE* out) { return kw::list_nodes(config_for(api), o, out); });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("answered, but only with errors") && Catch::Contains("HTTP 429") &&
                             Catch::Contains("slow down"));
  }
  CHECK(Steady::now() - start < milliseconds(1'000));  // does not sleep into the deadline
  CHECK(api.requests().size() == 1);
}

TEST_CASE("wait: an Application Degraded longer than the grace fails without another event", "[waiter][degraded]") {
  // One Degraded Application in the LIST, then a quiet watch: the grace running out wakes the wait.
  const std::string app = R"({"kind":"ApplicationList","apiVersion":"argoproj.io/v1alpha1","metadata":{"resourceVersion":"9"},)"
                          R"("items":[{"metadata":{"name":"vault","namespace":"argocd","resourceVersion":"8"},)"
                          R"("status":{"sync":{"status":"Synced"},"health":{"status":"Degraded",)"
                          R"("message":"StatefulSet \"vault\" has 0 of 1 ready replicas"}}}]})";
  FakeApi api([&](const std::string& target) {
    Reply r;
    if (is_watch(target)) r.keep_open = [] { return true; };
    else r.chunks = {app};
    return r;
  });
  kw::WaitOptions o;
  o.targets.push_back(kw::parse_target("applications/argocd"));
  o.timeout = milliseconds(10'000);
  o.deadline = Deadline::after(o.timeout, "the 10.0s --timeout");
  o.jsonl = true;
  o.degraded_grace = milliseconds(600);
  const Captured c = capture([&](std::FILE* out) { return kw::wait_for(config_for(api), o, out); });
  CHECK(c.code == kExitFailed);
  CHECK(c.took >= milliseconds(550));
  CHECK(c.took < milliseconds(5'000));  // long before the 10 s timeout
  CHECK_THAT(c.err, Catch::Contains("a condition failed and will not hold without intervention") &&
                        Catch::Contains("vault: Degraded for") && Catch::Contains("longer than the 600ms --degraded-grace") &&
                        Catch::Contains("StatefulSet \"vault\" has 0 of 1 ready replicas"));
  CHECK_THAT(c.out, Catch::Contains(R"("state":"failed")") && Catch::Contains(R"("timed_out":false)"));
}
