#include "kind-wait/quantity.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/error.h"
#include "common/strings.h"

namespace sf::kw {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Suffix -> (exp10, exp2). False when unknown.
bool suffix_exponents(std::string_view s, int& exp10, int& exp2) {
  exp10 = 0;
  exp2 = 0;
  if (s.empty()) return true;
  if (s.size() == 2 && s[1] == 'i') {
    switch (s[0]) {
      case 'K': exp2 = 10; return true;
      case 'M': exp2 = 20; return true;
      case 'G': exp2 = 30; return true;
      case 'T': exp2 = 40; return true;
      case 'P': exp2 = 50; return true;
      case 'E': exp2 = 60; return true;
      default: return false;
    }
  }
  if (s.size() == 1) {
    switch (s[0]) {
      case 'n': exp10 = -9; return true;
      case 'u': exp10 = -6; return true;
      case 'm': exp10 = -3; return true;
      case 'k': exp10 = 3; return true;
      case 'M': exp10 = 6; return true;
      case 'G': exp10 = 9; return true;
      case 'T': exp10 = 12; return true;
      case 'P': exp10 = 15; return true;
      case 'E': exp10 = 18; return true;
      default: return false;
    }
  }
  // Decimal exponent: e or E followed by a signed integer.
  if (s[0] != 'e' && s[0] != 'E') return false;
  std::string_view rest = s.substr(1);
  bool neg = false;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    neg = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest.empty() || rest.size() > 4) return false;
  int v = 0;
  for (char c : rest) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  exp10 = neg ? -v : v;
  return true;
}

}  // namespace

bool parse_quantity(std::string_view text, Quantity& out) {
  Quantity q;
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    q.negative = text[i] == '-';
    ++i;
  }
  std::string digits;
  size_t int_digits = 0;
  size_t frac_digits = 0;
  while (i < text.size() && is_digit(text[i])) {
    digits.push_back(text[i++]);
    ++int_digits;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      digits.push_back(text[i++]);
      ++frac_digits;
    }
  }
  if (int_digits + frac_digits == 0) return false;
  if (digits.size() > 64) return false;  // far beyond any real resource figure
  int exp10 = 0;
  int exp2 = 0;
  if (!suffix_exponents(text.substr(i), exp10, exp2)) return false;
  // Strip leading zeros; trailing zeros move into the exponent.
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    q.digits.clear();
    q.negative = false;
    out = q;
    return true;
  }
  digits.erase(0, first);
  q.exp10 = exp10 - static_cast<int>(frac_digits);
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++q.exp10;
  }
  q.digits = digits;
  q.exp2 = exp2;
  out = q;
  return true;
}

Quantity parse_quantity_or_throw(std::string_view text, const std::string& where) {
  Quantity q;
  if (!parse_quantity(text, q))
    throw ParseError(where, cat("\"", text, "\" is not a Kubernetes quantity (like 2, 500m, 8Gi, 1.5G or 1e3)"));
  return q;
}

double Quantity::to_double() const {
  if (digits.empty()) return 0;
  // strtod rounds the decimal part correctly; the binary factor is exact.
  const std::string decimal = cat(digits, "e", exp10);
  const double v = std::ldexp(std::strtod(decimal.c_str(), nullptr), exp2);
  return negative ? -v : v;
}

int64_t Quantity::scaled_ceil(int scale) const {
  if (digits.empty()) return 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto clamp = [&](long double v) -> int64_t {
    if (v >= static_cast<long double>(kMax)) return negative ? -kMax : kMax;
    const auto i = static_cast<int64_t>(v);
    return negative ? -i : i;
  };
  // Beyond exact integer range: long double, rounded up (only for absurd inputs).
  auto approximate = [&]() { return clamp(std::ceil(std::fabs(to_double()) * std::pow(10.0L, scale))); };
  if (digits.size() > 30) return approximate();
  // Exact: digits * 10^(exp10 + scale) * 2^exp2 in unsigned 128-bit (digits < 10^30 < 2^100).
  __extension__ typedef unsigned __int128 U;  // GNU extension; -Wpedantic knows it as one
  constexpr U kHigh = static_cast<U>(1) << 125;
  U n = 0;
  for (char c : digits) n = n * 10 + static_cast<unsigned>(c - '0');
  int e10 = exp10 + scale;
  for (int k = 0; k < exp2; ++k) {
    if (n >= kHigh) return approximate();
    n <<= 1;
  }
  for (; e10 > 0; --e10) {
    if (n >= kHigh / 10) return approximate();
    n *= 10;
  }
  if (e10 < 0) {
    if (-e10 > 38) return negative ? -1 : 1;  // a positive fraction of one unit rounds up to 1
    U divisor = 1;
    for (; e10 < 0; ++e10) divisor *= 10;
    n = n / divisor + (n % divisor != 0 ? 1 : 0);
  }
  if (n > static_cast<U>(kMax)) return negative ? -kMax : kMax;
  const auto v = static_cast<int64_t>(n);
  return negative ? -v : v;
}

}  // namespace sf::kw
