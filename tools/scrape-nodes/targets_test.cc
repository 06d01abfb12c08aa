#include "scrape-nodes/targets.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <unistd.h>

#include "common/error.h"

using namespace sf::scrape;

TEST_CASE("URL targets are kept as they are") {
  TargetDefaults d;
  CHECK(parse_target_text("http://10.0.0.1:9100/metrics", d, "arg").url == "http://10.0.0.1:9100/metrics");
  CHECK(parse_target_text("  https://n1/x  ", d, "arg").url == "https://n1/x");
}

TEST_CASE("host and host:port get scheme, port and path") {
  TargetDefaults d;
  CHECK(parse_target_text("10.0.0.5:9200", d, "arg").url == "http://10.0.0.5:9200/metrics");
  CHECK(parse_target_text("node1", d, "arg").url == "http://node1:9100/metrics");
  CHECK(parse_target_text("[::1]:9100", d, "arg").url == "http://[::1]:9100/metrics");
  CHECK(parse_target_text("[fe80::1]", d, "arg").url == "http://[fe80::1]:9100/metrics");
  d.scheme = "https";
  d.port = 443;
  d.path = "m";
  CHECK(parse_target_text("h", d, "arg").url == "https://h:443/m");
}

TEST_CASE("malformed targets are usage errors that name where") {
  TargetDefaults d;
  CHECK_THROWS_AS(parse_target_text("", d, "arg"), sf::UsageError);
  CHECK_THROWS_WITH(parse_target_text("host:99999", d, "hosts.txt:3"), Catch::Contains("hosts.txt:3"));
  CHECK_THROWS_WITH(parse_target_text("::1:9100", d, "arg"), Catch::Contains("brackets"));
  CHECK_THROWS_WITH(parse_target_text("ftp://x/metrics", d, "arg"), Catch::Contains("http"));
  CHECK_THROWS_AS(parse_target_text("host:abc", d, "arg"), sf::UsageError);
}

namespace {
std::vector<Target> read_from_text(const std::string& text) {
  char path[] = "/tmp/sn-targets-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  sf::LineReader reader(path);
  auto targets = read_targets(reader, TargetDefaults{});
  unlink(path);
  return targets;
}
}  // namespace

TEST_CASE("target files mix URLs, comments and node lines") {
  const auto targets = read_from_text(
      "# cluster nodes\n"
      "\n"
      "http://a:1/metrics\n"
      R"({"kind":"node","name":"kind-worker","internal_ip":"172.18.0.3","roles":[],"ready":true,)"
      R"("capacity":{"cpu_cores":4,"memory_bytes":1,"gpus":2},"labels":{"zone":"a"}})" "\n"
      R"({"kind":"node_usage","node":"x"})" "\n"
      "b:9101\r\n");
  REQUIRE(targets.size() == 3);
  CHECK(targets[0].url == "http://a:1/metrics");
  CHECK(targets[1].url == "http://172.18.0.3:9100/metrics");
  CHECK(targets[1].node_name == "kind-worker");
  CHECK(targets[1].gpus == 2);
  REQUIRE(targets[1].labels.size() == 1);
  CHECK(targets[1].labels[0].second == "a");
  CHECK(targets[2].url == "http://b:9101/metrics");
}

TEST_CASE("a node line without internal_ip is an error naming the line") {
  CHECK_THROWS_WITH(read_from_text("a:1\n{\"kind\":\"node\",\"name\":\"n\"}\n"), Catch::Contains(":2"));
  CHECK_THROWS_WITH(read_from_text("{\"kind\":\"node\",\"name\":\n"), Catch::Contains("invalid JSON"));
}
