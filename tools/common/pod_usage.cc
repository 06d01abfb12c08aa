#include "common/pod_usage.h"

#include <cmath>
#include <cstring>
#include <optional>

#include "common/error.h"
#include "common/flat_json_scanner.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf {
namespace {

using json_scan::first_duplicate;
using json_scan::has_control_chars;
using json_scan::LiveInsituStream;
using json_scan::Slot;
using json_scan::State;

// A container's running time may exceed the window by the rounding of two millisecond times.
constexpr double kRunningSlackSeconds = 0.002;

enum Field : int {
  kKind, kNode, kNamespace, kPod, kContainer, kSource, kWindowStart, kWindowEnd, kError, kRunningSeconds,
  kCpuUsageCores, kMemoryWorkingSetBytes, kFieldCount, kUnknown
};

const char* const kFieldNames[kFieldCount] = {
    "kind",   "node",         "namespace",  "pod",   "container",       "source",
    "window_start", "window_end", "error", "running_seconds", "cpu_usage_cores", "memory_working_set_bytes"};

// Every key of every line: a switch on the length, then fixed-size compares (a unit test checks
// that it agrees with kFieldNames).
Field lookup(const char* s, size_t n) {
  auto is = [&](const char* name) { return std::memcmp(s, name, n) == 0; };
  switch (n) {
    case 3: return is("pod") ? kPod : kUnknown;
    case 4: return is("kind") ? kKind : is("node") ? kNode : kUnknown;
    case 5: return is("error") ? kError : kUnknown;
    case 6: return is("source") ? kSource : kUnknown;
    case 9: return is("namespace") ? kNamespace : is("container") ? kContainer : kUnknown;
    case 10: return is("window_end") ? kWindowEnd : kUnknown;
    case 12: return is("window_start") ? kWindowStart : kUnknown;
    case 15: return is("running_seconds") ? kRunningSeconds : is("cpu_usage_cores") ? kCpuUsageCores : kUnknown;
    case 24: return is("memory_working_set_bytes") ? kMemoryWorkingSetBytes : kUnknown;
    default: return kUnknown;
  }
}

// Fills slots for the contract's fields and notes the names of the others; a field given twice
// is noted too. Nothing nests in the contract: nested values of other fields are only counted.
struct Handler : json_scan::ScalarEvents<Handler> {
  explicit Handler(PodUsageLine& out) : line(out) {}

  bool may_nest(int) const { return false; }  // the scanner leaves nested values to RapidJSON
  LiveInsituStream* ss = nullptr;
  const char* const* cursor = nullptr;

  PodUsageLine& line;
  Slot slots[kFieldCount];
  bool seen[kFieldCount] = {};
  Field duplicate = kUnknown;
  Field field = kUnknown;
  bool first_occurrence = false;
  int depth = 0;
  bool too_deep = false;
  bool not_object = false;
  bool used_rapidjson = false;

  bool scalar(State state, double number = 0, std::string_view text = {}) {
    if (depth == 0) {
      not_object = true;
      return false;
    }
    if (depth == 1 && field != kUnknown && first_occurrence) slots[field] = Slot{state, number, text};
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth != 1) return true;
    field = lookup(s, n);
    if (field == kUnknown) {
      line.extra_names.emplace_back(s, n);
    } else {
      first_occurrence = !seen[field];
      if (seen[field] && duplicate == kUnknown) duplicate = field;
      seen[field] = true;
    }
    return true;
  }
  bool open(bool object) {
    if (++depth > kMaxJsonDepth) {
      too_deep = true;
      return false;
    }
    if (depth == 1 && !object) {
      not_object = true;
      return false;
    }
    if (depth == 2 && field != kUnknown && first_occurrence) slots[field].state = object ? State::kObject : State::kOther;
    return true;
  }
  bool close() {
    --depth;
    return true;
  }
  bool StartObject() { return open(true); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(false); }
  bool EndArray(rapidjson::SizeType) { return close(); }
};

thread_local UsageReadStats g_stats;
thread_local ContractTimeCache g_start_cache;
thread_local ContractTimeCache g_end_cache;

void require_figure(double v, const char* field, const std::string& where) {
  if (!(v >= 0) || !std::isfinite(v))
    throw ParseError(where, cat("field \"", field, "\" is ", format_number(v), "; it must be a number >= 0"));
}

void require_name(const std::string& value, const char* field, const std::string& where) {
  if (value.empty()) throw ParseError(where, cat("field \"", field, "\" is empty; every pod_usage line names its ", field));
  if (has_control_chars(value)) throw ParseError(where, cat("field \"", field, "\" holds control characters"));
}

// The writer's side of the same rules: what it refuses the reader would.
void refuse_name(const std::string& value, const char* field) {
  if (value.empty()) throw json::JsonValueError(cat("field \"", field, "\" is empty; every pod_usage line names its ", field));
  if (has_control_chars(value))
    throw json::JsonValueError(cat("field \"", field, "\" (\"", printable(value, 80), "\") holds control characters"));
}

double refuse_figure(const char* field, double v) {
  if (!(v >= 0) || !std::isfinite(v))
    throw json::JsonValueError(cat("field \"", field, "\" is ", format_number(v), "; a pod_usage figure is a number >= 0"));
  return v;
}

}  // namespace

const UsageReadStats& pod_usage_read_stats() { return g_stats; }

