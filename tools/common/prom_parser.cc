// Streaming Prometheus text / OpenMetrics parser: see prom_parser.h for what is accepted.
// The hot path (parse_sample) works on raw pointers into the caller's chunk and a 256-entry
// character class table; numbers go through std::from_chars.
#include "common/prom_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>
#include <utility>

#include "common/error.h"

namespace sf::prom {

namespace {

enum : uint8_t {
  kNameStart = 1,    // [a-zA-Z_:]
  kNameChar = 2,     // [a-zA-Z0-9_:]
  kLabelStart = 4,   // [a-zA-Z_]
  kLabelChar = 8,    // [a-zA-Z0-9_]
  kBlank = 16,       // ' ' '\t'
  kValueStop = 32,   // '"' '\\' or a byte >= 0x80 (inside a label value)
};

constexpr std::array<uint8_t, 256> make_table() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || c == '_' || c == ':') v |= kNameStart;
    if (alpha || digit || c == '_' || c == ':') v |= kNameChar;
    if (alpha || c == '_') v |= kLabelStart;
    if (alpha || digit || c == '_') v |= kLabelChar;
    if (c == ' ' || c == '\t') v |= kBlank;
    if (c == '"' || c == '\\' || c >= 0x80) v |= kValueStop;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}

constexpr std::array<uint8_t, 256> kTable = make_table();

inline bool has(char c, uint8_t cls) { return (kTable[static_cast<unsigned char>(c)] & cls) != 0; }

inline const char* skip_blanks(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t')) ++p;
  return p;
}

inline const char* skip_token(const char* p, const char* end) {
  while (p < end && *p != ' ' && *p != '\t') ++p;
  return p;
}

// Same rules as Go's utf8.ValidString: no overlongs, no surrogates, nothing above U+10FFFF.
bool valid_utf8(const unsigned char* p, const unsigned char* end) {
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (size_t i = 2; i <= n; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += n + 1;
  }
  return true;
}

bool iequal_ascii(const char* p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = p[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

// Go's strconv.ParseFloat minus hex floats (Prometheus's expfmt refuses them too).
bool parse_go_float(const char* p, const char* end, double& out) {
  if (p == end) return false;
  const char* q = p;
  bool negative = false;
  bool signed_ = false;
  if (*q == '+' || *q == '-') {
    negative = *q == '-';
    signed_ = true;
    ++q;
    if (q == end) return false;
  }
  const char c = *q;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    if (iequal_ascii(q, end, "inf") || iequal_ascii(q, end, "infinity")) {
      out = negative ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity();
      return true;
    }
    if (!signed_ && iequal_ascii(q, end, "nan")) {
      out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    return false;
  }
  if (!((c >= '0' && c <= '9') || c == '.')) return false;
  double v;
  // from_chars does not take '+'; '-' it does, so hand it the sign position for that.
  const char* start = negative ? p : q;
  auto [ptr, ec] = std::from_chars(start, end, v, std::chars_format::general);
  if (ptr != end) return false;
  if (ec == std::errc::result_out_of_range) {
    // Overflow is an error (as in Go); underflow yields 0 or a denormal (as in Go).
    char buf[128];
    const size_t n = static_cast<size_t>(end - start);
    if (n >= sizeof(buf)) return false;
    std::memcpy(buf, start, n);
    buf[n] = '\0';
    v = std::strtod(buf, nullptr);
    if (std::isinf(v)) return false;
  } else if (ec != std::errc()) {
    return false;
  }
  out = v;
  return true;
}

constexpr std::string_view kTypeNames[] = {"untyped", "counter", "gauge", "histogram",
                                           "summary", "unknown", "gaugehistogram",
                                           "stateset", "info"};

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (text.size() > 80) out += "...";
  out += '"';
  return out;
}

// "'x'" for the offending character, or "end of line".
std::string describe(const char* p, const char* end) {
  if (p >= end) return "end of line";
  const auto u = static_cast<unsigned char>(*p);
  if (u < 0x20 || u >= 0x7f) {
    static const char kHex[] = "0123456789abcdef";
    return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
  }
  return std::string("'") + *p + "'";
}

}  // namespace

