// The allocation rules with hand-computed figures. Prices: CPU 0.03 per core-hour, RAM 0.004 per
// GiB-hour, GPU 1 per GPU-hour, no discount (one test adds one). Nodes are priced over one hour.
#include "price-calc/allocation.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "common/error.h"
#include "common/strings.h"
#include "price-calc/alloc_formats.h"

using namespace sf;
using namespace sf::pc;

namespace {

constexpr double kGi = 1024.0 * 1024 * 1024;

const Pricing& prices(const char* extra = "") {
  static std::map<std::string, Pricing> cache;
  auto it = cache.find(extra);
  if (it == cache.end())
    it = cache.emplace(extra, parse_pricing(cat(R"({"CPU":"0.03","RAM":"0.004","GPU":"1")", extra, "}"), "t.json",
                                            PriceUnit::kHour)).first;
  return it->second;
}

const char* const kStart = "2026-11-26T07:00:00Z";
const char* const kEnd = "2026-11-26T08:00:00Z";

std::string node_line(const std::string& node, double cores, double gib, double gpus = 0, const char* end = kEnd) {
  return cat(R"({"kind":"node_usage","node":")", node, R"(","window_start":")", kStart, R"(","window_end":")", end,
             R"(","cpu_cores":)", cores, R"(,"cpu_busy_cores":1,"memory_bytes":)", format_number(gib * kGi),
             R"(,"memory_used_bytes":0,"gpus":)", gpus, "}");
}

std::string usage_line(const std::string& node, const std::string& ns, const std::string& pod, double cpu, double gib,
                       double running = 3600, const char* container = "app", const char* end = kEnd) {
  return cat(R"({"kind":"pod_usage","node":")", node, R"(","namespace":")", ns, R"(","pod":")", pod,
             R"(","container":")", container, R"(","window_start":")", kStart, R"(","window_end":")", end,
             R"(","running_seconds":)", running, R"(,"cpu_usage_cores":)", cpu, R"(,"memory_working_set_bytes":)",
             format_number(gib * kGi), "}");
}

std::string pod_line(const std::string& ns, const std::string& name, const std::string& node, double cpu_request,
                     double gib_request, const std::string& extra = "", const std::string& controller = "api",
                     const std::string& labels = R"({"team":"x"})", double gpus = 0) {
  return cat(R"({"kind":"pod","namespace":")", ns, R"(","name":")", name, R"(","node":")", node,
             R"(","phase":"Running","controller_kind":"Deployment","controller":")", controller, R"(","labels":)", labels,
             R"(,"containers":[{"name":"app","cpu_request_cores":)", cpu_request, R"(,"memory_request_bytes":)",
             format_number(gib_request * kGi), R"(,"gpu_request":)", gpus, "}]", extra, "}");
}

struct Run {
  std::vector<AllocRow> rows;
  AllocationReport report;
  const AllocRow& row(const std::string& name) const {
    for (const AllocRow& r : rows)
      if (r.name == name) return r;
    FAIL("no row " << name);
    throw;
  }
  bool has(const std::string& name) const {
    for (const AllocRow& r : rows)
      if (r.name == name) return true;
    return false;
  }
  double total() const {
    double t = 0;
    for (const AllocRow& r : rows) t += r.total_cost;
    return t;
  }
};

Run allocate(const std::vector<std::string>& lines, AllocationOptions o = {}, const Pricing& p = prices()) {
  Allocator a(p, o);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = cat("t:", i + 1);
    PodUsageLine u;
    UsageLine n;
    PodRecord pod;
    if (parse_pod_usage_line(lines[i], where, u)) a.add_usage(u);
    else if (parse_usage_line(lines[i], where, n)) a.add_node(n);
    else if (parse_pod_line(lines[i], where, pod)) a.add_pod(pod);
    else FAIL("not a line of ours: " << lines[i]);
  }
  Run r;
  a.finish(r.rows);
  r.report = a.report();
  return r;
}

