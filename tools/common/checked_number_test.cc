#include "common/checked_number.h"

#include <catch2/catch.hpp>
#include <limits>

TEST_CASE("to_int64 refuses what a cast would make undefined", "[checked_number]") {
  CHECK(sf::to_int64(42.9) == 42);
  CHECK(sf::to_int64(-42.9) == -42);
  CHECK(sf::to_int64(-9223372036854775808.0) == std::numeric_limits<int64_t>::min());
  CHECK(sf::to_int64(9223372036854774784.0) == 9223372036854774784LL);  // the largest double below 2^63
  CHECK_FALSE(sf::to_int64(9223372036854775808.0));                     // 2^63
  CHECK_FALSE(sf::to_int64(1e300));
  CHECK_FALSE(sf::to_int64(-1e300));
  CHECK_FALSE(sf::to_int64(std::numeric_limits<double>::infinity()));
  CHECK_FALSE(sf::to_int64(std::numeric_limits<double>::quiet_NaN()));
}

TEST_CASE("clamp_to_int64 saturates and maps NaN to the floor", "[checked_number]") {
  CHECK(sf::clamp_to_int64(1e300, 0, 1000) == 1000);
  CHECK(sf::clamp_to_int64(-1e300, 0, 1000) == 0);
  CHECK(sf::clamp_to_int64(std::numeric_limits<double>::quiet_NaN(), 5, 1000) == 5);
  CHECK(sf::clamp_to_int64(12.7, 0, 1000) == 12);
}
