#include "price-calc/report.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "common/csv.h"

#include "common/error.h"
#include "price-calc/ledger.h"
#include "price-calc/test_support.h"

using namespace sf::pc;
using namespace sf::pc::test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

struct CollectSink : Sink {
  std::vector<CostRow> rows;
  void row(const CostRow& r) override { rows.push_back(r); }
  void unpriced(const CostRow&) override {}
  void finish(const Totals&) override {}
};

struct Fixture {
  fs::path dir;
  fs::path ledger;
  Fixture() {
    char name[] = "/tmp/pc-report-XXXXXX";
    dir = ::mkdtemp(name);
    ledger = dir / "ledger.csv";
    LedgerWriter w(ledger.string());
    // n1: 1 h at busy 0.5, then 1 h at busy 1.5; n2: 1 h.
    w.add(row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z"));
    w.add(row("n1", "2026-11-26T08:00:00Z", "2026-11-26T09:00:00Z",
              R"("cpu_cores":2,"cpu_busy_cores":1.5,"memory_bytes":8589934592,"memory_used_bytes":0,"gpus":0)"));
    w.add(row("n2", "2026-11-27T07:00:00Z", "2026-11-27T08:00:00Z"));
    w.commit();
  }
  ~Fixture() { fs::remove_all(dir); }
};

}  // namespace

TEST_CASE("report: one row per node, windows summed, usage averaged over the hours") {
  Fixture f;
  CollectSink sink;
  Totals totals;
  ReportOptions o;
  o.ledger = f.ledger.string();
  CHECK(run_report(o, sink, totals) == 3);
  REQUIRE(sink.rows.size() == 2);
  const CostRow& n1 = sink.rows[0];
  CHECK(n1.node == "n1");
  CHECK(n1.windows == 2);
  CHECK(n1.hours == 2.0);
  CHECK(n1.window_start == "2026-11-26T07:00:00Z");
  CHECK(n1.window_end == "2026-11-26T09:00:00Z");
  CHECK(n1.cpu_cost == Approx(4 * 0.031611));
  CHECK(n1.cpu_busy_cores == Approx(1.0));            // (0.5 + 1.5) / 2
  CHECK(*n1.cpu_efficiency == Approx(0.5));           // 2 busy core-hours of 4
  CHECK(n1.filesystem_bytes == 0);                    // the latest window's capacity
  CHECK(n1.storage_cost == Approx(100 * 0.00005479452));  // only the first window had disks
  CHECK(n1.cpu_used_cost == Approx(2 * 0.031611));
  CHECK(n1.total_cost == Approx(n1.cpu_cost + n1.ram_cost + n1.storage_cost));
  CHECK(n1.idle_cost == Approx(n1.total_cost - n1.used_cost));
  CHECK(totals.nodes() == 2);
  CHECK(totals.total_cost == Approx(n1.total_cost + sink.rows[1].total_cost));
}

TEST_CASE("report: --by window keeps each ledger row, --from/--to select by window start") {
  Fixture f;
  CollectSink sink;
  Totals totals;
  ReportOptions o;
  o.ledger = f.ledger.string();
  o.by_window = true;
  o.range.from = parse_report_time("2026-11-26T08:00:00Z", "--from");
  o.range.to = parse_report_time("2026-11-27", "--to");
  CHECK(run_report(o, sink, totals) == 1);
  REQUIRE(sink.rows.size() == 1);
  CHECK(sink.rows[0].window_start == "2026-11-26T08:00:00Z");
}

TEST_CASE("report: times, and mixed currencies refused") {
  CHECK(sf::format_rfc3339(parse_report_time("2026-11-01", "--from")) == "2026-11-01T00:00:00Z");
  CHECK_THROWS_WITH(parse_report_time("last week", "--from"), Contains("--from"));
  Fixture f;
  // A ledger from before currencies were checked at append time: an EUR row after USD ones.
  CostRow eur = row("n3", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z");
  eur.currency = "EUR";
  std::string record;
  sf::csv::append_record(record, ledger_fields(eur, "2026-11-26T08:00:01Z"));
  std::ofstream(f.ledger, std::ios::app | std::ios::binary) << record;
  CollectSink sink;
  Totals totals;
  ReportOptions o;
  o.ledger = f.ledger.string();
  CHECK_THROWS_WITH(run_report(o, sink, totals), Contains("mix currencies"));
  CHECK(sink.rows.empty());  // refused before the first row reached the output
  o.range.to = parse_report_time("2026-11-27", "--to");
  o.by_window = true;
  CHECK_THROWS_WITH(run_report(o, sink, totals), Contains("mix currencies") && Contains(":5"));
  CHECK(sink.rows.empty());
}
