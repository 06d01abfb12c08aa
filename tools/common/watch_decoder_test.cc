#include "common/watch_decoder.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/error.h"

using sf::kube::ApiStatus;
using sf::kube::EventType;
using sf::kube::WatchDecoder;
using sf::kube::WatchEvent;

namespace {

// A nodes watch as the API server sends it: ADDED, MODIFIED, BOOKMARK, then the in-band 410.
const std::string kStream =
    R"({"type":"ADDED","object":{"kind":"Node","apiVersion":"v1","metadata":{"name":"kind-control-plane","resourceVersion":"612","labels":{"node-role.kubernetes.io/control-plane":""}},"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status"}]}}})"
    "\n"
    R"({"type":"ADDED","object":{"kind":"Node","apiVersion":"v1","metadata":{"name":"kind-worker","resourceVersion":"640"},"spec":{"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"}]},"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletNotReady","message":"container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized {\"x\":[1]}"}]}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"Node","apiVersion":"v1","metadata":{"name":"kind-worker","resourceVersion":"701"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Node","apiVersion":"v1","metadata":{"resourceVersion":"760","creationTimestamp":null},"spec":{},"status":{}}})"
    "\n"
    R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 612 (705)","reason":"Expired","code":410}})json"
    "\n";

struct Collector {
  std::vector<WatchEvent> events;
  WatchDecoder decoder{"https://127.0.0.1:6443/api/v1/nodes?watch=1",
                       [this](WatchEvent&& e) { events.push_back(std::move(e)); }};
};

void check_stream(const std::vector<WatchEvent>& events) {
  REQUIRE(events.size() == 5);
  CHECK(events[0].type == EventType::kAdded);
  CHECK(events[0].resource_version == "612");
  CHECK(std::string(events[0].object["metadata"]["name"].GetString()) == "kind-control-plane");
  CHECK(events[1].resource_version == "640");
  CHECK(events[2].type == EventType::kModified);
  CHECK(events[2].resource_version == "701");
  CHECK(events[3].type == EventType::kBookmark);
  CHECK(events[3].resource_version == "760");
  CHECK(events[4].type == EventType::kError);
  CHECK(events[4].status.code == 410);
  CHECK(events[4].status.reason == "Expired");
  CHECK(events[4].status.expired());
  CHECK(events[4].status.message == "too old resource version: 612 (705)");
}

}  // namespace

TEST_CASE("watch decoder: whole stream in one chunk", "[watch]") {
  Collector c;
  c.decoder.feed(kStream);
  check_stream(c.events);
  CHECK(c.decoder.finish());
  CHECK(c.decoder.events() == 5);
}

TEST_CASE("watch decoder: every split point, and byte by byte", "[watch]") {
  for (size_t cut = 0; cut <= kStream.size(); cut += 7) {
    Collector c;
    c.decoder.feed(std::string_view(kStream).substr(0, cut));
    c.decoder.feed(std::string_view(kStream).substr(cut));
    check_stream(c.events);
    CHECK(c.decoder.finish());
  }
  Collector c;
  for (char ch : kStream) c.decoder.feed(std::string_view(&ch, 1));
  check_stream(c.events);
}

TEST_CASE("watch decoder: braces and escaped quotes inside strings do not end an object", "[watch]") {
  Collector c;
  const std::string tricky =
      R"({"type":"ADDED","object":{"metadata":{"name":"a}\"{b","resourceVersion":"1"},"x":"\\"}})";
  c.decoder.feed(tricky.substr(0, 40));
  CHECK(c.events.empty());
  CHECK_FALSE(c.decoder.finish());
  c.decoder.feed(tricky.substr(40));
  REQUIRE(c.events.size() == 1);
  CHECK(std::string(c.events[0].object["metadata"]["name"].GetString()) == "a}\"{b");
}

TEST_CASE("watch decoder: pretty-printed objects without newline separators", "[watch]") {
  Collector c;
  c.decoder.feed("{\n  \"type\": \"ADDED\",\n  \"object\": {\"metadata\": {\"resourceVersion\": \"5\"}}\n}"
                 "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"resourceVersion\":\"6\"}}}\r\n");
  REQUIRE(c.events.size() == 2);
  CHECK(c.events[1].type == EventType::kDeleted);
  CHECK(c.events[1].resource_version == "6");
}

TEST_CASE("watch decoder: a cut-off event is reported by finish, reset forgets it", "[watch]") {
  Collector c;
  c.decoder.feed(kStream.substr(0, 100));
  CHECK_FALSE(c.decoder.finish());
  CHECK(c.decoder.pending_bytes() == 100);
  c.decoder.reset();
  CHECK(c.decoder.finish());
  c.decoder.feed(kStream);
  check_stream(c.events);
}

TEST_CASE("watch decoder: malformed input names the stream and event", "[watch]") {
  SECTION("not an object") {
    Collector c;
    CHECK_THROWS_WITH(c.decoder.feed("<html>"), Catch::Contains("event 1") && Catch::Contains("expected a JSON object"));
  }
  SECTION("bad JSON") {
    Collector c;
    CHECK_THROWS_WITH(c.decoder.feed("{\"type\":ADDED}"), Catch::Contains("invalid JSON"));
  }
  SECTION("unknown type") {
    Collector c;
    c.decoder.feed(R"({"type":"ADDED","object":{}})");
    CHECK_THROWS_WITH(c.decoder.feed(R"({"type":"SYNC","object":{}})"),
                      Catch::Contains("event 2") && Catch::Contains("unknown event type \"SYNC\""));
  }
  SECTION("missing object") {
    Collector c;
    CHECK_THROWS_AS(c.decoder.feed(R"({"type":"ADDED"})"), sf::ParseError);
  }
  SECTION("too deep") {
    Collector c;
    CHECK_THROWS_WITH(c.decoder.feed(std::string("{\"a\":") + std::string(1000, '[')), Catch::Contains("nesting"));
  }
  SECTION("too big") {
    std::vector<WatchEvent> events;
    WatchDecoder small("s", [&](WatchEvent&& e) { events.push_back(std::move(e)); }, 64);
    CHECK_THROWS_WITH(small.feed(std::string("{\"type\":\"ADDED\",\"object\":{\"a\":\"") + std::string(100, 'x')),
                      Catch::Contains("larger than 64 bytes"));
  }
}

TEST_CASE("Status objects from bodies and events", "[watch]") {
  ApiStatus s;
  REQUIRE(sf::kube::parse_status_body(
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429})",
      s));
  CHECK(s.code == 429);
  CHECK(s.retry_after_seconds == 1);
  CHECK_FALSE(s.expired());
  CHECK(s.describe() == "429 TooManyRequests: Too many requests, please try again later.");
  ApiStatus gone;
  REQUIRE(sf::kube::parse_status_body(R"({"kind":"Status","reason":"Gone","code":410})", gone));
  CHECK(gone.expired());
  ApiStatus none;
  CHECK_FALSE(sf::kube::parse_status_body("404 page not found", none));
  CHECK_FALSE(sf::kube::parse_status_body(R"({"kind":"Node"})", none));
}
