// The fast path shared by the JSON Lines readers of the high-volume contracts (node_usage,
// pod_usage): a word-at-a-time scanner for the usual compact, ASCII shape of a line, sending a
// RapidJSON SAX handler exactly the events RapidJSON's reader would. It never reports an error
// and never decides anything: on any token it does not read exactly as RapidJSON does
// (escapes, control characters or non-ASCII bytes in strings, exponents, more than 15
// significant digits, nesting the handler does not allow, malformed text) it gives up, and the
// caller reads the line again with RapidJSON from scratch, which also words the errors. So
// both paths agree on every field and every error by construction; each reader's test and
// fuzz target compare them.
//
// A Handler is a rapidjson::BaseReaderHandler with two more members:
//   const char* const* cursor;           set by the scanner: where it is (for raw spans)
//   bool may_nest(int depth) const;      may the value at `depth` be an object (read here)?
#pragma once

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/strings.h"

namespace sf::json_scan {

// RapidJSON copies string streams into locals while it reads a token and writes the position
// back afterwards, so a handler asking the stream where it is would get the token's start. This
// stream opts out of that copy: Tell() in a handler is the position after the token.
struct LiveInsituStream : rapidjson::InsituStringStream {
  using rapidjson::InsituStringStream::InsituStringStream;
};

// Any byte below 0x20 or DEL? Eight bytes at a time (exact for "some byte is ...").
inline bool has_control_chars(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const uint64_t del = w ^ (kOnes * 0x7f);
    if ((((w - kOnes * 0x20) & ~w) | ((del - kOnes) & ~del)) & kHighs) return true;
  }
  for (; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7f) return true;
  return false;
}

// The first name given twice: pairwise for the few names a line usually has, sorted beyond.
template <typename Names, typename Get>
std::optional<std::string_view> first_duplicate(const Names& items, Get name) {
  const size_t n = items.size();
  if (n < 2) return std::nullopt;
  if (n <= 16) {
    for (size_t i = 1; i < n; ++i)
      for (size_t j = 0; j < i; ++j)
        if (name(items[i]) == name(items[j])) return std::string_view(name(items[i]));
    return std::nullopt;
  }
  thread_local std::vector<std::string_view> sorted;
  sorted.clear();
  for (const auto& item : items) sorted.emplace_back(name(item));
  std::sort(sorted.begin(), sorted.end());
  const auto it = std::adjacent_find(sorted.begin(), sorted.end());
  if (it == sorted.end()) return std::nullopt;
  return *it;
}

// What a handler keeps of one contract field: its JSON type and value.
enum class State { kAbsent, kNull, kString, kNumber, kObject, kOther };

struct Slot {
  State state = State::kAbsent;
  double number = 0;
  std::string_view text;  // kString: a view into the line (or its in-place parsed copy)
};

// A contract line's SAX handler: RapidJSON's scalar events become one call,
// Derived::scalar(state, number, text); containers and keys are the handler's own.
template <typename Derived>
struct ScalarEvents : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Derived> {
  Derived& self() { return static_cast<Derived&>(*this); }
  bool Null() { return self().scalar(State::kNull, 0, {}); }
  bool Bool(bool) { return self().scalar(State::kOther, 0, {}); }
  bool Int(int v) { return self().scalar(State::kNumber, v, {}); }
  bool Uint(unsigned v) { return self().scalar(State::kNumber, v, {}); }
  bool Int64(int64_t v) { return self().scalar(State::kNumber, static_cast<double>(v), {}); }
  bool Uint64(uint64_t v) { return self().scalar(State::kNumber, static_cast<double>(v), {}); }
  bool Double(double v) { return self().scalar(State::kNumber, v, {}); }
  // RapidJSON hands numbers over as their text (kParseNumbersAsStringsFlag, after checking the
  // grammar): read correctly rounded by parse_number (from_chars), as on the fast path. (RapidJSON 1.1's own
  // full-precision strtod has undefined behaviour on a zero significand with some exponents,
  // "0e53": clz(0) in DiyFp::Normalize, found by UBSan.) In situ on our LiveInsituStream, which
  // has no copy optimisation, RapidJSON 1.1 passes the stream's position, the number's end, as
  // `s`; the text is the `n` bytes before it, untouched (strings unescape only behind them).
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    const char* begin = s;
    if (!copy && self().ss != nullptr) begin = self().ss->head_ + (self().ss->Tell() - n);
    double v = 0;
    if (parse_number(std::string_view(begin, n), v) != NumberStatus::kOk) {  // the tools' one number reader
      self().number_out_of_range = true;
      return false;
    }
    if (v == 0 && std::string_view(begin, n).find_first_of(".eE") == std::string_view::npos) v = 0;  // "-0" is 0, as Int(0)
    return self().scalar(State::kNumber, v, {});
  }
  // Both readers hand over views into a buffer that lives until the line is done.
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return self().scalar(State::kString, 0, std::string_view(s, n));
  }
};

