#include "price-calc/cost_model.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/strings.h"

using namespace sf;
using namespace sf::pc;
using Catch::Contains;

namespace {

Pricing prices(const std::string& json) { return parse_pricing(json, "test.json", PriceUnit::kHour); }

const Pricing& default_prices() {
  static const Pricing p = prices(R"({"CPU":"0.031611","spotCPU":"0.006655","RAM":"0.004237","spotRAM":"0.000892",
    "GPU":"0.95","spotGPU":"0.308","storage":"0.00005479452","spotLabel":"lifecycle","spotLabelValue":"spot",
    "gpuLabel":"gpu-type"})");
  return p;
}

// A node_usage line with the given extra fields; window 07:00:00 -> `end`.
std::string usage(const std::string& fields, const std::string& end = "2026-11-26T08:00:00Z") {
  return R"({"kind":"node_usage","node":"n1","source":"http://x/metrics","window_start":"2026-11-26T07:00:00Z","window_end":")" +
         end + "\"," + fields + "}";
}

struct Priced {
  bool ok;
  CostRow row;
};

Priced price(const std::string& line, const Pricing& p = default_prices(), CostOptions options = {}) {
  UsageLine u;
  REQUIRE(parse_usage_line(line, "in.jsonl:1", u));
  Priced out;
  out.ok = price_usage(u, p, options, out.row);
  return out;
}

}  // namespace

