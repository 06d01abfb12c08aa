// The pod_usage contract (docs/design.md): what one container used on one node over one
// window, from the kubelet's resource metrics (scrape-nodes --pods), or a node whose kubelet
// could not be read (its error, no container). Defined once, here: the struct, its writer (which
// refuses what the reader refuses) and its one reader, streaming like node_usage's, with the
// same fast path (common/flat_json_scanner.h: a word-at-a-time scanner for the usual compact
// line, RapidJSON for everything else, one handler and one set of checks behind both).
//
//   {"kind":"pod_usage","node":"kind-worker","namespace":"team-a","pod":"api-7d9-x2b4q",
//    "container":"app","source":"https://.../api/v1/nodes/kind-worker/proxy/metrics/resource",
//    "window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z",
//    "running_seconds":10,"cpu_usage_cores":0.25,"memory_working_set_bytes":104857600}
//
// window_start/window_end are the node's window (the same as its node_usage line's, so the two
// join); running_seconds is how long of it the container ran (the whole window, or from its
// start when it started inside it; 0 when it was seen only in the first sample, i.e. it ended);
// cpu_usage_cores is the counter's increase over the kubelet's own sample times, null when it
// cannot be known (one sample); memory_working_set_bytes the mean of the samples.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_lines.h"
#include "common/node_usage.h"
#include "common/time_util.h"

namespace sf {

struct PodUsage {
  std::string node;
  std::string namespace_name;
  std::string pod;
  std::string container;
  std::string source;
  std::string window_start;
  std::string window_end;
  std::optional<std::string> error;        // the node's kubelet could not be read: no container
  double running_seconds = 0;
  std::optional<double> cpu_usage_cores;   // null: not measured
  double memory_working_set_bytes = 0;
};

struct PodUsageLine {
  PodUsage usage;                 // window strings made canonical
  Clock::time_point start{};
  Clock::time_point end{};
  bool has_window = false;        // both times parsed (always, unless a failed line's do not)
  std::string where;              // "file:line"
  std::string text;               // the line itself
  std::vector<std::string> extra_names;  // fields outside the contract (checked for duplicates)
  bool failed() const { return usage.error.has_value(); }
};

// The pod_usage line of `usage` (without the newline); json::JsonValueError naming the field for
// what the reader would refuse (a figure not finite or below 0, an empty or control-character
// name, text that is not UTF-8). running_seconds is the caller's to keep inside the window.
std::string pod_usage_json(const PodUsage& usage);

// One line already split off: false for other kinds and blank lines; ParseError naming `where`
// and the field for anything that breaks the contract. use_fast_scanner=false reads the line with
// RapidJSON only (tests and the fuzz target compare the two).
bool parse_pod_usage_line(std::string_view line, const std::string& where, PodUsageLine& out, bool truncated = false,
                          bool use_fast_scanner = true);

// How many lines of this thread each path read.
const UsageReadStats& pod_usage_read_stats();

}  // namespace sf
