// The one reader of the node_usage contract (tools/common/contracts.h, docs/design.md):
// streamed line by line with bounded memory, every contract rule checked (figures finite and
// >= 0, RFC 3339 times from 1970 to 2200, a window that does not run backwards, a non-empty
// node without control characters, UTF-8, no key given twice), other kinds skipped, failed
// nodes kept as such. scrape-nodes writes the contract (contracts.cc), price-calc and any later
// tool read it here.
//
// One SAX handler receives the line's events and fills the contract's NodeUsage; one set of
// checks (after the events) decides errors. Two event sources feed it: a word-at-a-time scanner
// for the usual compact, ASCII shape of a line, and RapidJSON's reader for everything else.
// The scanner never reports an error and never decides anything: on any token it does not
// handle exactly as RapidJSON would (escapes, non-ASCII, exponents, more than 15 significant
// digits, nesting other than labels, malformed text) it gives up and the line is read again by
// RapidJSON, from scratch. So both paths agree on every field and every error by construction;
// node_usage_test and fuzz_node_usage compare them on all fields and all error messages.
//
// Fields the contract does not know are kept as raw JSON so outputs can pass them through.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/contracts.h"
#include "common/json_lines.h"
#include "common/time_util.h"

namespace sf {

// A field of the line outside the contract: its name and its value as JSON text.
struct RawMember {
  std::string name;
  std::string_view json;  // a view into UsageLine::text
};

struct UsageLine {
  NodeUsage usage;              // the contract's fields; window strings made canonical
  Clock::time_point start{};    // parsed window (for failed lines: when they parse)
  Clock::time_point end{};
  bool has_window = false;      // both times parsed
  std::string where;            // "file:line"
  std::string text;             // the line itself
  std::vector<RawMember> extra;  // fields outside the contract, in line order
  bool failed() const { return usage.error.has_value(); }
};

// The contract's times: RFC 3339 limited to the years 1970..2200 (system_clock counts
// nanoseconds in 64 bits, and differences of times must fit too). ParseError naming `where`.
Clock::time_point parse_contract_time(std::string_view text, const std::string& where);

// RFC 3339 UTC as the tools write it: milliseconds only when the time has them.
std::string canonical_time(Clock::time_point t);

// The last contract time parsed: windows repeat from line to line (one scrape is one window for
// every node and container), so a million lines do not parse a million times. parse() checks
// `text` as parse_contract_time does (ParseError naming `where` and `field`), makes it canonical
// in place and returns the time.
class ContractTimeCache {
 public:
  Clock::time_point parse(std::string& text, const char* field, const std::string& where);

 private:
  std::string text_;
  std::string canonical_;
  Clock::time_point value_{};
  bool valid_ = false;
};

// Parses one line already split off. Returns false for lines of other kinds (and blank
// lines); throws ParseError naming `where` and the field on anything that breaks the contract.
// use_fast_scanner=false reads every line with RapidJSON (tests compare the two).
bool parse_usage_line(std::string_view line, const std::string& where, UsageLine& out, bool truncated = false,
                      bool use_fast_scanner = true);

// How many lines of this thread each path read (tests check both paths are exercised).
struct UsageReadStats {
  size_t fast = 0;     // events from the scanner
  size_t general = 0;  // events from RapidJSON (the scanner gave up, or was not asked)
};
const UsageReadStats& usage_read_stats();

// Streams node_usage lines from a file or stdin ("-"). next() throws ParseError for a line that
// breaks the contract (or is too long); the next call goes on with the line after it, so a
// caller can report a bad line and keep the good ones.
class NodeUsageReader {
 public:
  explicit NodeUsageReader(const std::string& path_or_dash);
  NodeUsageReader(int fd, std::string source);

  bool next(UsageLine& out);  // false at the end of input
  size_t lines_read() const { return reader_.line_number(); }
  size_t skipped() const { return skipped_; }
  const std::string& source() const { return reader_.source(); }
  std::string where() const { return reader_.where(); }

 private:
  LineReader reader_;
  std::string where_;
  size_t skipped_ = 0;
};

}  // namespace sf
