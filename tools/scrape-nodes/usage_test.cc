#include "scrape-nodes/usage.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/prom_parser.h"

using namespace sf::scrape;

namespace {

NodeSample parse(const std::string& body, double time) {
  NodeSample sample;
  sf::prom::Parser parser(SampleCollector(sample), "test");
  parser.feed(body);
  parser.feed("node_time_seconds " + std::to_string(time) + "\n");
  parser.finish();
  return sample;
}

const char* kFirst =
    "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
    "# TYPE node_cpu_seconds_total counter\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 100\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 10\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 50\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 20\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 100\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 1.5e+01\n"
    "node_memory_MemTotal_bytes 8.589934592e+09\n"
    "node_memory_MemAvailable_bytes 6.442450944e+09\n"
    "node_filesystem_size_bytes{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/\"} 1000\n"
    "node_filesystem_free_bytes{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/\"} 400\n"
    "node_filesystem_size_bytes{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/var/bind\"} 1000\n"
    "node_filesystem_free_bytes{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/var/bind\"} 400\n"
    "node_filesystem_size_bytes{device=\"tmpfs\",fstype=\"tmpfs\",mountpoint=\"/run\"} 500\n"
    "node_filesystem_free_bytes{device=\"tmpfs\",fstype=\"tmpfs\",mountpoint=\"/run\"} 500\n"
    "node_filesystem_size_bytes{device=\"/dev/vdb\",fstype=\"xfs\",mountpoint=\"/data\"} 2000\n"
    "node_filesystem_free_bytes{device=\"/dev/vdb\",fstype=\"xfs\",mountpoint=\"/data\"} 1500\n"
    "node_network_receive_bytes_total{device=\"eth0\"} 1000\n"
    "node_network_transmit_bytes_total{device=\"eth0\"} 500\n"
    "node_network_receive_bytes_total{device=\"lo\"} 99999\n"
    "node_network_transmit_bytes_total{device=\"lo\"} 99999\n"
    "node_uname_info{nodename=\"kind-worker\",sysname=\"Linux\"} 1\n";

std::string second_body(double user0, double system0, double user1, double iowait0, double rx) {
  std::string b = kFirst;
  auto replace = [&](const std::string& from, const std::string& to) { b.replace(b.find(from), from.size(), to); };
  replace("mode=\"user\"} 50", "mode=\"user\"} " + std::to_string(user0));
  replace("mode=\"system\"} 20", "mode=\"system\"} " + std::to_string(system0));
  replace("mode=\"user\"} 1.5e+01", "mode=\"user\"} " + std::to_string(user1));
  replace("mode=\"iowait\"} 10", "mode=\"iowait\"} " + std::to_string(iowait0));
  replace("receive_bytes_total{device=\"eth0\"} 1000", "receive_bytes_total{device=\"eth0\"} " + std::to_string(rx));
  return b;
}

}  // namespace

TEST_CASE("busy cores: non-idle counter deltas over the exporter's own window") {
  const NodeSample a = parse(kFirst, 1000);
  // Over 10 s: cpu0 user +6, system +2, iowait +5 (idle); cpu1 user +4 -> 12 busy seconds.
  const NodeSample b = parse(second_body(56, 22, 19, 15, 4000), 1010);
  sf::NodeUsage u;
  const FirstSample da = digest(a, UsageRules{});
  compute_usage(&da, b, UsageRules{}, u);
  CHECK(u.cpu_cores == 2);
  REQUIRE(u.cpu_busy_cores);
  CHECK(*u.cpu_busy_cores == Approx(1.2));
  CHECK(u.memory_bytes == 8589934592.0);
  CHECK(u.memory_used_bytes == 2147483648.0);
  // "/" and its bind mount are one device; tmpfs is left out; /data counts.
  CHECK(u.filesystem_bytes == 3000);
  CHECK(u.filesystem_used_bytes == 1100);
  REQUIRE(u.network_receive_bytes);
  CHECK(*u.network_receive_bytes == 3000);  // lo excluded
  CHECK(*u.network_transmit_bytes == 0);
}

TEST_CASE("a counter that went down restarted: its increase counts from zero") {
  CHECK(counter_increase(100, 130) == 30);
  CHECK(counter_increase(100, 7) == 7);
  const NodeSample a = parse(kFirst, 1000);
  // cpu0 user reset to 3 (restart), system 22 (+2), cpu1 user 19 (+4), rx reset to 10.
  const NodeSample b = parse(second_body(3, 22, 19, 10, 10), 1010);
  sf::NodeUsage u;
  const FirstSample da = digest(a, UsageRules{});
  compute_usage(&da, b, UsageRules{}, u);
  CHECK(*u.cpu_busy_cores == Approx((3 + 2 + 4) / 10.0));
  CHECK(*u.network_receive_bytes == 10);
  CHECK(*u.cpu_busy_cores >= 0);
}

TEST_CASE("busy cores never exceed the core count, and iowait counts as idle") {
  CHECK(is_idle_cpu_mode("idle"));
  CHECK(is_idle_cpu_mode("iowait"));
  CHECK_FALSE(is_idle_cpu_mode("steal"));
  const NodeSample a = parse(kFirst, 1000);
  const NodeSample b = parse(second_body(80, 40, 40, 900, 1000), 1001);  // 65 busy s in 1 s
  sf::NodeUsage u;
  const FirstSample da = digest(a, UsageRules{});
  compute_usage(&da, b, UsageRules{}, u);
  CHECK(*u.cpu_busy_cores == 2);
}