// Node n1: 4 cores, 16 GiB: CPU 0.12 and RAM 0.064 for the hour. In namespace a, pod A requests
// more than it uses, pod B uses more than it requests; in namespace b, pod C requests nothing.
std::vector<std::string> basic() {
  return {pod_line("a", "A", "n1", 1, 2),
          pod_line("a", "B", "n1", 0.5, 1),
          R"({"kind":"pod","namespace":"b","name":"C","node":"n1","phase":"Running","containers":[{"name":"app"}]})",
          node_line("n1", 4, 16),
          usage_line("n1", "a", "A", 0.5, 1),
          usage_line("n1", "a", "B", 1.5, 3),
          usage_line("n1", "b", "C", 0.25, 0.5)};
}

}  // namespace

TEST_CASE("allocation: max(request, usage) per container at the node's prices, idle is the rest", "[allocation]") {
  const Run r = allocate(basic());
  REQUIRE(r.rows.size() == 3);
  const AllocRow& a = r.row("a");
  // A: max(1, 0.5) = 1 core, max(2, 1) = 2 GiB; B: max(0.5, 1.5) = 1.5 cores, max(1, 3) = 3 GiB.
  CHECK(a.cpu_core_hours == Approx(2.5));
  CHECK(a.cpu_cost == Approx(2.5 * 0.03));
  CHECK(a.ram_byte_hours / kGi == Approx(5));
  CHECK(a.ram_cost == Approx(5 * 0.004));
  CHECK(a.cpu_request_cores == Approx(1.5));
  CHECK(a.cpu_usage_cores == Approx(2.0));
  CHECK(a.pods == Approx(2));
  CHECK(a.total_cost == Approx(0.095));
  CHECK(a.used_cost == Approx(2.0 * 0.03 + 4 * 0.004));
  // OpenCost's efficiency: usage / request (above 1 here), total weighted by cost.
  CHECK(*a.cpu_efficiency == Approx(2.0 / 1.5));
  CHECK(*a.ram_efficiency == Approx(4.0 / 3.0));
  CHECK(*a.total_efficiency == Approx((2.0 / 1.5 * 0.075 + 4.0 / 3.0 * 0.02) / 0.095));
  CHECK(a.labels == LabelList{{"team", "x"}});
  // C has no request: it is charged its usage; efficiency 1 (usage and cost, no request).
  const AllocRow& b = r.row("b");
  CHECK(b.cpu_cost == Approx(0.25 * 0.03));
  CHECK(b.ram_cost == Approx(0.5 * 0.004));
  CHECK(*b.cpu_efficiency == 1);
  // Idle: node cost minus what was charged, per resource.
  const AllocRow& idle = r.row("__idle__");
  CHECK(idle.idle);
  CHECK(idle.cpu_cost == Approx(0.12 - 0.0825));
  CHECK(idle.ram_cost == Approx(0.064 - 0.022));
  CHECK(idle.cpu_core_hours == Approx(4 - 2.75));
  CHECK_FALSE(idle.total_efficiency.has_value());
  CHECK(r.total() == Approx(0.12 + 0.064));  // the rows add up to the hardware's cost
  CHECK(r.report.charged == 3);
  CHECK(r.report.without_pod == 0);
}

TEST_CASE("allocation: an overcommitted node has negative idle, never clamped, and a warning", "[allocation]") {
  // n2 has 1 core; D requests 2 (a node that over-reports, or requests above capacity).
  const Run r = allocate({pod_line("a", "D", "n2", 2, 1), node_line("n2", 1, 4), usage_line("n2", "a", "D", 0.1, 0.5)});
  const AllocRow& idle = r.row("__idle__");
  CHECK(idle.cpu_cost == Approx(0.03 - 0.06));
  CHECK(idle.cpu_core_hours == Approx(-1));
  CHECK(r.report.overcommitted == 1);
  CHECK(r.total() == Approx(0.03 + 4 * 0.004));
}

