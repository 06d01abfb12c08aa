#include "scrape-nodes/kubelet_usage.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "scrape-nodes/usage.h"

namespace sf::scrape {
namespace {

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double epoch_seconds(Clock::time_point t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

std::string series(const char* family, const ContainerKey& k) {
  return cat(family, "{container=\"", printable(k.container, 60), "\",namespace=\"", printable(k.namespace_name, 60),
             "\",pod=\"", printable(k.pod, 60), "\"}");
}

// A value the figures use must be a finite number >= 0: a bad one spoils this node only.
double checked(double v, const std::string& what) {
  if (!std::isfinite(v) || v < 0)
    throw Error(cat(what, " is ", format_number(v), "; a kubelet reports a finite number >= 0 here ",
                    "(a broken endpoint or a hostile one)"));
  return v;
}

// Seconds between two samples: the kubelet's sample times when both carry one, else ours.
double sample_seconds(std::optional<int64_t> ms1, std::optional<int64_t> ms2, double fallback) {
  if (ms1 && ms2) return static_cast<double>(*ms2 - *ms1) / 1000.0;
  return fallback;
}

void check_container(const ContainerKey& k, const ContainerFigures& c) {
  if (c.cpu_seconds) checked(*c.cpu_seconds, series("container_cpu_usage_seconds_total", k));
  if (c.memory_bytes) checked(*c.memory_bytes, series("container_memory_working_set_bytes", k));
  if (c.start_seconds && !std::isfinite(*c.start_seconds))
    throw Error(cat(series("container_start_time_seconds", k), " is not a finite number"));
}

}  // namespace

KubeletUsage kubelet_usage(const Target& target, const KubeletSample* first, const KubeletSample& last) {
  if (last.scrape_error && *last.scrape_error != 0)
    throw Error("the kubelet reports resource_scrape_error 1: its summary provider failed (cAdvisor or the container "
                "runtime's stats), so it has no usage for this window");
  if (!last.node_cpu_seconds || !last.node_memory_bytes)
    throw Error("no node_cpu_usage_seconds_total/node_memory_working_set_bytes in the response; is this the kubelet's "
                "/metrics/resource endpoint?");
  for (const KubeletSample* s : {first, &last}) {
    if (s == nullptr) continue;
    for (const auto& [key, c] : s->containers) check_container(key, c);
    if (s->node_cpu_seconds) checked(*s->node_cpu_seconds, "node_cpu_usage_seconds_total");
    if (s->node_memory_bytes) checked(*s->node_memory_bytes, "node_memory_working_set_bytes");
  }

  KubeletUsage out;
  // The window as the lines write it (milliseconds), so that running_seconds and the window
  // price-calc reads back agree exactly.
  auto ms = [](Clock::time_point t) { return Clock::time_point(std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch())); };
  const Clock::time_point start = ms(first != nullptr ? first->scraped_at : last.scraped_at);
  const Clock::time_point end = ms(last.scraped_at);
  const double window = std::max(0.0, seconds_between(start, end));
  NodeUsage& n = out.node;
  n.node = target.node_name;
  n.source = redact_url(target.url);
  n.window_start = format_rfc3339(start, true);
  n.window_end = format_rfc3339(end, true);
  n.cpu_cores = target.cpu_cores;
  n.memory_bytes = target.memory_bytes;
  n.gpus = target.gpus;
  n.labels = target.labels;
  n.memory_used_bytes = *last.node_memory_bytes;
  if (first != nullptr && first->node_cpu_seconds && first->node_memory_bytes) {
    n.memory_used_bytes = (*first->node_memory_bytes + *last.node_memory_bytes) / 2;
    const double dt = sample_seconds(first->node_cpu_ms, last.node_cpu_ms, window);
    if (dt > 0)
      n.cpu_busy_cores =
          std::clamp(counter_increase(*first->node_cpu_seconds, *last.node_cpu_seconds) / dt, 0.0, n.cpu_cores);
  }

  auto line = [&](const ContainerKey& k) {
    PodUsage u;
    u.node = n.node;
    u.namespace_name = k.namespace_name;
    u.pod = k.pod;
    u.container = k.container;
    u.source = n.source;
    u.window_start = n.window_start;
    u.window_end = n.window_end;
    return u;
  };
  const double t2_ours = epoch_seconds(end);
  for (const auto& [key, c2] : last.containers) {
    PodUsage u = line(key);
    u.memory_working_set_bytes = c2.memory_bytes.value_or(0);
    const ContainerFigures* c1 = nullptr;
    if (first != nullptr)
      if (const auto it = first->containers.find(key); it != first->containers.end()) c1 = &it->second;
    if (first == nullptr) {
      // One sample: no window, no rate.
    } else if (c1 != nullptr) {
      u.running_seconds = window;
      if (c1->memory_bytes && c2.memory_bytes) u.memory_working_set_bytes = (*c1->memory_bytes + *c2.memory_bytes) / 2;
      const double dt = sample_seconds(c1->cpu_ms, c2.cpu_ms, window);
      if (c1->cpu_seconds && c2.cpu_seconds && dt > 0) {
        const bool restarted = c1->start_seconds != c2.start_seconds || *c2.cpu_seconds < *c1->cpu_seconds;
        u.cpu_usage_cores = (restarted ? *c2.cpu_seconds : *c2.cpu_seconds - *c1->cpu_seconds) / dt;
      }
    } else if (c2.start_seconds) {
      // Started inside the window: it ran from its start (the kubelet's clock) to its sample.
      const double t2 = c2.cpu_ms ? static_cast<double>(*c2.cpu_ms) / 1000.0 : t2_ours;
      const double ran = t2 - *c2.start_seconds;
      u.running_seconds = std::clamp(t2_ours - *c2.start_seconds, 0.0, window);
      if (c2.cpu_seconds && ran > 0) u.cpu_usage_cores = *c2.cpu_seconds / ran;
    } else {
      u.running_seconds = window;  // no start time: seen running, for how long is unknown
    }
    out.containers.push_back(std::move(u));
  }
  if (first != nullptr) {
    // Ended inside the window: seen only in the first sample.
    for (const auto& [key, c1] : first->containers) {
      if (last.containers.count(key) != 0) continue;
      PodUsage u = line(key);
      u.memory_working_set_bytes = c1.memory_bytes.value_or(0);
      out.containers.push_back(std::move(u));
    }
  }
  return out;
}

}  // namespace sf::scrape
