// From one or two kubelet samples of a node to its node_usage line and its containers'
// pod_usage lines, over one window: the first scrape to the second, on our clock (the same
// window in both kinds, so price-calc joins them), rates over the kubelet's own sample times.
//
// Per container seen in the second sample:
//   - in both samples, the same start time, the counter not lower: it ran the whole window;
//     cpu = increase / (t2 - t1) of the kubelet's sample times; memory = mean of the two;
//   - in both, restarted (another start time, or the counter went down): the whole window, and
//     the increase counts from zero (cpu = c2 / (t2 - t1)), as Prometheus' rate() does;
//   - only in the second (it started inside the window): from its start time to t2 (bounded by
//     the window); cpu = c2 / (t2 - start), the counter counting from its start;
// and per container seen only in the first sample (it ended inside the window): running 0,
// cpu unknown (null), its working set. Two samples that are the same cAdvisor sample (the
// kubelet's housekeeping interval is longer than --interval) leave the rate unknown (null).
// With one sample (--once) the window is zero-length: running 0, cpu null.
//
// Node: cpu_cores and memory_bytes are the node line's capacity (what prices the node);
// cpu_busy_cores the increase of node_cpu_usage_seconds_total over its sample times (null when
// unknown, capped at the cores); memory_used_bytes the mean working set; no filesystem, no
// network figures (the kubelet's resource metrics have none).
#pragma once

#include <string>
#include <vector>

#include "common/contracts.h"
#include "common/pod_usage.h"
#include "scrape-nodes/kubelet_sample.h"
#include "scrape-nodes/targets.h"

namespace sf::scrape {

struct KubeletUsage {
  NodeUsage node;
  std::vector<PodUsage> containers;
};

// Throws sf::Error, naming the series, when the kubelet reports a scrape error, lacks its node
// figures, or a value is not a finite number >= 0 (the node's lines become error lines).
KubeletUsage kubelet_usage(const Target& target, const KubeletSample* first, const KubeletSample& last);

}  // namespace sf::scrape