TEST_CASE("one sample: capacity and memory, no rates") {
  const NodeSample b = parse(kFirst, 1000);
  sf::NodeUsage u;
  u.cpu_busy_cores = 5;
  compute_usage(nullptr, b, UsageRules{}, u);
  CHECK(u.cpu_cores == 2);
  CHECK_FALSE(u.cpu_busy_cores);
  CHECK_FALSE(u.network_receive_bytes);
  CHECK(b.nodename == "kind-worker");
}

TEST_CASE("a payload without node-exporter's families is an error, not zero usage") {
  const NodeSample empty = parse("# just a comment\nup 1\n", 1);
  sf::NodeUsage u;
  CHECK_THROWS_WITH(compute_usage(nullptr, empty, UsageRules{}, u), Catch::Contains("node_cpu_seconds_total"));
  const NodeSample a = parse(kFirst, 1000);
  const NodeSample same_time = parse(kFirst, 1000);
  NodeSample no_clock = same_time;
  no_clock.node_time_seconds.reset();
  const FirstSample da = digest(a, UsageRules{});
  CHECK_THROWS_WITH(compute_usage(&da, no_clock, UsageRules{}, u), Catch::Contains("interval"));
}

TEST_CASE("excluded fstypes and net devices are configurable") {
  const NodeSample a = parse(kFirst, 1000);
  const NodeSample b = parse(second_body(56, 22, 19, 15, 4000), 1010);
  UsageRules rules;
  rules.excluded_fstypes = {"xfs"};
  rules.excluded_net_devices = {"eth*"};
  sf::NodeUsage u;
  const FirstSample da = digest(a, rules);
  compute_usage(&da, b, rules, u);
  CHECK(u.filesystem_bytes == 1500);  // vda1 once + tmpfs, no xfs
  CHECK(*u.network_receive_bytes == 0);  // lo no longer excluded but did not move
}

TEST_CASE("a value that is not a finite number >= 0 fails the target, naming the series") {
  const NodeSample a = parse(kFirst, 1000);
  const FirstSample da = digest(a, UsageRules{});
  auto replaced = [](const std::string& from, const std::string& to) {
    std::string b = kFirst;
    b.replace(b.find(from), from.size(), to);
    return b;
  };
  const struct {
    std::string from, to, series;
  } cases[] = {
      {"node_memory_MemTotal_bytes 8.589934592e+09", "node_memory_MemTotal_bytes NaN", "node_memory_MemTotal_bytes is NaN"},
      {"node_memory_MemTotal_bytes 8.589934592e+09", "node_memory_MemTotal_bytes -8", "node_memory_MemTotal_bytes is -8"},
      {"node_memory_MemAvailable_bytes 6.442450944e+09", "node_memory_MemAvailable_bytes +Inf", "MemAvailable_bytes is +Inf"},
      {"mountpoint=\"/data\"} 2000", "mountpoint=\"/data\"} +Inf", "node_filesystem_size_bytes{mountpoint=\"/data\"} is +Inf"},
      {"mode=\"user\"} 50", "mode=\"user\"} NaN", "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} is NaN"},
      {"receive_bytes_total{device=\"eth0\"} 1000", "receive_bytes_total{device=\"eth0\"} -Inf",
       "node_network_receive_bytes_total{device=\"eth0\"} is -Inf"},
  };
  for (const auto& c : cases) {
    INFO(c.to);
    const NodeSample b = parse(replaced(c.from, c.to), 1010);
    sf::NodeUsage u;
    CHECK_THROWS_WITH(compute_usage(&da, b, UsageRules{}, u), Catch::Contains(c.series));
  }
  // A bad value where nothing uses it (an excluded tmpfs) spoils nothing.
  const NodeSample b = parse(replaced("mountpoint=\"/run\"} 500", "mountpoint=\"/run\"} NaN"), 1010);
  sf::NodeUsage u;
  CHECK_NOTHROW(compute_usage(&da, b, UsageRules{}, u));
}

TEST_CASE("a hostile number of series fails the scrape with a clear error, in bounded memory") {
  NodeSample sample;
  sf::prom::Parser parser(SampleCollector(sample), "body");
  std::string body;
  for (size_t i = 0; i <= kMaxCpuSeries; ++i) body += "node_cpu_seconds_total{cpu=\"" + std::to_string(i) + "\",mode=\"user\"} 1\n";
  CHECK_THROWS_WITH(parser.feed(body), Catch::Contains("more than 16384") && Catch::Contains("node_cpu_seconds_total"));
  CHECK(sample.cpu_seconds.size() == kMaxCpuSeries);
}

TEST_CASE("the first sample keeps only what the rates need") {
  const NodeSample a = parse(kFirst, 1000);
  const FirstSample d = digest(a, UsageRules{});
  CHECK(d.busy_cpu.size() == 3);  // cpu0 user, system; cpu1 user (idle and iowait never count)
  REQUIRE(d.network.size() == 1);  // eth0 (lo is excluded)
  CHECK(d.network[0].first == "eth0");
  CHECK(*d.node_time_seconds == 1000);
}
