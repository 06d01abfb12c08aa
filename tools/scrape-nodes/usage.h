// The usage arithmetic: from one or two NodeSamples to the figures of a node_usage line.
#pragma once

#include <string>
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

// Idle modes: "idle" and "iowait" (a core waiting for I/O is free to run other work).
bool is_idle_cpu_mode(std::string_view mode);

// The increase of a counter from `before` to `after`; a decrease means the counter restarted
// (exporter restart, node reboot), so the increase is `after` itself, as Prometheus' rate().
double counter_increase(double before, double after);

// Fills the figures of `out` from a single sample (no rates) or two (rates over the window).
// Throws sf::Error when the payload lacks what a node-exporter always has.
void compute_usage(const NodeSample* first, const NodeSample& last, const UsageRules& rules, NodeUsage& out);

}  // namespace sf::scrape
