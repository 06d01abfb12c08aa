#include "kind-wait/waiter.h"

#include <catch2/catch.hpp>

using sf::kw::format_duration;
using std::chrono::milliseconds;

TEST_CASE("durations in messages", "[waiter]") {
  CHECK(format_duration(milliseconds(850)) == "850ms");
  CHECK(format_duration(milliseconds(12'345)) == "12.3s");
  CHECK(format_duration(milliseconds(300'000)) == "5m0s");
  CHECK(format_duration(milliseconds(5'430'000)) == "1h30m30s");
}
