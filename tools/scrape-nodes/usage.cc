#include "scrape-nodes/usage.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/strings.h"

namespace sf::scrape {
namespace {

bool matches_any(const std::vector<std::string>& patterns, const std::string& value) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return fnmatch(p.c_str(), value.c_str(), 0) == 0; });
}

// Seconds between two samples: the exporter's own clock when both carry it (immune to our
// scheduling delays), else ours.
double window_seconds(const NodeSample& first, const NodeSample& last) {
  if (first.node_time_seconds && last.node_time_seconds && *last.node_time_seconds > *first.node_time_seconds)
    return *last.node_time_seconds - *first.node_time_seconds;
  return std::chrono::duration<double>(last.scraped_at - first.scraped_at).count();
}

}  // namespace

bool is_idle_cpu_mode(std::string_view mode) { return mode == "idle" || mode == "iowait"; }

double counter_increase(double before, double after) { return after >= before ? after - before : after; }

void compute_usage(const NodeSample* first, const NodeSample& last, const UsageRules& rules, NodeUsage& out) {
  if (last.cpu_seconds.empty())
    throw Error("no node_cpu_seconds_total in the response; is this a node-exporter /metrics endpoint?");
  if (!last.memory_total_bytes || !last.memory_available_bytes)
    throw Error("no node_memory_MemTotal_bytes/MemAvailable_bytes in the response; is the meminfo collector on?");

  std::set<std::string> cpus;
  for (const auto& [key, value] : last.cpu_seconds) cpus.insert(key.first);
  out.cpu_cores = static_cast<double>(cpus.size());
  out.memory_bytes = *last.memory_total_bytes;
  out.memory_used_bytes = std::max(0.0, *last.memory_total_bytes - *last.memory_available_bytes);

  // A device mounted twice (bind mounts) is one disk: count each device once.
  std::set<std::string> devices;
  out.filesystem_bytes = 0;
  out.filesystem_used_bytes = 0;
  for (const auto& [mountpoint, fs] : last.filesystems) {
    if (matches_any(rules.excluded_fstypes, fs.fstype) || !devices.insert(fs.device).second) continue;
    out.filesystem_bytes += fs.size_bytes;
    out.filesystem_used_bytes += std::max(0.0, fs.size_bytes - fs.free_bytes);
  }

  if (first == nullptr) {
    out.cpu_busy_cores.reset();
    out.network_receive_bytes.reset();
    out.network_transmit_bytes.reset();
    return;
  }
  const double seconds = window_seconds(*first, last);
  if (seconds <= 0) throw Error("the two samples have no time between them; use a positive --interval");

  double busy_seconds = 0;
  for (const auto& [key, after] : last.cpu_seconds) {
    if (is_idle_cpu_mode(key.second)) continue;
    const auto before = first->cpu_seconds.find(key);
    if (before == first->cpu_seconds.end()) continue;  // a CPU that came online in between
    busy_seconds += counter_increase(before->second, after);
  }
  out.cpu_busy_cores = std::clamp(busy_seconds / seconds, 0.0, out.cpu_cores);

  double rx = 0;
  double tx = 0;
  for (const auto& [device, after] : last.network_bytes) {
    if (matches_any(rules.excluded_net_devices, device)) continue;
    const auto before = first->network_bytes.find(device);
    if (before == first->network_bytes.end()) continue;
    rx += counter_increase(before->second.first, after.first);
    tx += counter_increase(before->second.second, after.second);
  }
  out.network_receive_bytes = rx;
  out.network_transmit_bytes = tx;
}

}  // namespace sf::scrape
