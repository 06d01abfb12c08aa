#include "common/node_usage.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>

#include "common/error.h"
#include "common/flat_json_scanner.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf {
namespace {

using json_scan::FastScanner;
using json_scan::first_duplicate;
using json_scan::has_control_chars;
using json_scan::LiveInsituStream;

constexpr int kMaxDepth = kMaxJsonDepth;

void require_non_negative(double v, const char* field, const std::string& where) {
  if (!(v >= 0) || !std::isfinite(v))
    throw ParseError(where, cat("field \"", field, "\" is ", format_number(v), "; it must be a number >= 0"));
}

thread_local UsageReadStats g_stats;
thread_local ContractTimeCache g_start_cache;
thread_local ContractTimeCache g_end_cache;

void parse_cached(ContractTimeCache& cache, std::string& text, Clock::time_point& out, const char* field,
                  const std::string& where) {
  out = cache.parse(text, field, where);
}

// ------------------------------------------------------------------------------ the SAX reader

enum Field : int {
  kKind, kNode, kSource, kWindowStart, kWindowEnd, kError, kLabels, kCpuCores, kCpuBusyCores, kMemoryBytes,
  kMemoryUsedBytes, kFilesystemBytes, kFilesystemUsedBytes, kNetworkReceiveBytes, kNetworkTransmitBytes, kGpus,
  kFieldCount, kUnknown
};

const char* const kFieldNames[kFieldCount] = {
    "kind", "node", "source", "window_start", "window_end", "error", "labels", "cpu_cores", "cpu_busy_cores",
    "memory_bytes", "memory_used_bytes", "filesystem_bytes", "filesystem_used_bytes", "network_receive_bytes",
    "network_transmit_bytes", "gpus"};

// Called for every key of every line: a switch on the length, then fixed-size compares the
// compiler inlines (kFieldNames lists the same names; a unit test checks they agree).
Field lookup(const char* s, size_t n) {
  switch (n) {
    case 4:
      if (std::memcmp(s, "kind", 4) == 0) return kKind;
      if (std::memcmp(s, "node", 4) == 0) return kNode;
      if (std::memcmp(s, "gpus", 4) == 0) return kGpus;
      return kUnknown;
    case 5:
      if (std::memcmp(s, "error", 5) == 0) return kError;
      return kUnknown;
    case 6:
      if (std::memcmp(s, "source", 6) == 0) return kSource;
      if (std::memcmp(s, "labels", 6) == 0) return kLabels;
      return kUnknown;
    case 9:
      if (std::memcmp(s, "cpu_cores", 9) == 0) return kCpuCores;
      return kUnknown;
    case 10:
      if (std::memcmp(s, "window_end", 10) == 0) return kWindowEnd;
      return kUnknown;
    case 12:
      if (std::memcmp(s, "window_start", 12) == 0) return kWindowStart;
      if (std::memcmp(s, "memory_bytes", 12) == 0) return kMemoryBytes;
      return kUnknown;
    case 14:
      if (std::memcmp(s, "cpu_busy_cores", 14) == 0) return kCpuBusyCores;
      return kUnknown;
    case 16:
      if (std::memcmp(s, "filesystem_bytes", 16) == 0) return kFilesystemBytes;
      return kUnknown;
    case 17:
      if (std::memcmp(s, "memory_used_bytes", 17) == 0) return kMemoryUsedBytes;
      return kUnknown;
    case 21:
      if (std::memcmp(s, "filesystem_used_bytes", 21) == 0) return kFilesystemUsedBytes;
      if (std::memcmp(s, "network_receive_bytes", 21) == 0) return kNetworkReceiveBytes;
      return kUnknown;
    case 22:
      if (std::memcmp(s, "network_transmit_bytes", 22) == 0) return kNetworkTransmitBytes;
      return kUnknown;
    default:
      return kUnknown;
  }
}

using json_scan::Slot;
using json_scan::State;

// Fills slots for the contract's fields, labels, and raw spans of the other fields; notes a
// contract field given twice. Nesting deeper than kMaxDepth stops the parse.
struct Handler : json_scan::ScalarEvents<Handler> {
  explicit Handler(UsageLine& out) : line(out) {}

  // The fast scanner reads one nested object: the labels.
  bool may_nest(int at_depth) const { return at_depth == 1 && field == kLabels; }

