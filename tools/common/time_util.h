// RFC 3339 UTC timestamps, the contract's time format, and the proleptic Gregorian calendar
// arithmetic behind them (one implementation: parsing, formatting and billing months use it).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sf {

using Clock = std::chrono::system_clock;

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..days_in_month
  bool operator==(const CivilDate&) const = default;
};

bool is_leap_year(int year);
int days_in_month(int year, int month);  // 28..31; 0 for a month outside 1..12
// Days since 1970-01-01 (negative before), and back. Exact for every date in the proleptic
// Gregorian calendar that fits an int year.
int64_t days_from_civil(const CivilDate& date);
CivilDate civil_from_days(int64_t days);

// The first instant of the UTC calendar month holding `t`, and of the month after it.
Clock::time_point month_start(Clock::time_point t);
Clock::time_point next_month_start(Clock::time_point t);

// "2026-11-26T07:00:00Z"; with millis=true "2026-11-26T07:00:00.123Z".
std::string format_rfc3339(Clock::time_point t, bool millis = false);
// RFC 3339 (section 5.6): a date that exists (2026-02-30 does not), hours 00-23, minutes 00-59,
// seconds 00-60, optional fraction, "Z" or an offset "+hh:mm" / "-hh:mm" with hh 00-23 and mm
// 00-59. Years 1970 to 2261 (what a 64-bit nanosecond clock holds). Throws ParseError naming
// `where` and showing (a bounded, printable excerpt of) the text.
Clock::time_point parse_rfc3339(std::string_view text, const std::string& where);

}  // namespace sf