// The checks of one field on the slots (type, presence), with messages naming the field.
template <typename Field>
struct SlotFields {
  const Slot* slots;
  const char* const* names;  // by Field
  const std::string& where;

  // Assigns into `target` (reusing its buffer); false when absent or null.
  bool string_into(Field f, std::string& target) const {
    const Slot& s = slots[f];
    if (s.state == State::kAbsent || s.state == State::kNull) return false;
    if (s.state != State::kString) throw ParseError(where, cat("field \"", names[f], "\" must be a string"));
    target.assign(s.text);
    return true;
  }
  void require_string(Field f, std::string& target) const {
    if (!string_into(f, target)) throw ParseError(where, cat("missing string field \"", names[f], "\""));
  }
  std::optional<double> optional_number(Field f) const {
    const Slot& s = slots[f];
    if (s.state == State::kAbsent || s.state == State::kNull) return std::nullopt;
    if (s.state != State::kNumber) throw ParseError(where, cat("field \"", names[f], "\" must be a number"));
    return s.number;
  }
  double require_number(Field f) const {
    const auto v = optional_number(f);
    if (!v) throw ParseError(where, cat("missing number field \"", names[f], "\""));
    return *v;
  }
};

// The scanner reads words little-endian; elsewhere RapidJSON reads every line.
constexpr bool kScannerUsable = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

template <typename Handler>
class FastScanner {
 public:
  // `text` is a std::string: its terminating NUL is a sentinel no token accepts, so most loops
  // need no bounds check (a NUL inside the line stops them too, and RapidJSON reports it).
  FastScanner(const std::string& text, Handler& handler)
      : p_(text.c_str()), end_(text.c_str() + text.size()), h_(handler) {
    h_.cursor = &p_;
  }

  // True when the whole line was one object and every event went to the handler.
  bool run() {
    ws();
    if (!take('{') || !h_.StartObject()) return false;
    if (!members(1)) return false;
    ws();
    return p_ == end_;
  }

