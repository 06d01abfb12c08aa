#include "render-manifests/ipv4.h"

#include "common/strings.h"

namespace sf::rm {

Ipv4 Ipv4Cidr::last() const {
  const uint32_t host_mask = prefix == 0 ? 0xffffffffu : (prefix == 32 ? 0u : (0xffffffffu >> prefix));
  return Ipv4{base.value | host_mask};
}

bool Ipv4Cidr::contains(Ipv4 address) const { return first() <= address && address <= last(); }

std::optional<Ipv4> parse_ipv4(std::string_view text) {
  uint32_t value = 0;
  int octets = 0;
  size_t i = 0;
  while (octets < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    const size_t start = i;
    unsigned octet = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 4) {
      octet = octet * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    const size_t digits = i - start;
    if (digits > 3 || octet > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
    value = (value << 8) | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return Ipv4{value};
}

std::string format_ipv4(Ipv4 address) {
  const uint32_t v = address.value;
  return cat(v >> 24, '.', (v >> 16) & 0xff, '.', (v >> 8) & 0xff, '.', v & 0xff);
}

std::optional<Ipv4Cidr> parse_ipv4_cidr(std::string_view text, bool allow_host_bits) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = parse_ipv4(text.substr(0, slash));
  const std::string_view prefix_text = text.substr(slash + 1);
  if (!address || prefix_text.empty() || prefix_text.size() > 2) return std::nullopt;
  int prefix = 0;
  for (const char c : prefix_text) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > 32 || (prefix_text.size() == 2 && prefix_text[0] == '0')) return std::nullopt;
  Ipv4Cidr cidr{*address, prefix};
  const uint32_t net_mask = prefix == 0 ? 0u : (0xffffffffu << (32 - prefix));
  if (!allow_host_bits && (address->value & ~net_mask) != 0) return std::nullopt;
  return cidr;
}

std::string format_cidr(const Ipv4Cidr& cidr) { return cat(format_ipv4(cidr.base), '/', cidr.prefix); }

std::optional<Ipv4Range> parse_ipv4_range(std::string_view text) {
  text = trim(text);
  if (const size_t dash = text.find('-'); dash != std::string_view::npos) {
    const auto first = parse_ipv4(trim(text.substr(0, dash)));
    const auto last = parse_ipv4(trim(text.substr(dash + 1)));
    if (!first || !last || *last < *first) return std::nullopt;
    return Ipv4Range{*first, *last};
  }
  if (text.find('/') != std::string_view::npos) {
    const auto cidr = parse_ipv4_cidr(text);
    if (!cidr) return std::nullopt;
    return Ipv4Range{cidr->first(), cidr->last()};
  }
  const auto single = parse_ipv4(text);
  if (!single) return std::nullopt;
  return Ipv4Range{*single, *single};
}

std::string format_range(const Ipv4Range& range) {
  return cat(format_ipv4(range.first), '-', format_ipv4(range.last));
}

bool looks_like_ipv6(std::string_view text) { return text.find(':') != std::string_view::npos; }

}  // namespace sf::rm