std::string pod_usage_json(const PodUsage& u) {
  refuse_name(u.node, "node");
  if (has_control_chars(u.source))
    throw json::JsonValueError(cat("field \"source\" (\"", printable(u.source, 80), "\") holds control characters"));
  std::string line;
  json::ObjectWriter o(line);
  o.text("kind", "pod_usage");
  o.text("node", u.node);
  if (u.error) {
    o.text("source", u.source);
    o.text("window_start", u.window_start);
    o.text("window_end", u.window_end);
    o.text("error", *u.error);
    o.close();
    return line;
  }
  refuse_name(u.namespace_name, "namespace");
  refuse_name(u.pod, "pod");
  refuse_name(u.container, "container");
  o.text("namespace", u.namespace_name);
  o.text("pod", u.pod);
  o.text("container", u.container);
  o.text("source", u.source);
  o.text("window_start", u.window_start);
  o.text("window_end", u.window_end);
  o.number("running_seconds", refuse_figure("running_seconds", u.running_seconds));
  if (u.cpu_usage_cores) refuse_figure("cpu_usage_cores", *u.cpu_usage_cores);
  o.optional("cpu_usage_cores", u.cpu_usage_cores);
  o.number("memory_working_set_bytes", refuse_figure("memory_working_set_bytes", u.memory_working_set_bytes));
  o.close();
  return line;
}

bool parse_pod_usage_line(std::string_view text, const std::string& where, PodUsageLine& out, bool truncated,
                          bool use_fast_scanner) {
  if (trim(text).empty()) return false;
  out.text.assign(text.data(), text.size());
  out.where = where;
  out.has_window = false;

  std::optional<Handler> h;
  json_scan::read_line(out.text, h, [&] {
    out.extra_names.clear();
    h.emplace(out);
  }, use_fast_scanner, truncated, where, "pod_usage", kMaxJsonDepth, g_stats.fast, g_stats.general);
  const Slot* s = h->slots;
  if (h->duplicate == kKind) throw ParseError(where, "field \"kind\" is given twice; give each field once");
  if (s[kKind].state == State::kAbsent || s[kKind].state == State::kNull)
    throw ParseError(where, "missing field \"kind\"; pod_usage lines carry \"kind\":\"pod_usage\"");
  if (s[kKind].state != State::kString) throw ParseError(where, "field \"kind\" must be a string");
  if (s[kKind].text != "pod_usage") return false;
  if (h->duplicate != kUnknown)
    throw ParseError(where, cat("field \"", kFieldNames[h->duplicate], "\" is given twice; give each field once"));
  if (const auto twice = first_duplicate(out.extra_names, [](const std::string& n) -> const std::string& { return n; }))
    throw ParseError(where, cat("field \"", printable(*twice, 80), "\" is given twice; give each field once"));

  const json_scan::SlotFields<Field> f{s, kFieldNames, where};
  PodUsage& u = out.usage;
  f.require_string(kNode, u.node);
  require_name(u.node, "node", where);
  if (!f.string_into(kSource, u.source)) u.source.clear();
  if (has_control_chars(u.source)) throw ParseError(where, "field \"source\" holds control characters");
  f.require_string(kWindowStart, u.window_start);
  f.require_string(kWindowEnd, u.window_end);
  std::string error;
  if (f.string_into(kError, error)) u.error = std::move(error);
  else u.error.reset();
  if (!f.string_into(kNamespace, u.namespace_name)) u.namespace_name.clear();
  if (!f.string_into(kPod, u.pod)) u.pod.clear();
  if (!f.string_into(kContainer, u.container)) u.container.clear();

  if (u.error) {
    // A node whose kubelet was not read: its window when it parses; no container, no figures.
    u.namespace_name.clear();
    u.pod.clear();
    u.container.clear();
    u.running_seconds = u.memory_working_set_bytes = 0;
    u.cpu_usage_cores.reset();
    try {
      out.start = g_start_cache.parse(u.window_start, "window_start", where);
      out.end = g_end_cache.parse(u.window_end, "window_end", where);
      out.has_window = true;
    } catch (const ParseError&) {
    }
    if (u.error->empty()) u.error = "failed (no reason given)";
    return true;
  }
  require_name(u.namespace_name, "namespace", where);
  require_name(u.pod, "pod", where);
  require_name(u.container, "container", where);
  out.start = g_start_cache.parse(u.window_start, "window_start", where);
  out.end = g_end_cache.parse(u.window_end, "window_end", where);
  if (out.end < out.start)
    throw ParseError(where, cat("field \"window_end\" (", u.window_end, ") is before \"window_start\" (", u.window_start,
                                ")"));
  out.has_window = true;
  u.running_seconds = f.require_number(kRunningSeconds);
  u.cpu_usage_cores = f.optional_number(kCpuUsageCores);
  u.memory_working_set_bytes = f.require_number(kMemoryWorkingSetBytes);
  require_figure(u.running_seconds, "running_seconds", where);
  if (u.cpu_usage_cores) require_figure(*u.cpu_usage_cores, "cpu_usage_cores", where);
  require_figure(u.memory_working_set_bytes, "memory_working_set_bytes", where);
  const double window = std::chrono::duration<double>(out.end - out.start).count();
  if (u.running_seconds > window + kRunningSlackSeconds)
    throw ParseError(where, cat("field \"running_seconds\" is ", format_number(u.running_seconds), ", longer than its ",
                                "window (", format_number(window), " s); a container runs inside the window"));
  return true;
}

}  // namespace sf
