#include "render-manifests/ipv4.h"

#include <catch2/catch.hpp>

using namespace sf::rm;

TEST_CASE("ipv4: addresses parse strictly and round-trip", "[ipv4]") {
  CHECK(format_ipv4(*parse_ipv4("172.18.0.1")) == "172.18.0.1");
  CHECK(format_ipv4(*parse_ipv4("0.0.0.0")) == "0.0.0.0");
  CHECK(format_ipv4(*parse_ipv4("255.255.255.255")) == "255.255.255.255");
  CHECK(parse_ipv4("10.0.0.1")->value == 0x0a000001u);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4 ", " 1.2.3.4", "01.2.3.4",
                          "1..2.3", "1.2.3.-4", "a.b.c.d", "1.2.3.4/24", "1234.1.1.1", "::1"})
    CHECK_FALSE(parse_ipv4(bad).has_value());
}

TEST_CASE("ipv4: subnets, their ends and membership", "[ipv4]") {
  const auto c = *parse_ipv4_cidr("172.18.0.0/16");
  CHECK(format_ipv4(c.first()) == "172.18.0.0");
  CHECK(format_ipv4(c.last()) == "172.18.255.255");
  CHECK(c.size() == 65536);
  CHECK(c.contains(*parse_ipv4("172.18.200.7")));
  CHECK_FALSE(c.contains(*parse_ipv4("172.19.0.1")));
  CHECK(format_cidr(*parse_ipv4_cidr("192.168.48.0/20")) == "192.168.48.0/20");
  CHECK(format_ipv4(parse_ipv4_cidr("10.0.0.0/8")->last()) == "10.255.255.255");
  CHECK(format_ipv4(parse_ipv4_cidr("0.0.0.0/0")->last()) == "255.255.255.255");
  CHECK(parse_ipv4_cidr("10.1.2.3/32")->size() == 1);
  // Host bits: refused for subnets, accepted for Docker's "address/prefix" fields.
  CHECK_FALSE(parse_ipv4_cidr("172.18.0.1/16").has_value());
  CHECK(format_ipv4(parse_ipv4_cidr("172.18.0.3/16", true)->base) == "172.18.0.3");
  for (const char* bad : {"172.18.0.0", "172.18.0.0/", "172.18.0.0/33", "172.18.0.0/016", "172.18.0.0/1a",
                          "/16", "fc00::/64"})
    CHECK_FALSE(parse_ipv4_cidr(bad).has_value());
}

TEST_CASE("ipv4: MetalLB range forms", "[ipv4]") {
  CHECK(format_range(*parse_ipv4_range("172.18.255.200-172.18.255.250")) == "172.18.255.200-172.18.255.250");
  CHECK(format_range(*parse_ipv4_range("172.18.255.200 - 172.18.255.250")) == "172.18.255.200-172.18.255.250");
  CHECK(format_range(*parse_ipv4_range("172.18.255.0/28")) == "172.18.255.0-172.18.255.15");
  CHECK(format_range(*parse_ipv4_range("172.18.255.9")) == "172.18.255.9-172.18.255.9");
  CHECK(parse_ipv4_range("172.18.255.200-172.18.255.250")->size() == 51);
  CHECK_FALSE(parse_ipv4_range("172.18.255.250-172.18.255.200").has_value());  // reversed
  CHECK_FALSE(parse_ipv4_range("172.18.255.200-").has_value());
  CHECK_FALSE(parse_ipv4_range("fc00::10-fc00::20").has_value());
  CHECK(looks_like_ipv6("fc00::10-fc00::20"));
  CHECK_FALSE(looks_like_ipv6("172.18.0.1"));
}