  // Where the reader is (for raw spans): RapidJSON's stream, or the fast scanner's cursor.
  LiveInsituStream* ss = nullptr;
  const char* const* cursor = nullptr;
  size_t tell() const { return ss != nullptr ? ss->Tell() : static_cast<size_t>(*cursor - line.text.data()); }

  UsageLine& line;
  Slot slots[kFieldCount];
  bool seen[kFieldCount] = {};
  Field duplicate = kUnknown;  // the first contract field given twice
  int depth = 0;
  Field field = kUnknown;  // the depth-1 member being read
  bool first_occurrence = false;
  size_t raw_start = 0;
  std::string raw_name;
  bool in_labels = false;      // inside the (first) labels object
  size_t label_count = 0;      // labels filled so far (the vector's strings are reused)
  std::string label_key;
  std::string label_error;     // first non-string label
  bool too_deep = false;
  bool not_object = false;
  bool used_rapidjson = false;

  // A scalar or the end of a container at depth 1 finishes the member.
  void finish_member() {
    if (field == kUnknown && depth == 1)
      line.extra.push_back({raw_name, std::string_view(line.text.data() + raw_start, tell() - raw_start)});
  }
  void not_a_string_label() {
    if (label_error.empty()) label_error = cat("label \"", printable(label_key, 80), "\" must be a string");
  }
  bool scalar(State state, double number = 0, std::string_view text = {}) {
    if (depth == 0) {
      not_object = true;
      return false;
    }
    if (depth == 1) {
      if (field != kUnknown && first_occurrence) {
        Slot& s = slots[field];
        s.state = state;
        s.number = number;
        s.text = text;
      }
      finish_member();
    } else if (in_labels && depth == 2) {
      if (state == State::kString) {
        LabelList& labels = line.usage.labels;
        if (label_count == labels.size()) labels.emplace_back();
        auto& [k, v] = labels[label_count++];
        k.assign(label_key);
        v.assign(text);
      } else {
        not_a_string_label();
      }
    }
    return true;
  }

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth == 1) {
      field = lookup(s, n);
      if (field == kUnknown) {
        raw_name.assign(s, n);
        raw_start = tell();
        // The value starts after the ':' and blanks; trim them now.
        const char* p = line.text.data() + raw_start;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ':') ++p;
        raw_start = static_cast<size_t>(p - line.text.data());
      } else {
        first_occurrence = !seen[field];
        if (seen[field] && duplicate == kUnknown) duplicate = field;
        seen[field] = true;
      }
    } else if (in_labels && depth == 2) {
      label_key.assign(s, n);
    }
    return true;
  }
  bool open(bool object) {
    if (++depth > kMaxDepth) {
      too_deep = true;
      return false;
    }
    if (depth == 2 && field != kUnknown && first_occurrence) {
      slots[field].state = object ? State::kObject : State::kOther;
      in_labels = object && field == kLabels;
    }
    if (in_labels && depth == 3) not_a_string_label();
    if (depth == 1 && !object) {  // the line must be an object
      not_object = true;
      return false;
    }
    return true;
  }
  bool close() {
    if (depth == 2) in_labels = false;
    --depth;
    if (depth == 1) finish_member();
    return true;
  }
  bool StartObject() { return open(true); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(false); }
  bool EndArray(rapidjson::SizeType) { return close(); }
};

}  // namespace

Clock::time_point parse_contract_time(std::string_view text, const std::string& where) {
  int year = 0;
  const bool digits = text.size() >= 4 && std::all_of(text.begin(), text.begin() + 4, [](char c) {
                        return c >= '0' && c <= '9';
                      });
  if (digits) year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  if (!digits || year < 1970 || year > 2200)
    throw ParseError(where, cat("'", printable(text, 64), "' is not an RFC 3339 time from 1970 to 2200; write it like ",
                                "2026-11-26T07:00:00Z"));
  return parse_rfc3339(text, where);
}

const UsageReadStats& usage_read_stats() { return g_stats; }

std::string canonical_time(Clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return format_rfc3339(t, ms % 1000 != 0);
}

Clock::time_point ContractTimeCache::parse(std::string& text, const char* field, const std::string& where) {
  if (!(valid_ && text_ == text)) {
    valid_ = false;
    value_ = parse_contract_time(text, cat(where, " (field \"", field, "\")"));
    text_ = text;
    canonical_ = canonical_time(value_);
    valid_ = true;
  }
  if (text != canonical_) text = canonical_;
  return value_;
}

