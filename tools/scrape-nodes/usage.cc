#include "scrape-nodes/usage.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::scrape {
namespace {

bool matches_any(const std::vector<std::string>& patterns, const std::string& value) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return fnmatch(p.c_str(), value.c_str(), 0) == 0; });
}

std::string cpu_key(const std::pair<std::string, std::string>& cpu_mode) {
  std::string key = cpu_mode.first;
  key += '\0';
  key += cpu_mode.second;
  return key;
}

// A value the figures use must be a finite number >= 0: a bad one spoils this target only.
double checked(double v, const std::string& series) {
  if (!std::isfinite(v) || v < 0)
    throw Error(cat(series, " is ", format_number(v), "; a node-exporter reports a finite number >= 0 here ",
                    "(a broken collector or a hostile exporter)"));
  return v;
}

std::string labelled(const char* family, const char* label, const std::string& value) {
  return cat(family, "{", label, "=\"", printable(value, 80), "\"}");
}

std::string cpu_series(const std::pair<std::string, std::string>& key) {
  return cat("node_cpu_seconds_total{cpu=\"", printable(key.first, 40), "\",mode=\"", printable(key.second, 40), "\"}");
}

// Seconds between two samples: the exporter's own clock when both carry it (immune to our
// scheduling delays), else ours.
double window_seconds(const FirstSample& first, const NodeSample& last) {
  if (first.node_time_seconds && last.node_time_seconds && *last.node_time_seconds > *first.node_time_seconds)
    return *last.node_time_seconds - *first.node_time_seconds;
  return std::chrono::duration<double>(last.scraped_at - first.scraped_at).count();
}

}  // namespace

FirstSample digest(const NodeSample& s, const UsageRules& rules) {
  FirstSample d;
  d.scraped_at = s.scraped_at;
  if (s.node_time_seconds && std::isfinite(*s.node_time_seconds)) d.node_time_seconds = s.node_time_seconds;
  for (const auto& [key, value] : s.cpu_seconds)
    if (!is_idle_cpu_mode(key.second)) d.busy_cpu.emplace_back(cpu_key(key), value);
  for (const auto& [device, bytes] : s.network_bytes)
    if (!matches_any(rules.excluded_net_devices, device)) d.network.emplace_back(device, bytes);
  d.busy_cpu.shrink_to_fit();
  d.network.shrink_to_fit();
  return d;
}

bool is_idle_cpu_mode(std::string_view mode) { return mode == "idle" || mode == "iowait"; }

double counter_increase(double before, double after) { return after >= before ? after - before : after; }

void compute_usage(const FirstSample* first, const NodeSample& last, const UsageRules& rules, NodeUsage& out) {
  if (last.cpu_seconds.empty())
    throw Error("no node_cpu_seconds_total in the response; is this a node-exporter /metrics endpoint?");
  if (!last.memory_total_bytes || !last.memory_available_bytes)
    throw Error("no node_memory_MemTotal_bytes/MemAvailable_bytes in the response; is the meminfo collector on?");

  std::set<std::string_view> cpus;
  for (const auto& [key, value] : last.cpu_seconds) {
    checked(value, cpu_series(key));
    cpus.insert(key.first);
  }
  out.cpu_cores = static_cast<double>(cpus.size());
  const double total = checked(*last.memory_total_bytes, "node_memory_MemTotal_bytes");
  const double available = checked(*last.memory_available_bytes, "node_memory_MemAvailable_bytes");
  out.memory_bytes = total;
  out.memory_used_bytes = std::max(0.0, total - available);

  // A device mounted twice (bind mounts) is one disk: count each device once.
  std::set<std::string_view> devices;
  out.filesystem_bytes = 0;
  out.filesystem_used_bytes = 0;
  for (const auto& [mountpoint, fs] : last.filesystems) {
    if (matches_any(rules.excluded_fstypes, fs.fstype) || !devices.insert(fs.device).second) continue;
    const double size = checked(fs.size_bytes, labelled("node_filesystem_size_bytes", "mountpoint", mountpoint));
    const double free = checked(fs.free_bytes, labelled("node_filesystem_free_bytes", "mountpoint", mountpoint));
    out.filesystem_bytes += size;
    out.filesystem_used_bytes += std::max(0.0, size - free);
  }
  if (!std::isfinite(out.filesystem_bytes))
    throw Error("the filesystem sizes add up beyond a double; a node-exporter reports bytes of real disks");

  if (first == nullptr) {
    out.cpu_busy_cores.reset();
    out.network_receive_bytes.reset();
    out.network_transmit_bytes.reset();
    return;
  }
  const double seconds = window_seconds(*first, last);
  if (!(seconds > 0)) throw Error("the two samples have no time between them; use a positive --interval");

  // Both lists are sorted the same way: walk them together.
  double busy_seconds = 0;
  auto before = first->busy_cpu.begin();
  for (const auto& [key, after] : last.cpu_seconds) {
    if (is_idle_cpu_mode(key.second)) continue;
    const std::string k = cpu_key(key);
    while (before != first->busy_cpu.end() && before->first < k) ++before;
    if (before == first->busy_cpu.end() || before->first != k) continue;  // a CPU that came online in between
    busy_seconds += counter_increase(checked(before->second, cpu_series(key)), after);
  }
  out.cpu_busy_cores = std::clamp(busy_seconds / seconds, 0.0, out.cpu_cores);

  double rx = 0, tx = 0;
  auto was = first->network.begin();
  for (const auto& [device, now] : last.network_bytes) {
    if (matches_any(rules.excluded_net_devices, device)) continue;
    while (was != first->network.end() && was->first < device) ++was;
    if (was == first->network.end() || was->first != device) continue;
    const double rx_before = checked(was->second.first, labelled("node_network_receive_bytes_total", "device", device));
    const double tx_before = checked(was->second.second, labelled("node_network_transmit_bytes_total", "device", device));
    rx += counter_increase(rx_before, checked(now.first, labelled("node_network_receive_bytes_total", "device", device)));
    tx += counter_increase(tx_before, checked(now.second, labelled("node_network_transmit_bytes_total", "device", device)));
  }
  out.network_receive_bytes = rx;
  out.network_transmit_bytes = tx;
}

}  // namespace sf::scrape
