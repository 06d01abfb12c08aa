// IPv4 addresses, CIDR subnets and address ranges as MetalLB writes them ("a.b.c.d-e.f.g.h" or
// a CIDR), parsed strictly: four decimal octets, no leading zeros (Go's net/netip rejects them:
// "010.0.0.1" is ambiguous between octal and decimal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sf::rm {

struct Ipv4 {
  uint32_t value = 0;
  auto operator<=>(const Ipv4&) const = default;
};

struct Ipv4Cidr {
  Ipv4 base;       // the network address (host bits zero)
  int prefix = 0;  // 0..32
  Ipv4 first() const { return base; }
  Ipv4 last() const;                   // the broadcast address
  bool contains(Ipv4 address) const;
  uint64_t size() const { return uint64_t{1} << (32 - prefix); }
};

struct Ipv4Range {
  Ipv4 first;
  Ipv4 last;  // inclusive
  uint64_t size() const { return uint64_t{last.value} - first.value + 1; }
  bool contains(Ipv4 address) const { return first <= address && address <= last; }
};

std::optional<Ipv4> parse_ipv4(std::string_view text);
std::string format_ipv4(Ipv4 address);

// "172.18.0.0/16". Host bits must be zero unless allow_host_bits (Docker's "IPv4Address" field
// is "172.18.0.3/16", an address with its prefix). With allow_host_bits the address is kept in
// `base` as given.
std::optional<Ipv4Cidr> parse_ipv4_cidr(std::string_view text, bool allow_host_bits = false);
std::string format_cidr(const Ipv4Cidr& cidr);

// MetalLB's forms: "a-b" (first <= last, spaces around '-' allowed as MetalLB does), a CIDR, or a
// single address. nullopt on anything else (including IPv6, which the caller names).
std::optional<Ipv4Range> parse_ipv4_range(std::string_view text);
std::string format_range(const Ipv4Range& range);  // always "a-b"

// True when the text looks like an IPv6 address or subnet (has a ':'), for error messages.
bool looks_like_ipv6(std::string_view text);

}  // namespace sf::rm
