// Float-to-integer conversions defined for every input. In C++ a cast of a double outside the
// target's range (1e300, inf, NaN) is undefined behaviour, which GCC's -fsanitize=undefined
// does not even report unless float-cast-overflow is asked for (the Sanitize build does). Every
// conversion of an untrusted double (a JSON number, a parsed duration, a header value) goes
// through these.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace sf {

// The double truncated toward zero, or nullopt when it is NaN, infinite or out of range.
inline std::optional<int64_t> to_int64(double value) {
  // 2^63 is exactly representable; every double below it (and >= -2^63) converts.
  constexpr double kLimit = 9223372036854775808.0;
  if (!(value >= -kLimit && value < kLimit)) return std::nullopt;  // NaN fails this test too
  return static_cast<int64_t>(value);
}

// The double clamped into [lo, hi] and truncated; NaN gives `lo`.
inline int64_t clamp_to_int64(double value, int64_t lo, int64_t hi) {
  if (std::isnan(value)) return lo;
  if (value <= static_cast<double>(lo)) return lo;
  if (value >= static_cast<double>(hi)) return hi;
  return static_cast<int64_t>(value);
}

}  // namespace sf
