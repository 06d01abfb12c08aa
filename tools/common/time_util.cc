#include "common/time_util.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "common/error.h"
#include "common/strings.h"

namespace sf {

std::string format_rfc3339(Clock::time_point t, bool millis) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  long frac = static_cast<long>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  if (millis) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
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
  const std::string_view original = text;
  int year, month, day, hour, minute, second;
  const bool ok = read_int(text, 4, year) && expect(text, '-') && read_int(text, 2, month) && expect(text, '-') &&
                  read_int(text, 2, day) && expect(text, 'T') && read_int(text, 2, hour) && expect(text, ':') &&
                  read_int(text, 2, minute) && expect(text, ':') && read_int(text, 2, second);
  auto fail = [&]() {
    return ParseError(where, cat("'", original, "' is not an RFC 3339 time; write it like 2026-11-26T07:00:00Z"));
  };
  if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) throw fail();
  // system_clock counts nanoseconds in 64 bits: years outside 1678-2261 do not fit.
  if (year < 1970 || year > 2261)
    throw ParseError(where, cat("'", original, "': year ", year, " is out of range (1970 to 2261)"));
  double fraction = 0;
  if (!text.empty() && text.front() == '.') {
    size_t n = 1;
    while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
    if (n == 1 || !parse_double(cat("0", text.substr(0, n)), fraction)) throw fail();
    text.remove_prefix(n);
  }
  int offset_minutes = 0;
  if (!text.empty() && (text.front() == 'Z' || text.front() == 'z')) {
    text.remove_prefix(1);
  } else if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    const int sign = text.front() == '-' ? -1 : 1;
    text.remove_prefix(1);
    int oh, om;
    if (!read_int(text, 2, oh) || !expect(text, ':') || !read_int(text, 2, om)) throw fail();
    offset_minutes = sign * (oh * 60 + om);
  } else {
    throw fail();
  }
  if (!text.empty()) throw fail();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);
  const auto base = Clock::from_time_t(t) - std::chrono::minutes(offset_minutes);
  return base + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(fraction));
}

}  // namespace sf