Parser::Parser(SampleHandler on_sample, std::string source_name, size_t max_line_bytes)
    : on_sample_(std::move(on_sample)),
      source_name_(std::move(source_name)),
      max_line_bytes_(max_line_bytes) {
  labels_.reserve(16);
}

void Parser::fail_line(const std::string& what) const {
  throw ParseError(source_name_ + ":" + std::to_string(lines_), what);
}

void Parser::fail(const char* at, const std::string& what) const {
  fail_line(what + " at column " + std::to_string(at - line_begin_ + 1));
}

void Parser::check_usable() const {
  if (failed_) {
    throw ParseError(source_name_ + ":" + std::to_string(lines_),
                     "parser used again after an error; create a new Parser for a new input");
  }
  if (finished_) {
    throw ParseError(source_name_ + ":" + std::to_string(lines_),
                     "feed() or finish() called after finish(); create a new Parser");
  }
}

void Parser::append_carry(const char* begin, const char* end) {
  const size_t n = static_cast<size_t>(end - begin);
  if (n > max_line_bytes_ - std::min(max_line_bytes_, carry_.size()) ||
      carry_.size() > max_line_bytes_) {
    throw ParseError(source_name_ + ":" + std::to_string(lines_ + 1),
                     "line is longer than " + std::to_string(max_line_bytes_) +
                         " bytes (the parser's max_line_bytes); is this really a Prometheus "
                         "text exposition?");
  }
  carry_.append(begin, n);
}

