#include "kind-wait/quantity.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using sf::kw::parse_quantity;
using sf::kw::Quantity;

namespace {
Quantity q(const char* text) {
  Quantity out;
  REQUIRE(parse_quantity(text, out));
  return out;
}
}  // namespace

TEST_CASE("quantities: the forms nodes report", "[quantity]") {
  CHECK(q("2").milli_value() == 2000);
  CHECK(q("500m").milli_value() == 500);
  CHECK(q("500m").to_double() == Approx(0.5));
  CHECK(q("8Gi").value() == 8LL * 1024 * 1024 * 1024);
  CHECK(q("16384Ki").value() == 16384LL * 1024);
  CHECK(q("8063156Ki").value() == 8063156LL * 1024);
  CHECK(q("1e3").value() == 1000);
  CHECK(q("1E3").value() == 1000);
  CHECK(q("1.5G").value() == 1'500'000'000);
  CHECK(q("1.5Gi").value() == 1'610'612'736);
  CHECK(q("15625027559").value() == 15'625'027'559);
  CHECK(q("110").value() == 110);
  CHECK(q("0").value() == 0);
  CHECK(q("0").is_zero());
  CHECK(q("000.000").is_zero());
  CHECK(q("100n").milli_value() == 1);       // rounds up to the next milli
  CHECK(q("100n").to_double() == Approx(1e-7));
  CHECK(q("250u").milli_value() == 1);
  CHECK(q("1500u").milli_value() == 2);
  CHECK(q("3k").value() == 3000);
  CHECK(q("2M").value() == 2'000'000);
  CHECK(q("1T").value() == 1'000'000'000'000);
  CHECK(q("1Ei").value() == (1LL << 60));
  CHECK(q("1.").value() == 1);
  CHECK(q(".5").milli_value() == 500);
  CHECK(q("+4").value() == 4);
  CHECK(q("-4").value() == -4);
  CHECK(q("12e-1").value() == 2);             // 1.2 rounds up to a whole unit
  CHECK(q("129e-2").milli_value() == 1290);
  CHECK(q("1.001").value() == 2);
  CHECK(q("0.5").value() == 1);
  CHECK(q("7.5e-10").milli_value() == 1);
}

TEST_CASE("quantities: exact where doubles would not be", "[quantity]") {
  CHECK(q("9007199254740993").value() == 9'007'199'254'740'993LL);  // 2^53 + 1
  CHECK(q("8Ei").value() == INT64_MAX);                              // saturates
  CHECK(q("100E").value() == INT64_MAX);
  CHECK(q("1e100").value() == INT64_MAX);
  CHECK(q("1e-100").value() == 1);
  CHECK(q("123456789012345678901234567890123456").value() == INT64_MAX);
}

TEST_CASE("quantities: what does not parse", "[quantity]") {
  Quantity out;
  for (const char* bad : {"", "m", "Gi", "1.5.5", "1 Gi", "1gi", "1KB", "1Ki ", "--1", "1e", "1e+", "1ee3", "0x10",
                          "1Ki2", "1.5Gb", "five", "1e99999"}) {
    INFO(bad);
    CHECK_FALSE(parse_quantity(bad, out));
  }
  CHECK_THROWS_WITH(sf::kw::parse_quantity_or_throw("lots", "node a status.capacity.memory"),
                    Catch::Contains("node a status.capacity.memory") && Catch::Contains("\"lots\" is not a Kubernetes quantity"));
}
