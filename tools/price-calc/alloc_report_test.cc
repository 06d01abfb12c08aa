#include "price-calc/alloc_report.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/node_usage.h"
#include "price-calc/ledger.h"
#include "price-calc/test_support.h"

using namespace sf;
using namespace sf::pc;
namespace fs = std::filesystem;

namespace {

AllocRow workload(const std::string& ns, const std::string& ctrl, const std::string& start, double cpu, double ram,
                  double cpu_hours) {
  AllocRow r;
  r.namespace_name = ns;
  r.controller_kind = "Deployment";
  r.controller = ctrl;
  r.name = ns + "/Deployment/" + ctrl;
  r.window_start = start;
  char end[32];
  std::snprintf(end, sizeof end, "%s%02d:00:00Z", start.substr(0, 11).c_str(), std::stoi(start.substr(11, 2)) + 1);
  r.window_end = end;
  r.start = parse_contract_time(r.window_start, "t");
  r.end = parse_contract_time(r.window_end, "t");
  r.hours = 1;
  r.currency = "USD";
  r.cpu_cost = cpu;
  r.ram_cost = ram;
  r.cpu_core_hours = r.cpu_request_core_hours = cpu_hours;
  r.cpu_usage_core_hours = cpu_hours / 2;
  r.pod_hours = 1;
  r.labels = {{"team", ns}};
  finish_alloc_row(r);
  return r;
}

AllocRow idle(const std::string& node, const std::string& start, double cpu, double ram) {
  AllocRow r = workload("", "", start, cpu, ram, 0);
  r.namespace_name = r.controller_kind = r.controller = "";
  r.idle = true;
  r.node = node;
  r.name = node + "/__idle__";
  r.cpu_idle_cost = cpu;
  r.ram_idle_cost = ram;
  r.labels.clear();
  finish_alloc_row(r);
  return r;
}

// Two hours: namespace a has two workloads, b one; two nodes' idle each hour.
std::vector<AllocRow> ledger_rows() {
  return {workload("a", "api", "2026-11-26T07:00:00Z", 1, 0.5, 10), workload("a", "web", "2026-11-26T07:00:00Z", 2, 0.5, 20),
          workload("b", "db", "2026-11-26T07:00:00Z", 1, 1, 10),    idle("n1", "2026-11-26T07:00:00Z", 0.4, 0.2),
          idle("n2", "2026-11-26T07:00:00Z", 0.4, 0.2),             workload("a", "api", "2026-11-26T08:00:00Z", 1, 0.5, 10),
          idle("n1", "2026-11-26T08:00:00Z", 1, 1)};
}

const AllocRow& named(const std::vector<AllocRow>& rows, const std::string& name) {
  for (const AllocRow& r : rows)
    if (r.name == name) return r;
  FAIL("no row " << name);
  throw;
}

}  // namespace

TEST_CASE("allocation report: workloads combine within a window, windows merge over the range", "[alloc-report]") {
  AllocReportOptions o;
  const auto rows = roll_up(ledger_rows(), o);
  REQUIRE(rows.size() == 3);
  const AllocRow& a = named(rows, "a");
  CHECK(a.cpu_cost == Approx(4));
  CHECK(a.hours == Approx(2));              // two windows, not three rows
  CHECK(a.cpu_cores == Approx(40.0 / 2));   // 40 core-hours over 2 hours
  CHECK(a.pods == Approx(1.5));             // 3 pod-hours over 2 hours
  CHECK(a.windows == 2);
  CHECK(a.controller.empty());
  CHECK(a.window_start == "2026-11-26T07:00:00Z");
  CHECK(a.window_end == "2026-11-26T09:00:00Z");
  CHECK(*a.cpu_efficiency == Approx(0.5));
  CHECK(a.labels == LabelList{{"team", "a"}});
  CHECK(named(rows, "__idle__").cpu_cost == Approx(1.8));  // both nodes, both hours
  o.idle_by = IdleBy::kNode;
  const auto per_node = roll_up(ledger_rows(), o);
  CHECK(named(per_node, "n1/__idle__").cpu_cost == Approx(1.4));
  CHECK(named(per_node, "n2/__idle__").cpu_cost == Approx(0.4));
  AllocReportOptions by_controller;
  by_controller.by = "controller";
  CHECK(named(roll_up(ledger_rows(), by_controller), "a/Deployment/api").cpu_cost == Approx(2));
  AllocReportOptions by_window;
  by_window.by = "window";
  // The ledger's workload rows per window (07:00: three; 08:00: one), the idle of the cluster
  // of each window (the two nodes' at 07:00 together).
  CHECK(roll_up(ledger_rows(), by_window).size() == 6);
}

TEST_CASE("allocation report: --share-idle shares each window's idle across the cluster", "[alloc-report]") {
  AllocReportOptions o;
  o.share_idle = true;
  const auto rows = roll_up(ledger_rows(), o);
  CHECK_FALSE(std::any_of(rows.begin(), rows.end(), [](const AllocRow& r) { return r.idle; }));
  // 07:00: idle CPU 0.8 over CPU costs a 3, b 1; 08:00: 1 to a alone.
  CHECK(named(rows, "a").cpu_idle_cost == Approx(0.8 * 3 / 4 + 1));
  CHECK(named(rows, "b").cpu_idle_cost == Approx(0.8 * 1 / 4));
  double total = 0;
  for (const AllocRow& r : rows) total += r.total_cost;
  CHECK(total == Approx(1.5 + 2.5 + 2 + 0.6 + 0.6 + 1.5 + 2));  // every ledger row's cost, nothing lost
  o.idle_by = IdleBy::kNode;
  CHECK_THROWS_AS(roll_up(ledger_rows(), o), UsageError);
}

TEST_CASE("allocation ledger: rows read back, a window recorded twice counts once, the kinds do not mix",
          "[alloc-report]") {
  char name[] = "/tmp/pc-alloc-ledger-XXXXXX";
  const fs::path dir = ::mkdtemp(name);
  const std::string path = (dir / "allocation.csv").string();
  for (int run = 0; run < 2; ++run) {
    LedgerWriter w(path, kDefaultLockWait, alloc_ledger_schema());
    for (const AllocRow& r : ledger_rows()) w.add(r);
    const LedgerResult result = w.commit();
    CHECK(result.appended == (run == 0 ? 7u : 0u));
  }
  CHECK(ledger_kind(path) == LedgerKind::kAllocation);
  std::vector<AllocRow> back;
  read_alloc_ledger(path, {}, [&](AllocRow& r) { back.push_back(r); });
  REQUIRE(back.size() == 7);
  CHECK(back[1].name == "a/Deployment/web");
  CHECK(back[1].cpu_cost == 2);
  CHECK(back[1].cpu_core_hours == 20);
  CHECK(back[1].labels == LabelList{{"team", "a"}});
  CHECK(back[3].idle);
  // A node run cannot extend it, nor a node report read it as nodes.
  CHECK_THROWS_WITH(preflight_ledger(path, "USD"), Catch::Contains("this is an allocation ledger, not a node one"));
  LedgerWriter nodes((dir / "nodes.csv").string());
  nodes.add(test::row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z"));
  nodes.commit();
  CHECK_THROWS_WITH(preflight_ledger((dir / "nodes.csv").string(), "USD", kDefaultLockWait, alloc_ledger_schema()),
                    Catch::Contains("this is a node ledger, not an allocation one"));
  CHECK(ledger_kind((dir / "nodes.csv").string()) == LedgerKind::kNode);
  fs::remove_all(dir);
}