bool parse_usage_line(std::string_view text, const std::string& where, UsageLine& out, bool truncated,
                      bool use_fast_scanner) {
  if (trim(text).empty()) return false;
  out.text.assign(text.data(), text.size());  // the line as it came: raw values are views into it
  out.extra.clear();
  out.where = where;
  out.has_window = false;

  std::optional<Handler> h;
  json_scan::read_line(out.text, h, [&] {
    out.extra.clear();
    h.emplace(out);
  }, use_fast_scanner, truncated, where, "node_usage", kMaxDepth, g_stats.fast, g_stats.general);
  Handler& handler = *h;
  out.usage.labels.resize(handler.label_count);
  const Slot* s = handler.slots;
  if (handler.duplicate == kKind) throw ParseError(where, "field \"kind\" is given twice; give each field once");
  if (s[kKind].state == State::kAbsent || s[kKind].state == State::kNull)
    throw ParseError(where, "missing field \"kind\"; node_usage lines carry \"kind\":\"node_usage\"");
  if (s[kKind].state != State::kString) throw ParseError(where, "field \"kind\" must be a string");
  if (s[kKind].text != "node_usage") {
    if (log::level() >= log::Level::kDebug)
      log::debug(cat(where, ": skipping a line of kind \"", printable(s[kKind].text, 64), "\""));
    return false;
  }
  // A key given twice has no meaning a reader may pick (JSON leaves it open): refuse it.
  if (handler.duplicate != kUnknown)
    throw ParseError(where, cat("field \"", kFieldNames[handler.duplicate], "\" is given twice; give each field once"));
  if (const auto twice = first_duplicate(out.extra, [](const RawMember& m) -> const std::string& { return m.name; }))
    throw ParseError(where, cat("field \"", printable(*twice, 80), "\" is given twice; give each field once"));

  // The contract's fields, with its defaults.
  const json_scan::SlotFields<Field> f{s, kFieldNames, where};
  NodeUsage& u = out.usage;
  f.require_string(kNode, u.node);
  if (!f.string_into(kSource, u.source)) u.source.clear();
  f.require_string(kWindowStart, u.window_start);
  f.require_string(kWindowEnd, u.window_end);
  std::string error;
  if (f.string_into(kError, error)) u.error = std::move(error);
  else u.error.reset();
  if (s[kLabels].state != State::kAbsent && s[kLabels].state != State::kNull && s[kLabels].state != State::kObject)
    throw ParseError(where, "field \"labels\" must be an object of strings");
  if (!handler.label_error.empty()) throw ParseError(where, handler.label_error);
  if (const auto twice = first_duplicate(u.labels, [](const auto& label) -> const std::string& { return label.first; }))
    throw ParseError(where, cat("label \"", printable(*twice, 80), "\" is given twice; give each label once"));
  if (u.error) {
    u.cpu_cores = u.memory_bytes = u.memory_used_bytes = u.filesystem_bytes = u.filesystem_used_bytes = u.gpus = 0;
    u.cpu_busy_cores.reset();
    u.network_receive_bytes.reset();
    u.network_transmit_bytes.reset();
  } else {
    u.cpu_cores = f.require_number(kCpuCores);
    u.cpu_busy_cores = f.optional_number(kCpuBusyCores);
    u.memory_bytes = f.require_number(kMemoryBytes);
    u.memory_used_bytes = f.optional_number(kMemoryUsedBytes).value_or(0);
    u.filesystem_bytes = f.optional_number(kFilesystemBytes).value_or(0);
    u.filesystem_used_bytes = f.optional_number(kFilesystemUsedBytes).value_or(0);
    u.network_receive_bytes = f.optional_number(kNetworkReceiveBytes);
    u.network_transmit_bytes = f.optional_number(kNetworkTransmitBytes);
    u.gpus = f.optional_number(kGpus).value_or(0);
  }

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

NodeUsageReader::NodeUsageReader(const std::string& path_or_dash) : reader_(path_or_dash) {}

NodeUsageReader::NodeUsageReader(int fd, std::string source) : reader_(fd, std::move(source)) {}

bool NodeUsageReader::next(UsageLine& out) {
  std::string_view line;
  while (reader_.next(line)) {  // an overlong line throws here; the next call reads on after it
    where_.assign(reader_.source());
    where_ += ':';
    where_ += std::to_string(reader_.line_number());
    if (parse_usage_line(line, where_, out, reader_.last_line_unterminated())) return true;
    if (!trim(line).empty()) ++skipped_;
  }
  return false;
}

}  // namespace sf