 private:
  void ws() {  // compact JSON has none: one compare in the common case
    while (static_cast<unsigned char>(*p_) <= ' ' && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  bool take(char c) {  // c is never NUL
    if (*p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  // At '"': the string's bytes, the cursor after the closing quote. Eight bytes at a time:
  // a word without '"', '\\', a byte below 0x20 or above 0x7F is skipped whole (the tests below
  // are exact for "some byte is ..."), then the word that has one is looked at byte by byte.
  bool string(const char*& s, size_t& n) {
    if (!take('"')) return false;
    const char* start = p_;
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
    while (true) {
      uint64_t w;
      if (end_ - p_ >= 8) {
        std::memcpy(&w, p_, 8);
      } else {  // the last bytes: pad with a quote so the scan stops at the end
        w = kOnes * '"';
        std::memcpy(&w, p_, static_cast<size_t>(end_ - p_));
      }
      const uint64_t quote = w ^ (kOnes * '"'), slash = w ^ (kOnes * '\\');
      const uint64_t special =
          (((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash) | ((w - kOnes * 0x20) & ~w) | w) & kHighs;
      if (special == 0) {
        p_ += 8;
        continue;
      }
      // The lowest flagged byte is exact (false flags only sit above a true one); little-endian.
      p_ += static_cast<unsigned>(__builtin_ctzll(special)) / 8;
      if (p_ >= end_ || *p_ != '"') return false;  // the end, an escape, a control or non-ASCII byte
      s = start;
      n = static_cast<size_t>(p_ - start);
      ++p_;
      return true;
    }
  }
  bool number() {
    const char* start = p_;
    const bool minus = take('-');
    if (static_cast<unsigned char>(*p_ - '0') > 9) return false;
    uint64_t value = 0;
    int digits = 0, significant = 0, fraction = 0;
    if (*p_ == '0') {
      ++p_;
      if (static_cast<unsigned char>(*p_ - '0') <= 9) return false;  // a leading zero
    } else {
      const char* first = p_;
      while (static_cast<unsigned char>(*p_ - '0') <= 9) value = value * 10 + static_cast<unsigned>(*p_++ - '0');
      digits = static_cast<int>(p_ - first);
      if (digits > 18) return false;  // (value wrapped: never used then)
    }
    significant = digits;
    if (take('.')) {
      if (static_cast<unsigned char>(*p_ - '0') > 9) return false;
      while (static_cast<unsigned char>(*p_ - '0') <= 9) {
        if (significant > 0 || *p_ != '0') ++significant;
        ++p_;
        ++fraction;
      }
      if (significant > 15 || fraction > 22) return false;
    }
    if (*p_ == 'e' || *p_ == 'E') return false;
    if (fraction > 0) {
      double d = 0;
      const auto r = std::from_chars(start, p_, d);
      if (r.ec != std::errc() || r.ptr != p_) return false;
      return h_.Double(d);
    }
    if (minus) return value == 0 ? h_.Int(0) : h_.Int64(-static_cast<int64_t>(value));
    return h_.Uint64(value);
  }
  bool literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }
  bool value(int depth) {
    ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '"': {
        const char* s;
        size_t n;
        return string(s, n) && h_.String(s, static_cast<rapidjson::SizeType>(n), false);
      }
      case '{':
        // Only what the handler allows nests (node_usage: its labels); the rest goes to RapidJSON.
        if (!h_.may_nest(depth)) return false;
        ++p_;
        return h_.StartObject() && members(depth + 1);
      case 't': return literal("true", 4) && h_.Bool(true);
      case 'f': return literal("false", 5) && h_.Bool(false);
      case 'n': return literal("null", 4) && h_.Null();
      default: return number();
    }
  }
  // After '{': members up to and including '}'.
  bool members(int depth) {
    ws();
    rapidjson::SizeType count = 0;
    if (take('}')) return h_.EndObject(0);
    while (true) {
      ws();
      const char* s;
      size_t n;
      if (!string(s, n) || !h_.Key(s, static_cast<rapidjson::SizeType>(n), false)) return false;
      ws();
      if (!take(':') || !value(depth)) return false;
      ++count;
      ws();
      if (take(',')) continue;
      if (take('}')) return h_.EndObject(count);
      return false;
    }
  }

  const char* p_;
  const char* end_;
  Handler& h_;
};

// One line into a fresh handler: the fast scanner first (when asked and usable), RapidJSON from
// scratch when it gives up. `text` is the line (a std::string: see FastScanner); `fresh()`
// (re)builds the handler in `h`. Throws ParseError naming `where` for anything that is not one
// complete JSON object ("... every line must be one complete <contract> JSON object"), nesting
// beyond `max_depth` included. Counts the line in `fast` or `general` (tests check both paths
// run). The Handler also has: LiveInsituStream* ss; bool used_rapidjson, too_deep, not_object,
// number_out_of_range.
template <typename Handler, typename Fresh>
void read_line(const std::string& text, std::optional<Handler>& h, Fresh fresh, bool use_fast_scanner,
               bool truncated, const std::string& where, const char* contract, int max_depth, size_t& fast,
               size_t& general) {
  fresh();
  if (kScannerUsable && use_fast_scanner && FastScanner<Handler>(text, *h).run()) {
    ++fast;
    return;
  }
  ++general;
  // RapidJSON, with a fresh handler. Parsed in place on a copy (strings are unescaped where
  // they lie, no per-string buffer); stream offsets are the same in both copies.
  fresh();
  thread_local std::string scratch;
  scratch.assign(text);
  LiveInsituStream stream(scratch.data());
  h->ss = &stream;
  h->used_rapidjson = true;
  rapidjson::Reader reader;
  // Numbers as text, read by from_chars (ScalarEvents::RawNumber): correctly rounded, as on the
  // fast path and as the writers' shortest round-trip text needs (17 significant digits go this way).
  const rapidjson::ParseResult ok =
      reader.Parse<rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
                   rapidjson::kParseNumbersAsStringsFlag>(stream, *h);
  h->ss = nullptr;
  const size_t until_nul = std::strlen(text.c_str());
  if (!ok) {
    if (h->too_deep) throw ParseError(where, cat("JSON nested deeper than ", max_depth, " levels"));
    if (h->not_object) throw ParseError(where, "expected a JSON object on this line");
    if (h->number_out_of_range)
      throw ParseError(where, cat("invalid JSON at column ", ok.Offset() + 1, ": a number outside the range of a double; "
                                  "every line must be one complete ", contract, " JSON object"));
    // NUL bytes end the string stream early: report them as what they are.
    const bool nul = until_nul < text.size() && ok.Offset() >= until_nul;
    const char* what = nul ? "a NUL byte"
                     : ok.Code() == rapidjson::kParseErrorStringInvalidEncoding ? "a string is not valid UTF-8"
                                                                                 : rapidjson::GetParseError_En(ok.Code());
    throw ParseError(where, cat("invalid JSON at column ", ok.Offset() + 1, ": ", what,
                                truncated ? " (the input ends in the middle of this line: was its writer stopped?)" : "",
                                "; every line must be one complete ", contract, " JSON object"));
  }
  // The fast scanner refuses NUL bytes; RapidJSON's string stream stops at one: a line that
  // parsed up to a NUL is still not one complete object.
  if (until_nul < text.size())
    throw ParseError(where, cat("invalid JSON at column ", until_nul + 1, ": a NUL byte; every line must be one complete ",
                                contract, " JSON object"));
}

}  // namespace sf::json_scan

namespace rapidjson {
template <>
struct StreamTraits<sf::json_scan::LiveInsituStream> {
  enum { copyOptimization = 0 };
};
}  // namespace rapidjson
