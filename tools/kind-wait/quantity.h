// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "2", "500m", "8Gi",
// "16384Ki", "1e3", "1.5G", "100n". Parsed exactly into digits and exponents, then converted:
// bytes round up to a whole number (Quantity.Value), CPU keeps milli precision (MilliValue).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sf::kw {

struct Quantity {
  bool negative = false;
  std::string digits;  // the mantissa without its point, leading zeros stripped ("" = zero)
  int exp10 = 0;       // value = digits * 10^exp10 * 2^exp2
  int exp2 = 0;

  bool is_zero() const { return digits.empty(); }
  double to_double() const;
  // The value rounded up to a multiple of 10^-scale (away from zero for negatives, as
  // Quantity.ScaledValue), as an integer count of 10^-scale units. Saturates at int64 limits.
  int64_t scaled_ceil(int scale) const;
  int64_t value() const { return scaled_ceil(0); }        // bytes, counts
  int64_t milli_value() const { return scaled_ceil(3); }  // millicores
};

// Parses the canonical grammar: [+-] digits [. digits] [suffix], suffix one of
// Ki Mi Gi Ti Pi Ei | n u m k M G T P E | e<int> E<int>. False on anything else.
bool parse_quantity(std::string_view text, Quantity& out);

// Parses or throws ParseError naming `where` (e.g. "node kind-worker status.capacity.memory").
Quantity parse_quantity_or_throw(std::string_view text, const std::string& where);

}  // namespace sf::kw
