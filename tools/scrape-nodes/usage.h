// The usage arithmetic: from one or two samples to the figures of a node_usage line. Between
// the two samples of a target only what the rates need is kept (FirstSample: the counters that
// count, packed), so memory follows the figures, not the payload, however many targets.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/contracts.h"
#include "scrape-nodes/node_sample.h"

namespace sf::scrape {

struct UsageRules {
  // Filesystems that are not real disks (memory, overlays, kernel views): not capacity to price.
  std::vector<std::string> excluded_fstypes = {
      "tmpfs",     "devtmpfs", "overlay",  "squashfs",   "ramfs",   "nsfs",       "proc",       "sysfs",
      "cgroup",    "cgroup2",  "autofs",   "fuse.lxcfs", "tracefs", "debugfs",    "securityfs", "pstore",
      "bpf",       "configfs", "devpts",   "mqueue",     "hugetlbfs", "binfmt_misc", "rpc_pipefs", "fusectl",
      "efivarfs",  "iso9660",  "nfsd",     "shm",        "selinuxfs", "fuse.snapfuse"};
  // Network devices whose bytes are not traffic of the node (glob patterns).
  std::vector<std::string> excluded_net_devices = {"lo"};
};

// What the second sample's rates need from the first: its times and the counters that count
// (non-idle CPU modes, included network devices), sorted like NodeSample's maps.
struct FirstSample {
  Clock::time_point scraped_at{};
  std::optional<double> node_time_seconds;
  std::vector<std::pair<std::string, double>> busy_cpu;  // "cpu\0mode" -> seconds
  std::vector<std::pair<std::string, std::pair<double, double>>> network;  // device -> (rx, tx)
};

FirstSample digest(const NodeSample& first, const UsageRules& rules);

// Idle modes: "idle" and "iowait" (a core waiting for I/O is free to run other work).
bool is_idle_cpu_mode(std::string_view mode);

// The increase of a counter from `before` to `after`; a decrease means the counter restarted
// (exporter restart, node reboot), so the increase is `after` itself, as Prometheus' rate().
double counter_increase(double before, double after);

// Fills the figures of `out` from a single sample (no rates) or two (rates over the window).
// Throws sf::Error when the payload lacks what a node-exporter always has, or when a value it
// uses is not a finite number >= 0 (NaN, +Inf, a negative MemTotal), naming the series.
void compute_usage(const FirstSample* first, const NodeSample& last, const UsageRules& rules, NodeUsage& out);

}  // namespace sf::scrape
