#include "common/time_util.h"

#include <charconv>
#include <cstdio>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf {

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int year, int month) {
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// Eras of 400 years (146097 days) starting on March 1st, so the leap day ends a year: the
// day of the era follows from the year of the era and the day of the year without tables.
int64_t days_from_civil(const CivilDate& date) {
  const int64_t y = static_cast<int64_t>(date.year) - (date.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                                      // 0..399
  const int64_t month_from_march = date.month > 2 ? date.month - 3 : date.month + 9;  // 0..11
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + date.day - 1;   // 0..365
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;                                              // 0..146096
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;
  CivilDate d;
  d.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  d.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  d.year = static_cast<int>(year_of_era + era * 400 + (d.month <= 2 ? 1 : 0));
  return d;
}

namespace {

using Days = std::chrono::duration<int64_t, std::ratio<86400>>;

int64_t floor_days(Clock::time_point t) { return std::chrono::floor<Days>(t.time_since_epoch()).count(); }

Clock::time_point at_day(int64_t days) {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(Days(days)));
}

}  // namespace

Clock::time_point month_start(Clock::time_point t) {
  CivilDate d = civil_from_days(floor_days(t));
  d.day = 1;
  return at_day(days_from_civil(d));
}

Clock::time_point next_month_start(Clock::time_point t) {
  CivilDate d = civil_from_days(floor_days(t));
  d.day = 1;
  if (++d.month == 13) {
    d.month = 1;
    ++d.year;
  }
  return at_day(days_from_civil(d));
}

std::string format_rfc3339(Clock::time_point t, bool millis) {
  const int64_t ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const int64_t day_ms = 86'400'000;
  int64_t days = ms / day_ms, rest = ms % day_ms;
  if (rest < 0) {
    rest += day_ms;
    --days;
  }
  const CivilDate d = civil_from_days(days);
  const int hour = static_cast<int>(rest / 3'600'000), minute = static_cast<int>(rest / 60'000 % 60);
  const int second = static_cast<int>(rest / 1000 % 60), frac = static_cast<int>(rest % 1000);
  char buffer[64];
  if (millis) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day, hour, minute,
                  second, frac);
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day, hour, minute,
                  second);
  }
  return buffer;
}

namespace {

bool read_int(std::string_view& text, size_t digits, int& out) {
  if (text.size() < digits) return false;
  for (size_t i = 0; i < digits; ++i)
    if (text[i] < '0' || text[i] > '9') return false;  // from_chars would take a sign
  const auto r = std::from_chars(text.data(), text.data() + digits, out);
  if (r.ec != std::errc() || r.ptr != text.data() + digits) return false;
  text.remove_prefix(digits);
  return true;
}

bool expect(std::string_view& text, char c) {
  if (text.empty() || (text.front() != c && !(c == 'T' && (text.front() == 't' || text.front() == ' '))))
    return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

Clock::time_point parse_rfc3339(std::string_view text, const std::string& where) {
  const std::string shown = printable(text, 64);
  auto fail = [&](const std::string& why) {
    return ParseError(where, cat("'", shown, "' is not an RFC 3339 time", why.empty() ? "" : " (" + why + ")",
                                 "; write it like 2026-11-26T07:00:00Z"));
  };
  int year, month, day, hour, minute, second;
  std::string_view rest = text;
  const bool ok = read_int(rest, 4, year) && expect(rest, '-') && read_int(rest, 2, month) && expect(rest, '-') &&
                  read_int(rest, 2, day) && expect(rest, 'T') && read_int(rest, 2, hour) && expect(rest, ':') &&
                  read_int(rest, 2, minute) && expect(rest, ':') && read_int(rest, 2, second);
  if (!ok) throw fail("");
  if (month < 1 || month > 12) throw fail(cat("there is no month ", month));
  if (day < 1 || day > days_in_month(year, month))
    throw fail(cat(year, "-", month < 10 ? "0" : "", month, " has ", days_in_month(year, month), " days"));
  if (hour > 23 || minute > 59 || second > 60) throw fail("hours are 00-23, minutes 00-59, seconds 00-60");
  // system_clock counts nanoseconds in 64 bits: years outside 1678-2261 do not fit.
  if (year < 1970 || year > 2261)
    throw ParseError(where, cat("'", shown, "': year ", year, " is out of range (1970 to 2261)"));
  double fraction = 0;
  if (!rest.empty() && rest.front() == '.') {
    size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 1 || !parse_double(cat("0", rest.substr(0, std::min<size_t>(n, 40))), fraction)) throw fail("");
    rest.remove_prefix(n);
  }
  int offset_minutes = 0;
  if (!rest.empty() && (rest.front() == 'Z' || rest.front() == 'z')) {
    rest.remove_prefix(1);
  } else if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    const int sign = rest.front() == '-' ? -1 : 1;
    rest.remove_prefix(1);
    int oh, om;
    if (!read_int(rest, 2, oh) || !expect(rest, ':') || !read_int(rest, 2, om)) throw fail("");
    if (oh > 23 || om > 59) throw fail("an offset is +hh:mm with hh 00-23 and mm 00-59");
    offset_minutes = sign * (oh * 60 + om);
  } else {
    throw fail("no Z or +hh:mm offset");
  }
  if (!rest.empty()) throw fail("");
  const int64_t seconds = days_from_civil({year, month, day}) * 86400 + hour * 3600 + minute * 60 + second -
                          static_cast<int64_t>(offset_minutes) * 60;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(seconds))) +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(fraction));
}

}  // namespace sf