void Parser::feed(std::string_view chunk) {
  check_usable();
  try {
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    if (!carry_.empty() && p < end) {
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr) {
        append_carry(p, end);
        return;
      }
      append_carry(p, nl);
      process_line(carry_.data(), carry_.size());
      carry_.clear();
      p = nl + 1;
    }
    while (p < end) {
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr) {
        append_carry(p, end);
        break;
      }
      if (static_cast<size_t>(nl - p) > max_line_bytes_) {
        throw ParseError(source_name_ + ":" + std::to_string(lines_ + 1),
                         "line is longer than " + std::to_string(max_line_bytes_) +
                             " bytes (the parser's max_line_bytes); is this really a Prometheus "
                             "text exposition?");
      }
      process_line(p, static_cast<size_t>(nl - p));
      p = nl + 1;
    }
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void Parser::finish() {
  check_usable();
  try {
    finished_ = true;
    if (!carry_.empty()) {
      process_line(carry_.data(), carry_.size());
      carry_.clear();
    }
    if (format_ == Format::kOpenMetrics && !eof_seen_) {
      fail_line("OpenMetrics input does not end with '# EOF' (truncated body?)");
    }
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void Parser::process_line(const char* begin, size_t size) {
  ++lines_;
  if (size > 0 && begin[size - 1] == '\r') --size;
  line_begin_ = begin;
  line_size_ = size;
  const char* const end = begin + size;
  const char* p = skip_blanks(begin, end);
  if (p == end) return;  // blank line
  if (eof_seen_) fail(p, "unexpected content after '# EOF' (OpenMetrics input ends there)");
  if (*p == '#') {
    parse_comment(p + 1, end);
  } else {
    parse_sample(p, end);
  }
}

void Parser::set_family(std::string_view name) {
  if (name != family_) {
    family_.assign(name.data(), name.size());
    family_type_ = format_ == Format::kOpenMetrics ? Type::kUnknown : Type::kUntyped;
  }
}

std::string_view Parser::type_of(std::string_view name) const {
  const Type fallback = format_ == Format::kOpenMetrics ? Type::kUnknown : Type::kUntyped;
  const size_t n = family_.size();
  if (n == 0 || name.size() < n || std::memcmp(name.data(), family_.data(), n) != 0) {
    return kTypeNames[static_cast<size_t>(fallback)];
  }
  const std::string_view suffix = name.substr(n);
  bool member = suffix.empty();
  if (!member) {
    switch (family_type_) {
      case Type::kCounter:
        member = suffix == "_total" || suffix == "_created";
        break;
      case Type::kSummary:
        member = suffix == "_sum" || suffix == "_count" || suffix == "_created";
        break;
      case Type::kHistogram:
        member = suffix == "_bucket" || suffix == "_sum" || suffix == "_count" ||
                 suffix == "_created";
        break;
      case Type::kGaugeHistogram:
        member = suffix == "_bucket" || suffix == "_gcount" || suffix == "_gsum";
        break;
      case Type::kInfo:
        member = suffix == "_info";
        break;
      default:
        break;
    }
  }
  return kTypeNames[static_cast<size_t>(member ? family_type_ : fallback)];
}

// p is just after '#'.
void Parser::parse_comment(const char* p, const char* end) {
  p = skip_blanks(p, end);
  const char* word_begin = p;
  p = skip_token(p, end);
  const std::string_view word(word_begin, static_cast<size_t>(p - word_begin));
  if (word == "EOF") {
    if (format_ != Format::kText004 && skip_blanks(p, end) == end) eof_seen_ = true;
    return;
  }
  const bool help = word == "HELP";
  const bool type = word == "TYPE";
  const bool unit = word == "UNIT";
  if (!help && !type && !unit) return;  // an ordinary comment
  p = skip_blanks(p, end);
  if (p == end) return;  // "# HELP" alone: a comment, as Prometheus's expfmt reads it
  if (name_filter_ && rejected_by_filter(p, end)) return;
  const char* name_begin = p;
  if (!has(*p, kNameStart)) {
    fail(p, "expected a metric name after '# " + std::string(word) + "', found " +
                describe(p, end));
  }
  ++p;
  while (p < end && has(*p, kNameChar)) ++p;
  const std::string_view name(name_begin, static_cast<size_t>(p - name_begin));
  if (p < end && !has(*p, kBlank)) {
    fail(p, "unexpected " + describe(p, end) + " in metric name " + quoted(name) + " of the '# " +
                std::string(word) + "' line");
  }
  p = skip_blanks(p, end);

  if (help) {
    set_family(name);
    if (!on_help_) return;
    if (std::memchr(p, '\\', static_cast<size_t>(end - p)) == nullptr) {
      on_help_(name, std::string_view(p, static_cast<size_t>(end - p)));
      return;
    }
    help_.clear();
    for (const char* q = p; q < end; ++q) {
      if (*q == '\\' && q + 1 < end) {
        const char next = q[1];
        if (next == '\\' || next == 'n' || (next == '"' && format_ == Format::kOpenMetrics)) {
          help_ += next == 'n' ? '\n' : next;
          ++q;
          continue;
        }
      }
      help_ += *q;  // unknown escapes stay verbatim, as Prometheus keeps them
    }
    on_help_(name, help_);
    return;
  }
  if (unit) return;  // OpenMetrics units are not needed by the consumers; syntax checked above

  if (p == end) return;  // "# TYPE name" without a type: ignored, as expfmt does
  const char* type_begin = p;
  p = skip_token(p, end);
  const char* rest = skip_blanks(p, end);
  if (rest != end) {
    fail(rest, "unexpected text " + quoted(std::string_view(rest, static_cast<size_t>(end - rest))) +
                   " after the metric type of " + quoted(name));
  }
  size_t index = 0;
  for (; index < std::size(kTypeNames); ++index) {
    if (iequal_ascii(type_begin, p, kTypeNames[index])) break;
  }
  if (index == std::size(kTypeNames)) {
    fail(type_begin,
         "unknown metric type " +
             quoted(std::string_view(type_begin, static_cast<size_t>(p - type_begin))) + " for " +
             quoted(name) +
             " (expected counter, gauge, histogram, summary, untyped, unknown, gaugehistogram, "
             "stateset or info)");
  }
  set_family(name);
  family_type_ = static_cast<Type>(index);
}

// p is just after '{'; returns the position just after the matching '}'. With store, the labels
// go to labels_ (values unescaped); without it (exemplars) they are only checked.
const char* Parser::parse_labels(const char* p, const char* end, bool store) {
  for (;;) {
    p = skip_blanks(p, end);
    if (p == end) fail(p, "unterminated label set: expected a label name or '}'");
    if (*p == '}') return p + 1;
    const char* name_begin = p;
    if (!has(*p, kLabelStart)) {
      fail(p, "expected a label name or '}', found " + describe(p, end));
    }
    ++p;
    while (p < end && has(*p, kLabelChar)) ++p;
    const std::string_view name(name_begin, static_cast<size_t>(p - name_begin));
    if (store && name == "__name__") {
      fail(name_begin, "label name \"__name__\" is reserved (the metric name goes before '{')");
    }
    p = skip_blanks(p, end);
    if (p == end || *p != '=') {
      fail(p, "expected '=' after label name " + quoted(name) + ", found " + describe(p, end));
    }
    p = skip_blanks(p + 1, end);
    if (p == end || *p != '"') {
      fail(p, "expected '\"' to start the value of label " + quoted(name) + ", found " +
                  describe(p, end));
    }
    const char* value_begin = ++p;
    bool escaped = false;
    bool high = false;
    for (;;) {
      while (p < end && !has(*p, kValueStop)) ++p;
      if (p == end) {
        fail(value_begin - 1, "unterminated value of label " + quoted(name) +
                                  ": no closing '\"' before the end of the line");
      }
      if (*p == '"') break;
      if (*p == '\\') {
        escaped = true;
        p = end - p >= 2 ? p + 2 : end;
      } else {
        high = true;
        ++p;
      }
    }
    const char* value_end = p++;
    if (high && !valid_utf8(reinterpret_cast<const unsigned char*>(value_begin),
                            reinterpret_cast<const unsigned char*>(value_end))) {
      fail(value_begin, "the value of label " + quoted(name) + " is not valid UTF-8");
    }
    if (store) {
      std::string_view value(value_begin, static_cast<size_t>(value_end - value_begin));
      if (escaped) {
        // The unescaped values of one line never exceed the line's size, so sizing the scratch
        // buffer once per line keeps earlier views into it valid.
        if (scratch_.size() < line_size_) scratch_.resize(line_size_);
        char* const out_begin = scratch_.data() + scratch_used_;
        char* out = out_begin;
        for (const char* q = value_begin; q < value_end; ++q) {
          if (*q != '\\') {
            *out++ = *q;
            continue;
          }
          const char next = *++q;  // a backslash inside the quotes always has a successor
          if (next == '\\' || next == '"') {
            *out++ = next;
          } else if (next == 'n') {
            *out++ = '\n';
          } else {
            *out++ = '\\';  // unknown escapes stay verbatim, as Prometheus's scraper keeps them
            *out++ = next;
          }
        }
        scratch_used_ += static_cast<size_t>(out - out_begin);
        value = std::string_view(out_begin, static_cast<size_t>(out - out_begin));
      }
      labels_.push_back(Label{name, value});
    }
    p = skip_blanks(p, end);
    if (p == end) {
      fail(p, "unterminated label set: expected ',' or '}' after the value of label " +
                  quoted(name));
    }
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p == '}') return p + 1;
    fail(p, "expected ',' or '}' after the value of label " + quoted(name) + ", found " +
                describe(p, end));
  }
}

int64_t Parser::parse_timestamp(const char* begin, const char* end) {
  const std::string_view text(begin, static_cast<size_t>(end - begin));
  const bool decimal = text.find_first_of(".eE") != std::string_view::npos;
  if (format_ != Format::kOpenMetrics && !decimal) {
    const char* q = begin;
    if (q < end && *q == '+') ++q;
    int64_t ms = 0;
    const auto [ptr, ec] = std::from_chars(q, end, ms);
    if (q == end || *q == '+' || (q > begin && *q == '-') || ec != std::errc() || ptr != end) {
      fail(begin, "invalid timestamp " + quoted(text) + " (expected integer milliseconds)");
    }
    return ms;
  }
  if (format_ == Format::kText004) {
    fail(begin, "invalid timestamp " + quoted(text) +
                    " (the 0.0.4 format has integer milliseconds; decimal seconds are OpenMetrics)");
  }
  // OpenMetrics: seconds. Plain decimals convert exactly; other forms go through double.
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000 - 1;
  const char* q = begin;
  const bool negative = q < end && *q == '-';
  if (q < end && (*q == '+' || *q == '-')) ++q;
  const char* int_begin = q;
  int64_t seconds = 0;
  bool overflow = false;
  while (q < end && *q >= '0' && *q <= '9') {
    if (seconds > kMaxSeconds / 10) overflow = true;
    else seconds = seconds * 10 + (*q - '0');
    ++q;
  }
  const char* int_end = q;
  int64_t millis = 0;
  bool frac_digits = false;
  if (q < end && *q == '.') {
    ++q;
    int scale = 100;
    while (q < end && *q >= '0' && *q <= '9') {
      millis += (*q - '0') * scale;
      scale /= 10;
      frac_digits = true;
      ++q;
    }
  }
  if (q == end && (int_end > int_begin || frac_digits)) {
    if (overflow || seconds > kMaxSeconds) {
      fail(begin, "timestamp " + quoted(text) + " is out of range");
    }
    const int64_t ms = seconds * 1000 + millis;
    return negative ? -ms : ms;
  }
  double value = 0;
  if (!parse_go_float(begin, end, value) || !std::isfinite(value)) {
    fail(begin, "invalid timestamp " + quoted(text) + " (expected seconds, e.g. 1700000000.123)");
  }
  double ms = value * 1000.0;
  if (!(std::fabs(ms) < 9.2e18)) fail(begin, "timestamp " + quoted(text) + " is out of range");
  const double nearest = std::round(ms);
  if (std::fabs(ms - nearest) <= std::fabs(ms) * 8 * std::numeric_limits<double>::epsilon()) {
    ms = nearest;  // 1.7e9 style: undo the binary representation error before truncating
  }
  return static_cast<int64_t>(std::trunc(ms));
}

// p is the first non-blank character of a line that is not a comment.
// With a name filter, most lines belong to families nobody asked for: find where the name ends
// with memchr (vectorised) instead of the byte loop, and skip the line if the filter says no.
// Such a line's name is not validated (documented on set_name_filter); a line whose "name" is
// not even a name start is still an error, so garbage is not skipped silently.
bool Parser::rejected_by_filter(const char* p, const char* end) const {
  if (!has(*p, kNameStart)) return false;  // let the full parser report it
  const size_t n = static_cast<size_t>(end - p);
  const char* stop = static_cast<const char*>(std::memchr(p, ' ', n));
  if (const char* brace = static_cast<const char*>(std::memchr(p, '{', stop != nullptr ? stop - p : n)))
    stop = brace;
  if (stop == nullptr) return false;
  const std::string_view name(p, static_cast<size_t>(stop - p));
  if (name.find('\t') != std::string_view::npos) return false;  // rare: the careful path decides
  return !name_filter_(name);
}

void Parser::parse_sample(const char* p, const char* end) {
  if (name_filter_ && rejected_by_filter(p, end)) return;
  const char* name_begin = p;
  if (!has(*p, kNameStart)) fail(p, "expected a metric name, found " + describe(p, end));
  ++p;
  while (p < end && has(*p, kNameChar)) ++p;
  const std::string_view name(name_begin, static_cast<size_t>(p - name_begin));
  if (name_filter_ && !name_filter_(name)) return;  // names ending in a tab
  labels_.clear();
  scratch_used_ = 0;

  const char* after = skip_blanks(p, end);
  if (after < end && *after == '{') {
    p = skip_blanks(parse_labels(after + 1, end, true), end);
  } else {
    if (p < end && after == p) {
      fail(p, "unexpected " + describe(p, end) + " after metric name " + quoted(name) +
                  " (expected '{', a blank and a value)");
    }
    p = after;
  }
  if (p == end) fail(p, "expected a value after " + quoted(name));

  const char* value_begin = p;
  p = skip_token(p, end);
  double value = 0;
  if (!parse_go_float(value_begin, p, value)) {
    fail(value_begin,
         "invalid value " +
             quoted(std::string_view(value_begin, static_cast<size_t>(p - value_begin))) +
             " for " + quoted(name) + " (expected a number, NaN, +Inf or -Inf)");
  }
  p = skip_blanks(p, end);

  std::optional<int64_t> timestamp_ms;
  if (p < end && *p != '#') {
    const char* ts_begin = p;
    p = skip_token(p, end);
    timestamp_ms = parse_timestamp(ts_begin, p);
    p = skip_blanks(p, end);
  }

  if (p < end && *p == '#') {
    if (format_ == Format::kText004) {
      fail(p, "unexpected '#' after the value (exemplars are OpenMetrics only)");
    }
    p = skip_blanks(p + 1, end);
    if (p == end || *p != '{') {
      fail(p, "expected '{' to start an exemplar after ' # ', found " + describe(p, end));
    }
    p = skip_blanks(parse_labels(p + 1, end, false), end);
    if (p == end) fail(p, "expected the exemplar's value");
    const char* ev_begin = p;
    p = skip_token(p, end);
    double exemplar_value = 0;
    if (!parse_go_float(ev_begin, p, exemplar_value)) {
      fail(ev_begin, "invalid exemplar value " +
                         quoted(std::string_view(ev_begin, static_cast<size_t>(p - ev_begin))));
    }
    p = skip_blanks(p, end);
    if (p < end) {
      const char* ets_begin = p;
      p = skip_token(p, end);
      double seconds = 0;
      if (!parse_go_float(ets_begin, p, seconds) || !std::isfinite(seconds)) {
        fail(ets_begin,
             "invalid exemplar timestamp " +
                 quoted(std::string_view(ets_begin, static_cast<size_t>(p - ets_begin))));
      }
      p = skip_blanks(p, end);
    }
  }
  if (p < end) {
    fail(p, "unexpected text " + quoted(std::string_view(p, static_cast<size_t>(end - p))) +
                " after the " + (timestamp_ms ? "timestamp" : "value"));
  }

  // Duplicate label names: pairwise for the usual handful, sorted for long label sets.
  const size_t n = labels_.size();
  if (n > 1) {
    if (n <= 16) {
      for (size_t i = 1; i < n; ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (labels_[i].name == labels_[j].name) {
            fail(labels_[i].name.data(), "duplicate label name " + quoted(labels_[i].name));
          }
        }
      }
    } else {
      names_.clear();
      for (const Label& label : labels_) names_.push_back(label.name);
      std::sort(names_.begin(), names_.end());
      const auto dup = std::adjacent_find(names_.begin(), names_.end());
      if (dup != names_.end()) {
        // Report the second occurrence in input order.
        const char* at = nullptr;
        int seen = 0;
        for (const Label& label : labels_) {
          if (label.name == *dup && ++seen == 2) {
            at = label.name.data();
            break;
          }
        }
        fail(at, "duplicate label name " + quoted(*dup));
      }
    }
  }

  ++samples_;
  if (on_sample_) {
    const Sample sample{name, std::span<const Label>(labels_.data(), labels_.size()), value,
                        timestamp_ms, type_of(name)};
    on_sample_(sample);
  }
}

}  // namespace sf::prom