TEST_CASE("cost: a plain node for one hour, by hand") {
  // 2 cores x 0.031611 = 0.063222; 8 GiB x 0.004237 = 0.033896; total 0.097118 per hour.
  const Priced p = price(usage(R"("cpu_cores":2,"cpu_busy_cores":0.5,"memory_bytes":8589934592,
    "memory_used_bytes":4294967296,"gpus":0,"labels":{})"));
  REQUIRE(p.ok);
  const CostRow& r = p.row;
  CHECK(r.hours == 1.0);
  CHECK(r.price_set == "default");
  CHECK(r.cpu_cost == Approx(0.063222).epsilon(1e-12));
  CHECK(r.ram_cost == Approx(0.033896).epsilon(1e-12));
  CHECK(r.gpu_cost == 0);
  CHECK(r.storage_cost == 0);
  CHECK(r.total_cost == Approx(0.097118).epsilon(1e-12));
  // Used: 0.5 busy cores x 0.031611 = 0.0158055; 4 GiB x 0.004237 = 0.016948.
  CHECK(r.cpu_used_cost == Approx(0.0158055).epsilon(1e-12));
  CHECK(r.ram_used_cost == Approx(0.016948).epsilon(1e-12));
  CHECK(r.used_cost == Approx(0.0327535).epsilon(1e-12));
  CHECK(r.idle_cost == Approx(0.0643645).epsilon(1e-12));
  CHECK(*r.cpu_efficiency == Approx(0.25));
  CHECK(r.ram_efficiency == Approx(0.5));
  // (0.5 x 0.033896 + 0.25 x 0.063222) / 0.097118 = 0.0327535 / 0.097118
  CHECK(*r.total_efficiency == Approx(0.0327535 / 0.097118).epsilon(1e-12));
  CHECK(r.hourly_cost == Approx(0.097118).epsilon(1e-12));
  CHECK(r.daily_cost == Approx(2.330832).epsilon(1e-12));
  CHECK(r.monthly_cost == Approx(70.89614).epsilon(1e-12));
  CHECK(r.currency == "USD");
  CHECK(r.cpu_core_hours == 2.0);
  CHECK(r.ram_gib_hours == 8.0);
}

TEST_CASE("cost: discounts apply to CPU and RAM only, Discount = 1-(1-d)(1-n)") {
  // D = 1 - 0.8 x 0.9 = 0.28. Half an hour, 4 cores, 16 GiB, 2 GPUs.
  // CPU 4 x 1.0 x 0.5 x 0.72 = 1.44; RAM 16 x 0.5 x 0.5 x 0.72 = 2.88; GPU 2 x 2.0 x 0.5 = 2.0.
  const Pricing p = prices(R"({"CPU":"1.0","RAM":"0.5","GPU":"2.0","discount":"20%","negotiatedDiscount":"10"})");
  const Priced c = price(usage(R"("cpu_cores":4,"cpu_busy_cores":1,"memory_bytes":17179869184,
    "memory_used_bytes":0,"gpus":2)", "2026-11-26T07:30:00Z"), p);
  REQUIRE(c.ok);
  CHECK(c.row.hours == 0.5);
  CHECK(c.row.discount == Approx(0.28));
  CHECK(c.row.price_set == "default,gpu");
  CHECK(c.row.cpu_list_cost == Approx(2.0));
  CHECK(c.row.ram_list_cost == Approx(4.0));
  CHECK(c.row.cpu_cost == Approx(1.44));
  CHECK(c.row.ram_cost == Approx(2.88));
  CHECK(c.row.gpu_cost == Approx(2.0));
  CHECK(c.row.total_cost == Approx(6.32));
  CHECK(c.row.hourly_cost == Approx(12.64));
  // GPU usage is not measured: it counts as idle. Used = 1/4 of CPU.
  CHECK(c.row.used_cost == Approx(0.36));
  CHECK(c.row.idle_cost == Approx(5.96));
}

TEST_CASE("cost: spot nodes take spotCPU/spotRAM when spotLabel == spotLabelValue") {
  // 10 cores x 0.006655 x 2 h = 0.1331; 32 GiB x 0.000892 x 2 h = 0.057088.
  const Priced spot = price(usage(R"("cpu_cores":10,"cpu_busy_cores":5,"memory_bytes":34359738368,
    "memory_used_bytes":0,"labels":{"lifecycle":"spot"})", "2026-11-26T09:00:00Z"));
  REQUIRE(spot.ok);
  CHECK(spot.row.spot);
  CHECK(spot.row.price_set == "default,spot");
  CHECK(spot.row.cpu_cost == Approx(0.1331));
  CHECK(spot.row.ram_cost == Approx(0.057088));

  const Priced other = price(usage(R"("cpu_cores":10,"memory_bytes":34359738368,"labels":{"lifecycle":"ondemand"})",
                                   "2026-11-26T09:00:00Z"));
  CHECK_FALSE(other.row.spot);
  CHECK(other.row.cpu_cost == Approx(10 * 0.031611 * 2));
  const Priced empty = price(usage(R"("cpu_cores":1,"memory_bytes":0,"labels":{"lifecycle":""})"));
  CHECK_FALSE(empty.row.spot);
}

TEST_CASE("cost: GPU nodes, by count or by label, and spot GPU nodes") {
  // 4 GPUs x 0.95 x 1 h = 3.8
  const Priced counted = price(usage(R"("cpu_cores":8,"memory_bytes":0,"gpus":4)"));
  CHECK(counted.row.gpu_node);
  CHECK(counted.row.gpu_count == 4);
  CHECK(counted.row.gpu_cost == Approx(3.8));
  CHECK(counted.row.price_set == "default,gpu");
  // The GPU label without a count: one GPU, as OpenCost.
  const Priced labelled = price(usage(R"("cpu_cores":8,"memory_bytes":0,"gpus":0,"labels":{"gpu-type":"a100"})"));
  CHECK(labelled.row.gpu_count == 1);
  CHECK(labelled.row.gpu_cost == Approx(0.95));
  // Spot and GPU: spotCPU, spotRAM, spotGPU (OpenCost would find no "default,spot,gpu" key and use 0).
  const Priced spot_gpu = price(usage(R"("cpu_cores":8,"memory_bytes":8589934592,"gpus":2,"labels":{"lifecycle":"spot"})"));
  CHECK(spot_gpu.row.price_set == "default,spot,gpu");
  CHECK(spot_gpu.row.cpu_cost == Approx(8 * 0.006655));
  CHECK(spot_gpu.row.ram_cost == Approx(8 * 0.000892));
  CHECK(spot_gpu.row.gpu_cost == Approx(2 * 0.308));
}

TEST_CASE("cost: a GPU node without a GPU price is unpriced, never priced as zero") {
  const Pricing p = prices(R"({"CPU":"0.03","RAM":"0.004"})");
  const Priced c = price(usage(R"("cpu_cores":8,"memory_bytes":0,"gpus":1)"), p);
  CHECK_FALSE(c.ok);
  CHECK_THAT(c.row.error, Contains("no GPU price"));
  CHECK(c.row.where == "in.jsonl:1");
}

TEST_CASE("cost: a failed node is unpriced with its error") {
  const Priced c = price(R"({"kind":"node_usage","node":"n3","source":"http://n3:9100/metrics",
    "window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","error":"connection refused"})");
  CHECK_FALSE(c.ok);
  CHECK(c.row.node == "n3");
  CHECK(c.row.error == "connection refused");
}

TEST_CASE("cost: a zero-length window costs 0 but keeps its hourly rate and projections") {
  const Priced c = price(usage(R"("cpu_cores":2,"cpu_busy_cores":null,"memory_bytes":8589934592,
    "memory_used_bytes":2147483648)", "2026-11-26T07:00:00Z"));
  REQUIRE(c.ok);
  CHECK(c.row.hours == 0);
  CHECK(c.row.total_cost == 0);
  CHECK(c.row.used_cost == 0);
  CHECK(c.row.idle_cost == 0);
  CHECK(c.row.hourly_cost == Approx(0.097118));
  CHECK(c.row.daily_cost == Approx(0.097118 * 24));
  CHECK(c.row.monthly_cost == Approx(0.097118 * 730));
  CHECK_FALSE(c.row.cpu_efficiency.has_value());  // --once: no busy cores
  CHECK(c.row.ram_efficiency == Approx(0.25));     // from the instant figures
  CHECK_FALSE(c.row.total_efficiency.has_value());

  const Priced known = price(usage(R"("cpu_cores":2,"cpu_busy_cores":1,"memory_bytes":8589934592,
    "memory_used_bytes":2147483648)", "2026-11-26T07:00:00Z"));
  CHECK(*known.row.cpu_efficiency == Approx(0.5));
  // Weighted by the hourly rates: (0.25 x 0.033896 + 0.5 x 0.063222) / 0.097118
  CHECK(*known.row.total_efficiency == Approx((0.25 * 0.033896 + 0.5 * 0.063222) / 0.097118));
}

TEST_CASE("cost: node filesystems priced as storage per GiB-hour, or not with --no-storage") {
  // 100 GiB x 0.00005479452 x 1 h = 0.005479452; 25 GiB used -> 0.001369863
  const std::string line = usage(R"("cpu_cores":0,"memory_bytes":0,"filesystem_bytes":107374182400,
    "filesystem_used_bytes":26843545600)");
  const Priced c = price(line);
  CHECK(c.row.storage_priced());
  CHECK(c.row.storage_cost == Approx(0.005479452));
  CHECK(c.row.storage_used_cost == Approx(0.001369863));
  CHECK(c.row.total_cost == Approx(0.005479452));
  CostOptions no_storage;
  no_storage.price_storage = false;
  const Priced n = price(line, default_prices(), no_storage);
  CHECK(n.row.storage_cost == 0);
  CHECK_FALSE(n.row.storage_priced());
}

TEST_CASE("cost: huge values stay exact, and overflow leaves the line unpriced, naming it") {
  // 1 EiB of RAM = 2^30 GiB; x 0.004237 = 4549444.108288 per hour.
  const Priced c = price(usage(R"("cpu_cores":1000000,"memory_bytes":1152921504606846976)"));
  CHECK(c.row.ram_gib_hours == 1073741824.0);
  CHECK(c.row.ram_cost == Approx(4549444.108288).epsilon(1e-12));
  CHECK(c.row.cpu_cost == Approx(31611.0).epsilon(1e-12));
  const Priced huge = price(usage(R"("cpu_cores":1e308,"memory_bytes":0)"));
  CHECK_FALSE(huge.ok);
  CHECK_FALSE(huge.row.priced);
  CHECK_THAT(huge.row.error, Contains("too large") && Contains("cpu_cores 1e+308"));
  CHECK(huge.row.where == "in.jsonl:1");
  CHECK(huge.row.total_cost == 0);  // nothing of the overflowed figures is kept
}

TEST_CASE("cost: busy above capacity keeps idle >= 0 while efficiency may exceed 1") {
  const Priced c = price(usage(R"("cpu_cores":2,"cpu_busy_cores":2.4,"memory_bytes":0)"));
  CHECK(*c.row.cpu_efficiency == Approx(1.2));
  CHECK(c.row.cpu_used_cost == Approx(c.row.cpu_cost));
  CHECK(c.row.idle_cost == 0);
}

TEST_CASE("cost: OpenCost's efficiency rules") {
  CHECK(opencost_efficiency(0.5, 2, 1) == 0.25);
  CHECK(opencost_efficiency(3, 2, 1) == 1.5);  // may exceed 1
  CHECK(opencost_efficiency(0.5, 0, 1) == 1.0);
  CHECK(opencost_efficiency(0, 0, 1) == 0.0);
  CHECK(opencost_efficiency(0.5, 0, 0) == 0.0);
  CHECK(total_efficiency(0.25, 0, 0.5, 0) == 0.0);
  CHECK(total_efficiency(0.25, 3, 0.5, 1) == Approx((0.5 * 1 + 0.25 * 3) / 4));
}

TEST_CASE("cost: --period prices the aligned period holding the window") {
  using std::chrono::hours;
  CostOptions hourly;
  hourly.period = std::chrono::milliseconds(3600 * 1000);
  const Priced c = price(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:02.500Z",
    "window_end":"2026-11-26T07:00:12.500Z","cpu_cores":2,"cpu_busy_cores":1,"memory_bytes":0})",
                         default_prices(), hourly);
  CHECK(c.row.window_start == "2026-11-26T07:00:00Z");
  CHECK(c.row.window_end == "2026-11-26T08:00:00Z");
  CHECK(c.row.sample_window_start == "2026-11-26T07:00:02.500Z");
  CHECK(c.row.hours == 1.0);
  CHECK(c.row.cpu_cost == Approx(2 * 0.031611));
  // A window across the hour goes by its midpoint (08:00:01).
  const auto [from, to] = aligned_period(sf::parse_rfc3339("2026-11-26T07:59:55Z", "t"),
                                         sf::parse_rfc3339("2026-11-26T08:00:07Z", "t"), hourly.period.value());
  CHECK(sf::format_rfc3339(from) == "2026-11-26T08:00:00Z");
  CHECK(sf::format_rfc3339(to) == "2026-11-26T09:00:00Z");
}

TEST_CASE("cost: a ten-second window, as scrape-nodes measures it") {
  // 10 s = 1/360 h: 2 cores x 0.031611 / 360 = 0.000175616...
  const Priced c = price(usage(R"("cpu_cores":2,"cpu_busy_cores":0.53,"memory_bytes":8589934592,
    "memory_used_bytes":4294967296)", "2026-11-26T07:00:10Z"));
  CHECK(c.row.hours == Approx(10.0 / 3600));
  CHECK(c.row.cpu_cost == Approx(2 * 0.031611 / 360).epsilon(1e-12));
  CHECK(c.row.total_cost == Approx(0.097118 / 360).epsilon(1e-12));
  CHECK(c.row.monthly_cost == Approx(70.89614).epsilon(1e-12));
}

TEST_CASE("cost: a password in a URL of the line is not carried into the row") {
  const std::string line = R"({"kind":"node_usage","node":"http://u:pw@10.0.0.1:9100/metrics","source":"http://u:pw@10.0.0.1:9100/metrics",)"
                           R"("window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T08:00:00Z","cpu_cores":1,"memory_bytes":1})";
  const Priced p = price(line);
  REQUIRE(p.ok);
  CHECK(p.row.source == "http://***@10.0.0.1:9100/metrics");
  CHECK(p.row.node == "http://***@10.0.0.1:9100/metrics");
  const Priced f = price(R"({"kind":"node_usage","node":"n","source":"https://a:b@h/m","window_start":"2026-11-26T07:00:00Z",)"
                         R"("window_end":"2026-11-26T08:00:00Z","error":"https://a:b@h/m: HTTP 500"})");
  REQUIRE_FALSE(f.ok);
  CHECK(f.row.source == "https://***@h/m");
  CHECK(f.row.error == "https://***@h/m: HTTP 500");
}