TEST_CASE("allocation: a container that ran part of the window is charged for that part", "[allocation]") {
  // E started half-way (1800 s of the hour); F ended inside it (seen in the first sample only).
  const Run r = allocate({pod_line("a", "E", "n1", 1, 1), pod_line("a", "F", "n1", 1, 1), node_line("n1", 4, 16),
                          usage_line("n1", "a", "E", 0.2, 0.5, 1800), usage_line("n1", "a", "F", 0, 0.5, 0)});
  const AllocRow& a = r.row("a");
  CHECK(a.cpu_core_hours == Approx(0.5));
  CHECK(a.cpu_cost == Approx(0.5 * 0.03));
  CHECK(a.ram_cost == Approx(0.5 * 0.004));
  CHECK(a.pods == Approx(0.5));  // half a pod over the hour
  CHECK(r.report.ended == 1);
  CHECK(r.row("__idle__").cpu_cost == Approx(0.12 - 0.015));
}

TEST_CASE("allocation: --share-idle spreads idle by each row's cost per resource", "[allocation]") {
  AllocationOptions o;
  o.share_idle = true;
  const Run r = allocate(basic(), o);
  REQUIRE(r.rows.size() == 2);  // no idle row left: every resource had a cost to share by
  CHECK_FALSE(r.has("__idle__"));
  const AllocRow& a = r.row("a");
  const AllocRow& b = r.row("b");
  const double idle_cpu = 0.12 - 0.0825, idle_ram = 0.064 - 0.022;
  CHECK(a.cpu_idle_cost == Approx(idle_cpu * 0.075 / 0.0825));
  CHECK(b.cpu_idle_cost == Approx(idle_cpu * 0.0075 / 0.0825));
  CHECK(a.ram_idle_cost == Approx(idle_ram * 0.02 / 0.022));
  CHECK(a.cpu_cost == Approx(0.075 + idle_cpu * 0.075 / 0.0825));
  CHECK(a.idle_cost == Approx(a.cpu_idle_cost + a.ram_idle_cost));
  CHECK(r.total() == Approx(0.12 + 0.064));
}

TEST_CASE("allocation: --idle-by node gives each node its own idle row, and shares within the node", "[allocation]") {
  std::vector<std::string> lines = basic();
  lines.push_back(pod_line("b", "G", "n2", 1, 1));
  lines.push_back(node_line("n2", 2, 8));
  lines.push_back(usage_line("n2", "b", "G", 0.5, 0.5));
  AllocationOptions o;
  o.idle_by = IdleBy::kNode;
  Run r = allocate(lines, o);
  CHECK(r.row("n1/__idle__").cpu_cost == Approx(0.12 - 0.0825));
  CHECK(r.row("n2/__idle__").cpu_cost == Approx(0.06 - 0.03));
  CHECK(r.row("n2/__idle__").node == "n2");
  o.share_idle = true;
  r = allocate(lines, o);
  // n2's idle goes to b alone (G is its only container); n1's to a and b by their costs there.
  const double n1_idle = 0.12 - 0.0825, n2_idle = 0.06 - 0.03;
  CHECK(r.row("b").cpu_idle_cost == Approx(n1_idle * 0.0075 / 0.0825 + n2_idle));
  CHECK(r.row("a").cpu_idle_cost == Approx(n1_idle * 0.075 / 0.0825));
  CHECK(r.total() == Approx(0.12 + 0.064 + 0.06 + 0.032));
}

