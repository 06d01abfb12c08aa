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

TEST_CASE("dates that do not exist are errors, not the next month") {
  CHECK_THROWS_WITH(sf::parse_rfc3339("2026-02-30T00:00:00Z", "usage.jsonl:3"),
                    Catch::Contains("usage.jsonl:3") && Catch::Contains("2026-02 has 28 days"));
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-04-31T00:00:00Z", "t"), sf::ParseError);
  CHECK_THROWS_AS(sf::parse_rfc3339("2100-02-29T00:00:00Z", "t"), sf::ParseError);  // not a leap year
  CHECK(sf::format_rfc3339(sf::parse_rfc3339("2000-02-29T00:00:00Z", "t")) == "2000-02-29T00:00:00Z");
  CHECK(sf::format_rfc3339(sf::parse_rfc3339("2028-02-29T12:00:00Z", "t")) == "2028-02-29T12:00:00Z");
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-11-00T00:00:00Z", "t"), sf::ParseError);
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-11-26T24:00:00Z", "t"), sf::ParseError);
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-11-26T23:60:00Z", "t"), sf::ParseError);
}

TEST_CASE("offsets are +hh:mm with hh 00-23 and mm 00-59") {
  CHECK_THROWS_WITH(sf::parse_rfc3339("2026-11-26T07:00:00+99:00", "t"), Catch::Contains("offset"));
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-11-26T07:00:00+01:60", "t"), sf::ParseError);
  CHECK_THROWS_AS(sf::parse_rfc3339("2026-11-26T07:00:00+0100", "t"), sf::ParseError);
  CHECK(sf::format_rfc3339(sf::parse_rfc3339("2026-11-26T23:30:00-23:59", "t")) == "2026-11-27T23:29:00Z");
  CHECK(sf::format_rfc3339(sf::parse_rfc3339("2026-01-01T00:00:00+01:00", "t")) == "2025-12-31T23:00:00Z");
}

TEST_CASE("a long bad time is shown as a bounded, printable excerpt") {
  const std::string junk = "2026-\x1b[31m" + std::string(100000, 'x');
  try {
    sf::parse_rfc3339(junk, "f:1");
    FAIL("accepted");
  } catch (const sf::ParseError& e) {
    const std::string m = e.what();
    CHECK(m.size() < 400);
    CHECK(m.find('\x1b') == std::string::npos);
    CHECK(m.find("\\x1B") != std::string::npos);
  }
}

TEST_CASE("calendar arithmetic agrees with a day-by-day walk from 1970 to 2400") {
  int64_t days = 0;
  for (int y = 1970; y < 2400; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= sf::days_in_month(y, m); ++d, ++days) {
        const sf::CivilDate date{y, m, d};
        REQUIRE(sf::days_from_civil(date) == days);
        REQUIRE(sf::civil_from_days(days) == date);
      }
    }
  }
  CHECK(sf::civil_from_days(-1) == sf::CivilDate{1969, 12, 31});
  CHECK(sf::days_from_civil({1600, 3, 1}) == -135080);
}

TEST_CASE("month boundaries in UTC, leap Februaries included") {
  const auto t = sf::parse_rfc3339("2028-02-29T23:59:59.900Z", "t");
  CHECK(sf::format_rfc3339(sf::month_start(t)) == "2028-02-01T00:00:00Z");
  CHECK(sf::format_rfc3339(sf::next_month_start(t)) == "2028-03-01T00:00:00Z");
  const auto dec = sf::parse_rfc3339("2026-12-31T12:00:00Z", "t");
  CHECK(sf::format_rfc3339(sf::next_month_start(dec)) == "2027-01-01T00:00:00Z");
  CHECK(sf::format_rfc3339(sf::parse_rfc3339("2026-11-26T07:00:10.5Z", "t"), true) == "2026-11-26T07:00:10.500Z");
}
