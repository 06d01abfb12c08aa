#include "price-calc/node_usage.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/log.h"
#include "common/strings.h"

namespace sf::pc {
namespace {

bool has_control_chars(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

void require_non_negative(double v, const char* field, const std::string& where) {
  if (!(v >= 0) || !std::isfinite(v))
    throw ParseError(where, cat("field \"", field, "\" is ", format_number(v), "; it must be a number >= 0"));
}

// Window strings repeat from line to line (one scrape = one window for every node): remember
// the last one parsed so a million lines do not parse a million times.
struct TimeCache {
  std::string text;
  Clock::time_point value{};
  std::string canonical;
  bool valid = false;
};

thread_local TimeCache g_start_cache;
thread_local TimeCache g_end_cache;

void parse_cached(TimeCache& cache, std::string& text, Clock::time_point& out, const char* field,
                  const std::string& where) {
  if (!(cache.valid && cache.text == text)) {
    cache.valid = false;
    cache.value = parse_time(text, cat(where, " (field \"", field, "\")"));
    cache.text = text;
    cache.canonical = canonical_time(cache.value);
    cache.valid = true;
  }
  out = cache.value;
  text = cache.canonical;
}

}  // namespace

Clock::time_point parse_time(std::string_view text, const std::string& where) {
  int year = 0;
  const bool digits = text.size() >= 4 && std::all_of(text.begin(), text.begin() + 4, [](char c) {
                        return c >= '0' && c <= '9';
                      });
  if (digits) year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  if (!digits || year < 1970 || year > 2200)
    throw ParseError(where, cat("'", text, "' is not an RFC 3339 time from 1970 to 2200; write it like ",
                                "2026-11-26T07:00:00Z"));
  return parse_rfc3339(text, where);
}

std::string canonical_time(Clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return format_rfc3339(t, ms % 1000 != 0);
}

bool parse_usage_line(std::string_view line, const std::string& where, rapidjson::Document& doc, UsageLine& out,
                      bool truncated) {
  if (trim(line).empty()) return false;
  // Iterative: a line of a million '[' must be an error, not a stack overflow.
  doc.Parse<rapidjson::kParseIterativeFlag>(line.data(), line.size());
  if (doc.HasParseError()) {
    throw ParseError(where, cat("invalid JSON at column ", doc.GetErrorOffset() + 1,
                                truncated ? " (the input ends in the middle of this line: was its writer stopped?)" : "",
                                "; every line must be one complete node_usage JSON object"));
  }
  if (!doc.IsObject()) throw ParseError(where, "expected a JSON object on this line");
  const rapidjson::Value* kind = find_member(doc, "kind");
  if (kind == nullptr) throw ParseError(where, "missing field \"kind\"; node_usage lines carry \"kind\":\"node_usage\"");
  if (!kind->IsString()) throw ParseError(where, "field \"kind\" must be a string");
  if (std::string_view(kind->GetString(), kind->GetStringLength()) != "node_usage") {
    log::debug(cat(where, ": skipping a line of kind \"", kind->GetString(), "\""));
    return false;
  }

  out.usage = read_node_usage(doc, where);
  out.where = where;
  out.input = &doc;
  out.has_window = false;
  NodeUsage& u = out.usage;
  if (u.node.empty()) throw ParseError(where, "field \"node\" is empty; every line names its node");
  if (has_control_chars(u.node)) throw ParseError(where, "field \"node\" holds control characters");
  if (has_control_chars(u.source)) throw ParseError(where, "field \"source\" holds control characters");

  if (u.error) {
    // A failed node: keep its window when it parses, never fail on it (it is reported anyway).
    try {
      parse_cached(g_start_cache, u.window_start, out.start, "window_start", where);
      parse_cached(g_end_cache, u.window_end, out.end, "window_end", where);
      out.has_window = true;
    } catch (const ParseError&) {
    }
    if (u.error->empty()) u.error = "failed (no reason given)";
    return true;
  }

  parse_cached(g_start_cache, u.window_start, out.start, "window_start", where);
  parse_cached(g_end_cache, u.window_end, out.end, "window_end", where);
  if (out.end < out.start)
    throw ParseError(where, cat("field \"window_end\" (", u.window_end, ") is before \"window_start\" (", u.window_start,
                                ")"));
  out.has_window = true;
  require_non_negative(u.cpu_cores, "cpu_cores", where);
  if (u.cpu_busy_cores) require_non_negative(*u.cpu_busy_cores, "cpu_busy_cores", where);
  require_non_negative(u.memory_bytes, "memory_bytes", where);
  require_non_negative(u.memory_used_bytes, "memory_used_bytes", where);
  require_non_negative(u.filesystem_bytes, "filesystem_bytes", where);
  require_non_negative(u.filesystem_used_bytes, "filesystem_used_bytes", where);
  if (u.network_receive_bytes) require_non_negative(*u.network_receive_bytes, "network_receive_bytes", where);
  if (u.network_transmit_bytes) require_non_negative(*u.network_transmit_bytes, "network_transmit_bytes", where);
  require_non_negative(u.gpus, "gpus", where);
  return true;
}

// One memory pool reused for every line: a Document per line would otherwise allocate afresh.
// Values in a MemoryPoolAllocator are never freed one by one (kNeedFree is false), so clearing
// the pool after the root was reset to null is safe, and the parse stack stays allocated.
struct NodeUsageReader::Pool {
  char value_buffer[64 << 10];
  rapidjson::MemoryPoolAllocator<> values{value_buffer, sizeof value_buffer};
  rapidjson::Document doc{&values};
  std::string where;

  rapidjson::Document& fresh() {
    doc.SetNull();
    values.Clear();
    return doc;
  }
};

NodeUsageReader::NodeUsageReader(const std::string& path_or_dash)
    : reader_(path_or_dash), pool_(std::make_unique<Pool>()) {}

NodeUsageReader::NodeUsageReader(int fd, std::string source)
    : reader_(fd, std::move(source)), pool_(std::make_unique<Pool>()) {}

NodeUsageReader::~NodeUsageReader() = default;

bool NodeUsageReader::next(UsageLine& out) {
  std::string_view line;
  while (reader_.next(line)) {
    pool_->where = reader_.where();
    if (parse_usage_line(line, pool_->where, pool_->fresh(), out, reader_.last_line_unterminated())) return true;
    if (!trim(line).empty()) ++skipped_;
  }
  return false;
}

}  // namespace sf::pc