TEST_CASE("allocation: roll-ups by controller, pod, node and label", "[allocation]") {
  std::vector<std::string> lines = basic();
  AllocationOptions o;
  o.by = parse_grouping("controller");
  Run r = allocate(lines, o);
  CHECK(r.row("a/Deployment/api").cpu_cost == Approx(0.075));
  CHECK(r.row("b/__unallocated__").cpu_cost == Approx(0.0075));  // C has no controller
  o.by = parse_grouping("pod");
  r = allocate(lines, o);
  CHECK(r.row("a/B").cpu_cost == Approx(0.045));
  CHECK(r.row("a/B").node == "n1");
  o.by = parse_grouping("node");
  r = allocate(lines, o);
  CHECK(r.row("n1").cpu_cost == Approx(0.0825));
  o.by = parse_grouping("label:team");
  r = allocate(lines, o);
  CHECK(r.row("x").cpu_cost == Approx(0.075));
  CHECK(r.row("x").labels == LabelList{{"team", "x"}});
  CHECK(r.row("__unallocated__").cpu_cost == Approx(0.0075));
  CHECK_THROWS_AS(parse_grouping("team"), UsageError);
  CHECK_THROWS_AS(parse_grouping("label:"), UsageError);
}

TEST_CASE("allocation: GPUs by request, the discount on CPU and RAM only", "[allocation]") {
  const Pricing& p = prices(R"(,"discount":"20%","gpuLabel":"gpu")");
  const Run r = allocate({pod_line("a", "T", "g1", 1, 1, "", "train", "{}", 1), node_line("g1", 8, 32, 2),
                          usage_line("g1", "a", "T", 0.5, 0.5)},
                         {}, p);
  const AllocRow& a = r.row("a");
  CHECK(a.gpu_cost == Approx(1.0));  // 1 GPU requested for an hour at 1, undiscounted
  CHECK(a.gpu_hours == Approx(1));
  CHECK(a.cpu_cost == Approx(1 * 0.03 * 0.8));
  CHECK(a.cpu_list_cost == Approx(1 * 0.03));
  CHECK(r.row("__idle__").gpu_cost == Approx(1.0));  // the other GPU
}

TEST_CASE("allocation: --requests scheduling adds the pod overhead and the init containers' excess", "[allocation]") {
  const std::string pod = pod_line("a", "O", "n1", 1, 1,
                                   R"(,"init_containers":[{"name":"init","cpu_request_cores":3}],"overhead":{"cpu_cores":0.5,"memory_bytes":0})");
  const std::vector<std::string> lines = {pod, node_line("n1", 4, 16), usage_line("n1", "a", "O", 0.1, 0.5)};
  CHECK(allocate(lines).row("a").cpu_core_hours == Approx(1));  // OpenCost: containers only
  AllocationOptions o;
  o.requests = RequestScope::kScheduling;
  // Kubernetes schedules by max(1, 3) + 0.5 = 3.5 cores: 2.5 more than the container's request.
  const Run r = allocate(lines, o);
  CHECK(r.row("a").cpu_core_hours == Approx(3.5));
  CHECK(r.row("a").cpu_request_cores == Approx(3.5));
}

TEST_CASE("allocation: pending pods, usage without a pod, lines in any order, failed nodes", "[allocation]") {
  std::vector<std::string> lines = {
      usage_line("n1", "a", "A", 0.5, 1),  // before its node and its pod
      R"({"kind":"pod","namespace":"a","name":"P","node":null,"phase":"Pending","containers":[{"name":"app","cpu_request_cores":1}]})",
      node_line("n1", 4, 16),
      pod_line("a", "A", "n1", 1, 2),
      usage_line("n1", "a", "ghost", 0.5, 0.5),  // no pod line: charged by usage
      R"({"kind":"node_usage","node":"n3","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T08:00:00Z","error":"HTTP 503"})",
      R"({"kind":"pod_usage","node":"n3","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T08:00:00Z","error":"HTTP 503"})",
      pod_line("a", "Q", "n3", 1, 1),
      usage_line("n9", "a", "Z", 1, 1),  // a node never seen
  };
  const Run r = allocate(lines);
  // A's usage waited for its node's line, and was charged then, before A's pod line came: as
  // usage without a pod (pod lines come first in scrape-nodes --pods' output, and --pods files
  // are read first, so requests are known in time).
  CHECK(r.row("a").cpu_cost == Approx((0.5 + 0.5) * 0.03));
  CHECK(r.report.without_pod == 2);
  CHECK(r.report.pending == 1);
  CHECK(r.report.failed_nodes == 1);
  CHECK(r.report.on_failed_nodes == 1);
  CHECK(r.report.without_node == 1);
  const auto notes = allocation_notes(r.report);
  CHECK(std::any_of(notes.begin(), notes.end(), [](const std::string& n) { return n.find("Pending") != std::string::npos; }));
}

