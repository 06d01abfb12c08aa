// Streaming parser for the Prometheus text exposition format (0.0.4, as node-exporter serves
// it) and OpenMetrics 1.0 text. Feed it the body in chunks of any size (a libcurl write
// callback hands over whatever arrived); it calls the sample handler once per sample line.
//
// Design: no per-sample allocation. A line that is complete inside the chunk is parsed in
// place; only a line split across chunks is copied into a carry buffer, so memory is bounded
// by the longest line (max_line_bytes, beyond which the line is rejected). Label values are
// views into the input unless they contain a backslash, in which case they are unescaped into
// a scratch buffer reused for every line.
//
// Accepted (lenient like Prometheus's scraper, strict on syntax):
//   - blank lines, "# HELP", "# TYPE", "# UNIT", "# EOF" and arbitrary "#" comments; duplicate
//     HELP/TYPE lines (the last TYPE wins); "# HELP name" without text; CRLF line endings;
//   - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*;
//   - label sets "{}", "{a=\"b\",}" (trailing comma), blanks/tabs around every token;
//   - label value escapes \\ \" \n (unescaped); any other "\x" is kept verbatim, as
//     Prometheus's scraper does; label values must be valid UTF-8; duplicate label names
//     in one sample and a "__name__" label are rejected;
//   - values as Go's strconv.ParseFloat reads them: decimal and exponent forms
//     (2.5276510208e+10), NaN, Inf, +Inf, -Inf, Infinity (any case; no sign on NaN, no hex);
//   - timestamps: an integer is milliseconds (0.0.4), a number with '.' or an exponent is
//     OpenMetrics seconds, converted to ms (truncated toward zero, like Prometheus);
//   - OpenMetrics exemplars after " # " are syntax-checked and ignored; "_created" samples
//     are emitted like any other sample (the consumer picks the names it wants).
//
// family_type: the type from the last "# TYPE" of the family the sample belongs to. The
// family is the one named by the latest HELP/TYPE line; a sample belongs to it if its name is
// the family name or the family name plus a suffix its type allows (_sum, _count, _bucket,
// _total, _created, _info, _gcount, _gsum). Otherwise the sample's family_type is "untyped"
// ("unknown" in Format::kOpenMetrics). Families are therefore expected to be contiguous, as
// both formats require; no per-family state is kept, which keeps memory independent of input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sf::prom {

struct Label {
  std::string_view name;
  std::string_view value;  // already unescaped
};

struct Sample {
  std::string_view name;                // metric name, e.g. node_cpu_seconds_total
  std::span<const Label> labels;        // in input order
  double value;                         // NaN, +Inf, -Inf supported
  std::optional<int64_t> timestamp_ms;  // optional timestamp
  std::string_view family_type;         // "counter", "gauge", ..., "untyped"/"unknown" if none
};

// What the body is. kAuto suits both formats (and is what node-exporter needs); set
// kOpenMetrics when the Content-Type says application/openmetrics-text.
enum class Format {
  kAuto,         // integer timestamps are ms, decimal ones seconds; "# EOF" ends the input
                 // (only blank lines may follow); exemplars accepted
  kText004,      // strict 0.0.4: integer ms timestamps only, no exemplars, "# EOF" is a comment
  kOpenMetrics,  // every timestamp is seconds; HELP also unescapes \"; the input must end
                 // with "# EOF" (checked by finish()); untyped samples report "unknown"
};

class Parser {
 public:
  using SampleHandler = std::function<void(const Sample&)>;  // views valid only during the call
  // Optional: called for each "# HELP" line with the unescaped text (views valid during the call).
  using HelpHandler = std::function<void(std::string_view family, std::string_view help)>;

  explicit Parser(SampleHandler on_sample, std::string source_name = "<input>",
                  size_t max_line_bytes = 1 << 20);

  void set_format(Format format) { format_ = format; }
  void set_help_handler(HelpHandler on_help) { on_help_ = std::move(on_help); }
  // Optional: samples (and HELP/TYPE lines) whose metric name the filter rejects are skipped
  // right after the name, so their labels and value are not parsed (nor checked, beyond the
  // name's first character). Scrapers that need a handful of families out of hundreds use it
  // to parse only those; family_type is then reliable only for accepted families.
  using NameFilter = std::function<bool(std::string_view name)>;
  void set_name_filter(NameFilter filter) { name_filter_ = std::move(filter); }

  // Any chunking, even 1 byte at a time; every complete line is parsed before feed returns.
  // Throws sf::ParseError("<source>:<line>", "... at column N") on malformed input or a line
  // longer than max_line_bytes (excluding its '\n'). After any exception (the handler's too)
  // the parser is spent: further feed()/finish() calls throw sf::ParseError.
  void feed(std::string_view chunk);
  // End of input: parses a last line that has no '\n'. Call once; feed() after it throws.
  void finish();

  size_t lines() const { return lines_; }      // lines parsed so far (blank and comments too)
  size_t samples() const { return samples_; }  // samples handed to the handler so far
  bool saw_eof() const { return eof_seen_; }   // an OpenMetrics "# EOF" line was seen

 private:
  enum class Type : uint8_t {
    kUntyped, kCounter, kGauge, kHistogram, kSummary, kUnknown, kGaugeHistogram, kStateSet,
    kInfo
  };

  void check_usable() const;
  void append_carry(const char* begin, const char* end);
  void process_line(const char* begin, size_t size);
  void parse_comment(const char* p, const char* end);
  void parse_sample(const char* p, const char* end);
  bool rejected_by_filter(const char* p, const char* end) const;
  const char* parse_labels(const char* p, const char* end, bool store);
  int64_t parse_timestamp(const char* begin, const char* end);
  void set_family(std::string_view name);
  std::string_view type_of(std::string_view sample_name) const;
  [[noreturn]] void fail(const char* at, const std::string& what) const;
  [[noreturn]] void fail_line(const std::string& what) const;

  SampleHandler on_sample_;
  HelpHandler on_help_;
  NameFilter name_filter_;
  std::string source_name_;
  size_t max_line_bytes_;
  Format format_ = Format::kAuto;

  std::string carry_;            // the start of a line split across chunks
  std::string scratch_;          // unescaped label values of the current line
  size_t scratch_used_ = 0;
  std::string help_;             // unescaped HELP text
  std::vector<Label> labels_;    // labels of the current sample, reused
  std::vector<std::string_view> names_;  // for the duplicate-label check of long label sets
  const char* line_begin_ = nullptr;  // for column numbers
  size_t line_size_ = 0;

  std::string family_;           // name from the latest HELP/TYPE line
  Type family_type_ = Type::kUntyped;

  size_t lines_ = 0;
  size_t samples_ = 0;
  bool eof_seen_ = false;
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace sf::prom
