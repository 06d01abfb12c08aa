// Reading the node_usage contract (tools/common/contracts.h) as price-calc needs it: streamed
// line by line with bounded memory, validated for pricing (figures >= 0, a window that does not
// run backwards, RFC 3339 times), other kinds skipped, failed nodes kept as such.
//
// The line is read with a SAX handler straight into the contract's NodeUsage: no DOM, no
// per-field lookups, which keeps a million lines under a second. It follows
// sf::read_node_usage exactly (same fields, defaults, first occurrence of a repeated key wins,
// same errors); a unit test and the fuzz target check the two agree. Fields the contract does
// not know are kept as raw JSON so the output can pass them through.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/contracts.h"
#include "common/json_lines.h"
#include "common/time_util.h"

namespace sf::pc {

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

// parse_rfc3339 limited to the years 1970..2200: system_clock counts nanoseconds in 64 bits
// (about 1678..2262, and differences of times must fit too), so a year like 4052 would overflow;
// here it is a ParseError naming `where`.
Clock::time_point parse_time(std::string_view text, const std::string& where);

// RFC 3339 UTC as the tools write it: milliseconds only when the time has them.
std::string canonical_time(Clock::time_point t);

// Parses one line already split off. Returns false for lines of other kinds (and blank
// lines); throws ParseError naming `where` and the field on anything that cannot be priced.
// use_fast_scanner=false forces RapidJSON's reader for every line (tests compare the two).
bool parse_usage_line(std::string_view line, const std::string& where, UsageLine& out, bool truncated = false,
                      bool use_fast_scanner = true);

// Streams node_usage lines from a file or stdin ("-").
class NodeUsageReader {
 public:
  explicit NodeUsageReader(const std::string& path_or_dash);
  NodeUsageReader(int fd, std::string source);

  bool next(UsageLine& out);  // false at the end of input
  size_t lines_read() const { return reader_.line_number(); }
  size_t skipped() const { return skipped_; }
  const std::string& source() const { return reader_.source(); }

 private:
  LineReader reader_;
  std::string where_;
  size_t skipped_ = 0;
};

}  // namespace sf::pc
