#include "scrape-nodes/targets.h"
#include "scrape-nodes/scraper.h"

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

TEST_CASE("malformed URLs are usage errors naming the target, in our words") {
  TargetDefaults d;
  CHECK_THROWS_WITH(parse_target_text("http://", d, "argument"), Catch::Contains("argument") && Catch::Contains("no host"));
  CHECK_THROWS_WITH(parse_target_text("http://:9100/metrics", d, "arg"), Catch::Contains("no host"));
  CHECK_THROWS_WITH(parse_target_text("http://node 1:9100/metrics", d, "hosts.txt:2"),
                    Catch::Contains("hosts.txt:2") && Catch::Contains("space"));
  CHECK_THROWS_WITH(parse_target_text("http://a:99999/metrics", d, "arg"), Catch::Contains("libcurl"));
  CHECK_THROWS_WITH(parse_target_text("http://a:0/metrics", d, "arg"), Catch::Contains("port 0"));
  CHECK_THROWS_WITH(parse_target_text("http://user:secret@:9100/x", d, "arg"),
                    Catch::Contains("no host") && !Catch::Contains("secret"));
  CHECK_THROWS_AS(parse_target_text(std::string("http://a\x1b[2J:1/"), d, "arg"), sf::UsageError);
  CHECK(parse_target_text("HTTP://a:1/m", d, "arg").url == "HTTP://a:1/m");
  // A 10 MB bad target is shown as a short excerpt.
  try {
    parse_target_text(std::string(10 << 20, 'x') + " y", d, "arg");
    FAIL("accepted");
  } catch (const sf::UsageError& e) {
    CHECK(std::string(e.what()).size() < 400);
  }
}

TEST_CASE("internal_ip of a node line must be an IP address") {
  sf::NodeRecord node;
  node.name = "n1";
  TargetDefaults d;
  for (const char* bad : {"127.0.0.1/../x", "10.0.0.1:1@evil", "node1", "10.0.0.256", "::1]"}) {
    node.internal_ip = bad;
    INFO(bad);
    CHECK_THROWS_WITH(target_from_node(node, d, "in:3"), Catch::Contains("in:3") && Catch::Contains("not an IP address"));
  }
  node.internal_ip = "fd00::5";
  CHECK(target_from_node(node, d, "in:3").url == "http://[fd00::5]:9100/metrics");
  node.internal_ip = "172.18.0.3";
  CHECK(target_from_node(node, d, "in:3").url == "http://172.18.0.3:9100/metrics");
}

TEST_CASE("a deeply nested node line is an error, not a crash") {
  const std::string deep = "{\"kind\":\"node\",\"x\":" + std::string(500000, '[') + std::string(500000, ']') + "}\n";
  CHECK_THROWS_WITH(read_from_text(deep), Catch::Contains(":1") && Catch::Contains("nested deeper"));
}

TEST_CASE("HTTP errors through the API server speak of credentials and RBAC, not of exporters") {
  Target t{"https://10.96.0.1:6443/api/v1/nodes/kind-worker:9100/proxy/metrics", "kind-worker", {}, 0};
  CHECK_THAT(status_error(t, 401, "Unauthorized", true),
             Catch::Contains("HTTP 401") && Catch::Contains("kubeconfig's credentials") && !Catch::Contains("node-exporter's metrics URL"));
  CHECK_THAT(status_error(t, 403, "forbidden", true), Catch::Contains("nodes/proxy") && Catch::Contains("RBAC"));
  CHECK_THAT(status_error(t, 404, "", true), Catch::Contains("no node \"kind-worker\""));
  CHECK_THAT(status_error(t, 503, "", true), Catch::Contains("could not reach the exporter"));
  Target direct{"http://u:pw@10.0.0.1:9100/metrics", "", {}, 0};
  const std::string m = status_error(direct, 401, "\x1b[31mno\r\n", false);
  CHECK_THAT(m, Catch::Contains("node-exporter's metrics URL") && !Catch::Contains("pw@"));
  CHECK(m.find('\x1b') == std::string::npos);
}

TEST_CASE("a redirect names its Location redacted, a 429 or 503 is a busy server and not a wrong URL") {
  Target direct{"http://10.0.0.1:9100/metrics", "", {}, 0};
  const std::string redirect = status_error(direct, 302, "", false, "node-exporter", "https://u:pw@login.example/\x1b[2J");
  CHECK_THAT(redirect, Catch::Contains("HTTP 302") && Catch::Contains("redirects to https://***@login.example/") &&
                           Catch::Contains("not followed") && !Catch::Contains("pw@"));
  CHECK(redirect.find('\x1b') == std::string::npos);
  CHECK_THAT(status_error(direct, 301, "", false), Catch::Contains("the server redirects, and redirects are not followed"));
  for (const long status : {429L, 503L})
    CHECK_THAT(status_error(direct, status, "slow down", false),
               Catch::Contains("busy or limiting the rate") && !Catch::Contains("metrics URL"));
}

TEST_CASE("a node line with a key given twice is an error naming the key and the line") {
  CHECK_THROWS_WITH(read_from_text("{\"kind\":\"node\",\"name\":\"a\",\"internal_ip\":\"10.0.0.1\",\"internal_ip\":\"10.0.0.2\"}\n"),
                    Catch::Contains(":1") && Catch::Contains("field \"internal_ip\" is given twice"));
  CHECK_THROWS_WITH(read_from_text("{\"kind\":\"node\",\"name\":\"a\",\"internal_ip\":\"10.0.0.1\",\"capacity\":{\"cpu_cores\":2,\"cpu_cores\":64}}\n"),
                    Catch::Contains("(capacity)") && Catch::Contains("field \"cpu_cores\" is given twice"));
  CHECK_THROWS_WITH(read_from_text("{\"kind\":\"node\",\"name\":\"a\",\"internal_ip\":\"10.0.0.1\",\"labels\":{\"z\":\"1\",\"z\":\"2\"}}\n"),
                    Catch::Contains("label \"z\" is given twice"));
  CHECK(read_from_text("{\"kind\":\"node\",\"name\":\"a\",\"internal_ip\":\"10.0.0.1\",\"labels\":{\"z\":\"1\",\"y\":\"1\"}}\n").size() == 1);
}
