// One scrape of a kubelet's /metrics/resource (the endpoint metrics-server reads), reduced to
// what allocation needs: per container its CPU counter, working set and start time, each with
// the kubelet's own sample time, and the node's CPU counter and working set. Filled sample by
// sample from the streaming parser (name filter: the other families are skipped unparsed).
//
// What the endpoint holds is documented in "Resource metrics pipeline" / "Node metrics data"
// (kubernetes.io/docs/tasks/debug/debug-cluster/resource-metrics-pipeline/) and written by the
// kubelet's pkg/kubelet/metrics/collectors/resource_metrics.go: container_cpu_usage_seconds_total
// (counter, core-seconds since the container started), container_memory_working_set_bytes
// (gauge), both with the cAdvisor sample's time in milliseconds and labels container, namespace,
// pod; container_start_time_seconds; node_cpu_usage_seconds_total, node_memory_working_set_bytes;
// resource_scrape_error (1 when the summary provider failed).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/prom_parser.h"
#include "common/time_util.h"

namespace sf::scrape {

struct ContainerKey {
  std::string namespace_name, pod, container;
  auto operator<=>(const ContainerKey&) const = default;
};

struct ContainerFigures {
  std::optional<double> cpu_seconds;        // container_cpu_usage_seconds_total
  std::optional<int64_t> cpu_ms;            // its sample time (ms since the epoch)
  std::optional<double> memory_bytes;       // container_memory_working_set_bytes
  std::optional<double> start_seconds;      // container_start_time_seconds
};

struct KubeletSample {
  std::map<ContainerKey, ContainerFigures> containers;
  std::optional<double> node_cpu_seconds;   // node_cpu_usage_seconds_total
  std::optional<int64_t> node_cpu_ms;
  std::optional<double> node_memory_bytes;  // node_memory_working_set_bytes
  std::optional<double> scrape_error;       // resource_scrape_error
  Clock::time_point scraped_at{};           // our clock, when the body had been read
};

// A kubelet runs at most a few hundred pods (--max-pods, 110 by default): more containers than
// this in one body is a broken or hostile endpoint, and the scrape of that node fails.
constexpr size_t kMaxContainers = 65536;

class KubeletCollector {
 public:
  explicit KubeletCollector(KubeletSample& sample) : sample_(sample) {}
  void operator()(const prom::Sample& s);  // throws sf::Error beyond kMaxContainers
  static bool wants(std::string_view metric_name);

 private:
  KubeletSample& sample_;
};

}  // namespace sf::scrape
