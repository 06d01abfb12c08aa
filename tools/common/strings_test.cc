#include "common/strings.h"

#include <catch2/catch.hpp>
#include <cmath>

TEST_CASE("string helpers") {
  CHECK(sf::trim("  a b \r\n") == "a b");
  CHECK(sf::split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
  CHECK(sf::iequals("Ready", "READY"));
  CHECK_FALSE(sf::iequals("Ready", "Read"));
  CHECK(sf::cat("n=", 3, " x=", 1.5) == "n=3 x=1.5");
}

TEST_CASE("numbers format and parse exactly") {
  CHECK(sf::format_number(0.1) == "0.1");
  CHECK(sf::format_number(12) == "12");
  CHECK(sf::format_number(NAN) == "NaN");
  CHECK(sf::format_fixed(2.345, 2) == "2.35");
  CHECK(sf::format_fixed(-0.001, 2) == "0.00");
  double v = 0;
  CHECK(sf::parse_double("2.5276510208e+10", v));
  CHECK(v == 2.5276510208e+10);
  CHECK(sf::parse_double("+3", v));
  CHECK_FALSE(sf::parse_double("3x", v));
  CHECK_FALSE(sf::parse_double("", v));
  CHECK_FALSE(sf::parse_double("1e999", v));
  CHECK(sf::format_bytes(8589934592.0) == "8.0 GiB");
}

TEST_CASE("parse_number tells a number too large for a double from junk") {
  double v = 0;
  CHECK(sf::parse_number("1e309", v) == sf::NumberStatus::kOutOfRange);
  CHECK(sf::parse_number("-1e309", v) == sf::NumberStatus::kOutOfRange);
  CHECK(sf::parse_number("cheap", v) == sf::NumberStatus::kNotANumber);
  CHECK(sf::parse_number("nan", v) == sf::NumberStatus::kNotANumber);
  CHECK(sf::parse_number("inf", v) == sf::NumberStatus::kNotANumber);
  CHECK(sf::parse_number("1e308", v) == sf::NumberStatus::kOk);
  CHECK(sf::parse_number("1e-400", v) == sf::NumberStatus::kOk);  // underflow: a tiny number
  CHECK(v == 0);
}
