// Reading the node_usage contract (tools/common/contracts.h) as price-calc needs it: streamed
// line by line with bounded memory, validated for pricing (figures >= 0, a window that does not
// run backwards, RFC 3339 times), other kinds skipped, failed nodes kept as such.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/contracts.h"
#include "common/json_lines.h"
#include "common/time_util.h"

namespace sf::pc {

struct UsageLine {
  NodeUsage usage;              // the contract's fields; window strings made canonical
  Clock::time_point start{};    // parsed window (for failed lines: when they parse)
  Clock::time_point end{};
  bool has_window = false;      // both times parsed
  std::string where;            // "file:line"
  const rapidjson::Value* input = nullptr;  // the whole line, valid until the next read
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
// `doc` must outlive the use of out.input.
bool parse_usage_line(std::string_view line, const std::string& where, rapidjson::Document& doc, UsageLine& out,
                      bool truncated = false);

// Streams node_usage lines from a file or stdin ("-").
class NodeUsageReader {
 public:
  explicit NodeUsageReader(const std::string& path_or_dash);
  NodeUsageReader(int fd, std::string source);
  ~NodeUsageReader();
  NodeUsageReader(const NodeUsageReader&) = delete;
  NodeUsageReader& operator=(const NodeUsageReader&) = delete;

  bool next(UsageLine& out);  // false at the end of input
  size_t lines_read() const { return reader_.line_number(); }
  size_t skipped() const { return skipped_; }
  const std::string& source() const { return reader_.source(); }

 private:
  LineReader reader_;
  struct Pool;
  std::unique_ptr<Pool> pool_;
  size_t skipped_ = 0;
};

}  // namespace sf::pc
