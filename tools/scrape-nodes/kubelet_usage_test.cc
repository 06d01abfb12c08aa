#include "scrape-nodes/kubelet_usage.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/prom_parser.h"
#include "scrape-nodes/kubelet_sample.h"

using namespace sf;
using namespace sf::scrape;

namespace {

constexpr int64_t kT0 = 1796280000000;  // 2026-12-03T06:40:00Z, in ms

// A body as the kubelet writes it, parsed by the streaming parser through the collector.
KubeletSample sample(const std::string& body, int64_t scraped_ms) {
  KubeletSample s;
  prom::Parser parser(KubeletCollector(s), "test");
  parser.set_name_filter(&KubeletCollector::wants);
  parser.feed(body);
  parser.finish();
  s.scraped_at = Clock::time_point(std::chrono::milliseconds(scraped_ms));
  return s;
}

std::string series(const std::string& family, const std::string& container, const std::string& pod, double value,
                   int64_t ms) {
  return family + "{container=\"" + container + "\",namespace=\"team-a\",pod=\"" + pod + "\"} " +
         std::to_string(value) + " " + std::to_string(ms) + "\n";
}

std::string node(double cpu, double memory, int64_t ms) {
  return "node_cpu_usage_seconds_total " + std::to_string(cpu) + " " + std::to_string(ms) +
         "\nnode_memory_working_set_bytes " + std::to_string(memory) + " " + std::to_string(ms) + "\n";
}

Target worker() {
  Target t;
  t.url = "https://10.0.0.2:10250/metrics/resource";
  t.node_name = "kind-worker";
  t.has_capacity = true;
  t.cpu_cores = 8;
  t.memory_bytes = 32.0 * (1 << 30);
  t.labels = {{"pool", "a"}};
  return t;
}

const PodUsage& find(const KubeletUsage& u, const std::string& pod, const std::string& container) {
  for (const PodUsage& c : u.containers)
    if (c.pod == pod && c.container == container) return c;
  FAIL("no line for " << pod << "/" << container);
  throw;
}

}  // namespace

