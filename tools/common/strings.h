// Small string helpers shared by every tool (no std::format on g++ 12).
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sf {

// Concatenates anything streamable: cat("node ", name, " has ", n, " cores").
template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

std::string_view trim(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);

// Formats a double the shortest way that round-trips ("0.5", "1e-07", "12").
std::string format_number(double value);
// Fixed decimals, for tables and money ("12.35").
std::string format_fixed(double value, int decimals);
// Parses a whole string as a double; false on trailing junk, empty input, NaN, infinities or
// overflow.
bool parse_double(std::string_view text, double& out);
// The same, saying why it failed: a number too large for a double ("1e309") is not junk.
enum class NumberStatus { kOk, kNotANumber, kOutOfRange };
NumberStatus parse_number(std::string_view text, double& out);

// Human-readable bytes with binary prefixes ("7.8 GiB"), for tables and logs only.
std::string format_bytes(double bytes);

}  // namespace sf