TEST_CASE("allocation: the nodes of one scrape form one window, --period aligns them", "[allocation]") {
  // Two nodes scraped 1 s apart, 10 s each: one run from 07:00:00 to 07:00:11, one row per group.
  const std::string n1 = R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":4,"memory_bytes":1073741824})";
  const std::string n2 = R"({"kind":"node_usage","node":"n2","window_start":"2026-11-26T07:00:01Z","window_end":"2026-11-26T07:00:11Z","cpu_cores":4,"memory_bytes":1073741824})";
  auto use = [](const char* node, const char* start, const char* end) {
    return cat(R"({"kind":"pod_usage","node":")", node, R"(","namespace":"a","pod":"p-)", node,
               R"(","container":"c","window_start":")", start, R"(","window_end":")", end,
               R"(","running_seconds":10,"cpu_usage_cores":1,"memory_working_set_bytes":0})");
  };
  const std::vector<std::string> lines = {n1, n2, use("n1", "2026-11-26T07:00:00Z", "2026-11-26T07:00:10Z"),
                                          use("n2", "2026-11-26T07:00:01Z", "2026-11-26T07:00:11Z")};
  Run r = allocate(lines);
  REQUIRE(r.rows.size() == 2);
  CHECK(r.row("a").window_start == "2026-11-26T07:00:00Z");
  CHECK(r.row("a").window_end == "2026-11-26T07:00:11Z");
  CHECK(r.row("a").pods == Approx(2));
  CHECK(r.row("a").cpu_usage_cores == Approx(2));
  AllocationOptions o;
  o.period = std::chrono::hours(1);
  r = allocate(lines, o);
  CHECK(r.row("a").window_start == "2026-11-26T07:00:00Z");
  CHECK(r.row("a").window_end == "2026-11-26T08:00:00Z");
  CHECK(r.row("a").cpu_cost == Approx(2 * 0.03));  // each 10 s sample stands for its node's hour
}

TEST_CASE("allocation: FOCUS records carry our tags under our prefix and the pods' labels unchanged", "[allocation]") {
  AllocationOptions o;
  o.by = parse_grouping("controller");
  const Run r = allocate(basic(), o);
  const AllocRow& api = r.row("a/Deployment/api");
  CHECK(alloc_focus_tags(api) ==
        R"({"sovereign-finops/namespace":"a","sovereign-finops/controller-kind":"Deployment","sovereign-finops/controller":"api","team":"x"})");
  CHECK(alloc_focus_tags(r.row("__idle__")) == R"({"sovereign-finops/idle":"true"})");
  SinkOptions so;
  const auto records = alloc_focus_records(api, so);
  REQUIRE(records.size() == 2);  // CPU and RAM; no GPU
  // BilledCost, ..., ListCost = ListUnitPrice x PricingQuantity.
  CHECK(std::stod(records[0][0]) == Approx(0.075));
  CHECK(records[0][16] == "Core-Hours");
  CHECK(std::stod(records[0][15]) == Approx(2.5));
  CHECK(std::stod(records[0][25]) * std::stod(records[0][15]) == Approx(std::stod(records[0][14])));
  CHECK(records[1][16] == "GiB-Hours");
}
