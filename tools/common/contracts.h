// The JSON Lines contracts between the tools (docs/design.md): one definition, written here
// and read here (node lines) or by common/node_usage.h (node_usage lines, streamed), so both
// ends of every pipe agree. snake_case, SI units (bytes, cores), RFC 3339 UTC times. The pod and
// pod_usage contracts (cost allocation) live in common/pod.h and common/pod_usage.h.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "common/json_lines.h"

namespace sf {

using LabelList = std::vector<std::pair<std::string, std::string>>;

struct Resources {
  double cpu_cores = 0;
  double memory_bytes = 0;
  double gpus = 0;
};

// {"kind":"node",...}: what kind-wait --list nodes prints and scrape-nodes reads.
struct NodeRecord {
  std::string name;
  std::vector<std::string> roles;
  bool ready = false;
  std::string internal_ip;
  Resources capacity;
  Resources allocatable;
  LabelList labels;
};

// {"kind":"node_usage",...}: one node over one window, or its error and no figures.
struct NodeUsage {
  std::string node;
  std::string source;
  std::string window_start;
  std::string window_end;
  std::optional<std::string> error;
  double cpu_cores = 0;
  std::optional<double> cpu_busy_cores;  // needs two samples; null with --once
  double memory_bytes = 0;
  double memory_used_bytes = 0;
  double filesystem_bytes = 0;
  double filesystem_used_bytes = 0;
  std::optional<double> network_receive_bytes;   // over the window; null with --once
  std::optional<double> network_transmit_bytes;
  double gpus = 0;
  LabelList labels;
};

// The "kind" of a JSON Lines object, or "" when absent.
std::string kind_of(const rapidjson::Value& object);

std::string node_record_json(const NodeRecord& node);
void write_node_record(JsonLineWriter& out, const NodeRecord& node);
NodeRecord read_node_record(const rapidjson::Value& object, const std::string& where);

// The node_usage line of `usage` (without the newline). Refuses, with a JsonValueError naming
// the field, what the contract's reader would refuse: a figure that is not finite or below 0,
// an empty node or one with control characters, text that is not UTF-8. Nothing is written
// then, so the caller can write an error line for that target instead.
std::string node_usage_json(const NodeUsage& usage);
void write_node_usage(JsonLineWriter& out, const NodeUsage& usage);

}  // namespace sf
