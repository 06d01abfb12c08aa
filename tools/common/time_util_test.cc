#include "common/time_util.h"

#include <catch2/catch.hpp>

#include "common/error.h"

TEST_CASE("RFC 3339 round trip in UTC") {
  const auto t = sf::parse_rfc3339("2026-11-26T07:00:10Z", "t");
  CHECK(sf::format_rfc3339(t) == "2026-11-26T07:00:10Z");
  CHECK(sf::format_rfc3339(sf::parse_rfc3339("2026-11-26T07:00:10.250Z", "t"), true) == "2026-11-26T07:00:10.250Z");
  CHECK(sf::parse_rfc3339("2026-11-26T08:00:10+01:00", "t") == t);
  CHECK(sf::parse_rfc3339("2026-11-26T06:30:10-00:30", "t") == t);
  CHECK(sf::format_rfc3339(sf::Clock::time_point{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("bad times name where and show the format") {
  CHECK_THROWS_WITH(sf::parse_rfc3339("2026-11-26 07:00", "ledger.csv:4"),
                    Catch::Contains("ledger.csv:4") && Catch::Contains("2026-11-26T07:00:00Z"));
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-13-01T00:00:00Z", "t"), sf::ParseError);
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-11-26T07:00:00", "t"), sf::ParseError);
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-11-26T07:00:00Zjunk", "t"), sf::ParseError);
}

TEST_CASE("years are four digits without a sign and inside the clock's range") {
  CHECK_THROWS_AS(sf::parse_rfc3339("-202-11-26T07:00:00Z", "t"), sf::ParseError);
  CHECK_THROWS_WITH(sf::parse_rfc3339("9999-11-26T07:00:00Z", "t"), Catch::Contains("out of range"));
  CHECK_THROWS_WITH(sf::parse_rfc3339("1900-01-01T00:00:00Z", "t"), Catch::Contains("out of range"));
  CHECK(sf::format_rfc3339(sf::parse_rfc3339("2261-12-31T23:59:59Z", "t")) == "2261-12-31T23:59:59Z");
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-+1-26T07:00:00Z", "t"), sf::ParseError);
}