TEST_CASE("kubelet usage: rates over the kubelet's sample times, the window on ours", "[kubelet]") {
  // The kubelet's samples are 9.5 s apart (cAdvisor's own times), our scrapes 10 s.
  const KubeletSample first = sample(
      "# TYPE container_cpu_usage_seconds_total counter\n" +
          series("container_cpu_usage_seconds_total", "app", "api-1", 100, kT0 - 200) +
          series("container_cpu_usage_seconds_total", "old", "gone-1", 7, kT0 - 200) +
          series("container_cpu_usage_seconds_total", "app", "restarted-1", 50, kT0 - 200) +
          series("container_memory_working_set_bytes", "app", "api-1", 100e6, kT0 - 200) +
          series("container_memory_working_set_bytes", "old", "gone-1", 5e6, kT0 - 200) +
          series("container_memory_working_set_bytes", "app", "restarted-1", 1e6, kT0 - 200) +
          "container_start_time_seconds{container=\"app\",namespace=\"team-a\",pod=\"api-1\"} 1.7e9\n"
          "container_start_time_seconds{container=\"app\",namespace=\"team-a\",pod=\"restarted-1\"} 1.7e9\n" +
          node(1000, 2e9, kT0 - 200),
      kT0);
  const KubeletSample last = sample(
      series("container_cpu_usage_seconds_total", "app", "api-1", 104.75, kT0 + 9300) +  // +4.75 in 9.5 s
          series("container_cpu_usage_seconds_total", "app", "new-1", 3, kT0 + 9300) +
          series("container_cpu_usage_seconds_total", "app", "restarted-1", 1.9, kT0 + 9300) +
          series("container_memory_working_set_bytes", "app", "api-1", 300e6, kT0 + 9300) +
          series("container_memory_working_set_bytes", "app", "new-1", 20e6, kT0 + 9300) +
          series("container_memory_working_set_bytes", "app", "restarted-1", 3e6, kT0 + 9300) +
          "container_start_time_seconds{container=\"app\",namespace=\"team-a\",pod=\"api-1\"} 1.7e9\n" +
          // new-1 started 6 s before the kubelet's sample, 6.7 s before the end of our window.
          "container_start_time_seconds{container=\"app\",namespace=\"team-a\",pod=\"new-1\"} " +
          std::to_string((kT0 + 9300) / 1000.0 - 6) + "\n" +
          "container_start_time_seconds{container=\"app\",namespace=\"team-a\",pod=\"restarted-1\"} 1.7962800e9\n" +
          node(1019, 4e9, kT0 + 9300),
      kT0 + 10'000);
  const KubeletUsage u = kubelet_usage(worker(), &first, last);

  CHECK(u.node.node == "kind-worker");
  CHECK(u.node.window_start == "2026-12-03T06:40:00.000Z");
  CHECK(u.node.window_end == "2026-12-03T06:40:10.000Z");
  CHECK(u.node.cpu_cores == 8);
  CHECK(u.node.memory_bytes == 32.0 * (1 << 30));
  CHECK(*u.node.cpu_busy_cores == Approx(19 / 9.5));
  CHECK(u.node.memory_used_bytes == 3e9);  // the mean of the two samples
  CHECK(u.node.labels == LabelList{{"pool", "a"}});
  REQUIRE(u.containers.size() == 4);

  const PodUsage& api = find(u, "api-1", "app");
  CHECK(api.running_seconds == 10);
  CHECK(*api.cpu_usage_cores == Approx(0.5));
  CHECK(api.memory_working_set_bytes == 200e6);
  CHECK(api.window_start == u.node.window_start);
  CHECK(api.namespace_name == "team-a");

  // Charged from its start to the end of the window; its rate is 3 core-seconds in 6 s.
  const PodUsage& fresh = find(u, "new-1", "app");
  CHECK(fresh.running_seconds == Approx(6.7).epsilon(1e-6));
  CHECK(*fresh.cpu_usage_cores == Approx(0.5).epsilon(1e-6));
  CHECK(fresh.memory_working_set_bytes == 20e6);

  const PodUsage& restarted = find(u, "restarted-1", "app");  // counter from zero, like rate()
  CHECK(restarted.running_seconds == 10);
  CHECK(*restarted.cpu_usage_cores == Approx(1.9 / 9.5));

  const PodUsage& gone = find(u, "gone-1", "old");  // ended: no running time, rate unknown
  CHECK(gone.running_seconds == 0);
  CHECK_FALSE(gone.cpu_usage_cores.has_value());
  CHECK(gone.memory_working_set_bytes == 5e6);
}

TEST_CASE("kubelet usage: one sample, the same cAdvisor sample twice, and what fails a node", "[kubelet]") {
  const std::string body = series("container_cpu_usage_seconds_total", "app", "api-1", 10, kT0) +
                           series("container_memory_working_set_bytes", "app", "api-1", 1e6, kT0) + node(5, 1e9, kT0);
  const KubeletSample a = sample(body, kT0), b = sample(body, kT0 + 5000);
  const KubeletUsage once = kubelet_usage(worker(), nullptr, a);
  CHECK(once.node.window_start == once.node.window_end);
  CHECK_FALSE(once.node.cpu_busy_cores.has_value());
  CHECK(once.containers.at(0).running_seconds == 0);
  CHECK_FALSE(once.containers.at(0).cpu_usage_cores.has_value());
  // Both scrapes got the same cAdvisor sample (housekeeping longer than the interval): no rate.
  const KubeletUsage same = kubelet_usage(worker(), &a, b);
  CHECK(same.containers.at(0).running_seconds == 5);
  CHECK_FALSE(same.containers.at(0).cpu_usage_cores.has_value());
  CHECK_FALSE(same.node.cpu_busy_cores.has_value());

  CHECK_THROWS_WITH(kubelet_usage(worker(), nullptr, sample("resource_scrape_error 1\n", kT0)),
                    Catch::Contains("resource_scrape_error 1"));
  CHECK_THROWS_WITH(kubelet_usage(worker(), nullptr, sample("go_goroutines 3\n", kT0)),
                    Catch::Contains("is this the kubelet's /metrics/resource endpoint?"));
  const KubeletSample bad = sample(series("container_memory_working_set_bytes", "app", "api-1", -1, kT0) + node(5, 1e9, kT0), kT0);
  CHECK_THROWS_WITH(kubelet_usage(worker(), nullptr, bad),
                    Catch::Contains("container_memory_working_set_bytes{container=\"app\",namespace=\"team-a\",pod=\"api-1\"} is -1"));
}

TEST_CASE("kubelet samples: only the families used are kept, containers are capped", "[kubelet]") {
  CHECK(KubeletCollector::wants("container_cpu_usage_seconds_total"));
  CHECK(KubeletCollector::wants("resource_scrape_error"));
  CHECK_FALSE(KubeletCollector::wants("container_swap_usage_bytes"));
  CHECK_FALSE(KubeletCollector::wants("pod_cpu_usage_seconds_total"));
  std::string many;
  for (size_t i = 0; i <= kMaxContainers; ++i)
    many += "container_memory_working_set_bytes{container=\"c\",namespace=\"n\",pod=\"p" + std::to_string(i) + "\"} 1\n";
  CHECK_THROWS_WITH(sample(many, kT0), Catch::Contains("broken or hostile"));
}
