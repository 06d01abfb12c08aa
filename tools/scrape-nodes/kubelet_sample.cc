#include "scrape-nodes/kubelet_sample.h"

#include "common/error.h"
#include "common/strings.h"

namespace sf::scrape {
namespace {

constexpr std::string_view kFamilies[] = {
    "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_start_time_seconds",
    "node_cpu_usage_seconds_total",      "node_memory_working_set_bytes",      "resource_scrape_error"};

std::string_view label(const prom::Sample& s, std::string_view name) {
  for (const auto& l : s.labels)
    if (l.name == name) return l.value;
  return {};
}

}  // namespace

bool KubeletCollector::wants(std::string_view name) {
  for (const std::string_view f : kFamilies)
    if (name == f) return true;
  return false;
}

void KubeletCollector::operator()(const prom::Sample& s) {
  if (s.name.front() == 'c') {
    ContainerKey key{std::string(label(s, "namespace")), std::string(label(s, "pod")),
                     std::string(label(s, "container"))};
    auto it = sample_.containers.find(key);
    if (it == sample_.containers.end()) {
      if (sample_.containers.size() >= kMaxContainers)
        throw Error(cat("more than ", kMaxContainers, " containers in one kubelet's resource metrics; a kubelet runs ",
                        "a few hundred pods: is this a broken or hostile endpoint?"));
      it = sample_.containers.emplace(std::move(key), ContainerFigures{}).first;
    }
    ContainerFigures& c = it->second;
    if (s.name == "container_cpu_usage_seconds_total") {
      c.cpu_seconds = s.value;
      c.cpu_ms = s.timestamp_ms;
    } else if (s.name == "container_memory_working_set_bytes") {
      c.memory_bytes = s.value;
    } else {
      c.start_seconds = s.value;
    }
  } else if (s.name == "node_cpu_usage_seconds_total") {
    sample_.node_cpu_seconds = s.value;
    sample_.node_cpu_ms = s.timestamp_ms;
  } else if (s.name == "node_memory_working_set_bytes") {
    sample_.node_memory_bytes = s.value;
  } else {
    sample_.scrape_error = s.value;
  }
}

}  // namespace sf::scrape
