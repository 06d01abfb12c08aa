// RFC 3339 UTC timestamps, the contract's time format.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sf {

using Clock = std::chrono::system_clock;

// "2026-11-26T07:00:00Z"; with millis=true "2026-11-26T07:00:00.123Z".
std::string format_rfc3339(Clock::time_point t, bool millis = false);
// Accepts "Z" or "+hh:mm" offsets and fractional seconds; throws ParseError naming `where`.
Clock::time_point parse_rfc3339(std::string_view text, const std::string& where);

}  // namespace sf
