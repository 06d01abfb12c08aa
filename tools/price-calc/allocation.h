// Cost allocation, the way OpenCost allocates (spec/opencost-specv01.md; core/pkg/opencost
// allocation.go; pkg/costmodel allocation.go, allocation_helpers.go, costmodel.go), from the
// API server's pods and the kubelets' usage alone. docs/allocation.md has every rule with its
// source. In short, per container and window:
//
//   hours        node window hours x running_seconds / window seconds (the time it ran)
//   CPU cores    max(request, average usage)        a container without a request: its usage
//   RAM bytes    max(request, average working set)
//   GPUs         the request
//   cost         x hours x the node's own prices (its node_usage line of the same window):
//                CPU x (1 - discount), RAM per GiB x (1 - discount), GPU
//   idle         node cost - what its containers were charged, per resource, per node or for
//                the cluster (--idle-by), never clamped: an overcommitted node's is negative
//
// Rows roll up by namespace, controller (namespace/kind/name), pod, node or a label's value;
// idle is its own __idle__ row (NODE/__idle__ with --idle-by node) or is shared into the rows in
// proportion to their cost per resource (--share-idle). Only containers' requests count by
// default (OpenCost reads kube_pod_container_resource_requests); --requests scheduling adds what
// Kubernetes schedules by: sidecars, the init containers' excess and the pod overhead.
//
// Input may come in any order; in the order scrape-nodes --pods writes it (pod lines, then per
// node its node_usage line and its containers) nothing is held but one entry per pod, node
// window and row.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/node_usage.h"
#include "common/pod.h"
#include "common/pod_usage.h"
#include "price-calc/alloc_row.h"
#include "price-calc/cost_model.h"
#include "price-calc/pricing.h"

namespace sf::pc {

enum class GroupBy { kNamespace, kController, kPod, kNode, kLabel };

struct Grouping {
  GroupBy by = GroupBy::kNamespace;
  std::string label;  // kLabel: the label's key
};

// "namespace", "controller", "pod", "node", "label:KEY"; UsageError naming `flag` otherwise.
Grouping parse_grouping(std::string_view text, std::string_view flag = "--by");

enum class IdleBy { kCluster, kNode };
enum class RequestScope { kContainers, kScheduling };

struct AllocationOptions {
  Grouping by;
  IdleBy idle_by = IdleBy::kCluster;
  bool share_idle = false;
  RequestScope requests = RequestScope::kContainers;
  std::optional<std::chrono::milliseconds> period;  // as price-calc --period
  bool ledger_rows = false;  // also build the ledger's rows (namespace/controller, idle per node)
};

// What could not be allocated, or was allocated by a fallback: reported on stderr and by the
// table, html and summary formats, never dropped silently.
struct AllocationReport {
  size_t pods = 0;                  // pod lines read
  size_t usage_lines = 0;           // pod_usage lines with a container
  size_t charged = 0;               // of them, charged to a row
  size_t nodes = 0, failed_nodes = 0, unpriced_nodes = 0;  // node windows
  size_t pending = 0;               // pods Pending (no node or not started): nothing to charge
  size_t not_running = 0;           // pods listed on a node whose kubelet was read, without usage
  size_t on_failed_nodes = 0;       // listed pods, and container lines, of nodes without figures or
                                    // prices: not allocated (their node has no cost either)
  size_t without_pod = 0;           // usage lines of pods not in the inventory: charged by usage
  size_t without_node = 0;          // usage lines without their node's node_usage line
  size_t ended = 0;                 // containers seen only in the first sample (nothing charged)
  size_t zero_window = 0;           // container lines of zero-length windows (--once): no hours
  size_t cpu_unknown = 0;           // containers charged with an unknown CPU rate (request only)
  size_t overcommitted = 0;         // node windows whose containers were charged beyond the node
  size_t invalid = 0, skipped = 0;  // lines that could not be read / of other kinds
  std::vector<std::string> examples;  // a few names behind the counts above, for people
};

class Allocator {
 public:
  Allocator(const Pricing& pricing, AllocationOptions options);
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  void add_pod(const PodRecord& pod);
  void add_node(const UsageLine& line);       // node_usage (failed nodes included)
  void add_usage(const PodUsageLine& line);   // pod_usage (failed nodes included)
  void add_invalid() { ++report_.invalid; }
  void add_skipped() { ++report_.skipped; }

  // Idle, shared idle, averages, efficiencies. `rows`: the --by rows, by window then name, the
  // idle rows of a window after its others. `ledger`: the ledger's rows when asked for.
  void finish(std::vector<AllocRow>& rows, std::vector<AllocRow>* ledger = nullptr);
  const AllocationReport& report() const { return report_; }
  const std::string& currency() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  AllocationReport report_;
};

}  // namespace sf::pc
