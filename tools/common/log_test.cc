#include "common/log.h"

#include <catch2/catch.hpp>

TEST_CASE("log: messages show control characters escaped and credentials redacted") {
  const std::string m = sf::log::safe_text("http://u:secret@h:9100/metrics: HTTP 500 (\x1b[2J\rfake\nscrape-nodes: ok)");
  CHECK(m.find('\x1b') == std::string::npos);
  CHECK(m.find('\r') == std::string::npos);
  CHECK(m.find('\n') == std::string::npos);
  CHECK(m.find("secret") == std::string::npos);
  CHECK_THAT(m, Catch::Contains("http://***@h:9100/metrics") && Catch::Contains("\\x1B[2J\\rfake\\nscrape-nodes"));
}

TEST_CASE("log: indented continuation lines stay lines, each line is bounded") {
  CHECK(sf::log::safe_text("still waiting for:\n  nodes=3: 2 of 3\n  crd/x: missing") ==
        "still waiting for:\n  nodes=3: 2 of 3\n  crd/x: missing");
  const std::string long_line(100000, 'x');
  CHECK(sf::log::safe_text(long_line).size() < sf::log::kMaxLineBytes + 64);
}
