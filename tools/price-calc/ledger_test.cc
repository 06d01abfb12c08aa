#include "price-calc/ledger.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>

#include <csignal>

#include "common/csv.h"
#include "common/error.h"
#include "price-calc/test_support.h"

using namespace sf::pc;
using namespace sf::pc::test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/pc-ledger-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string header() {
  std::string h;
  sf::csv::append_record(h, ledger_columns());
  return h;
}

LedgerResult append(const fs::path& ledger, const std::vector<CostRow>& rows) {
  LedgerWriter w(ledger.string());
  for (const CostRow& r : rows) w.add(r);
  return w.commit();
}

std::vector<CostRow> read_all(const fs::path& ledger) {
  std::vector<CostRow> rows;
  read_ledger(ledger.string(), {}, [&](CostRow& r) { rows.push_back(r); });
  return rows;
}

// Rows are made inside test cases (REQUIRE needs a running test).
#define kA row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z")
#define kB row("n2", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z")
#define kC row("n1", "2026-11-26T08:00:00Z", "2026-11-26T09:00:00Z")

}  // namespace

TEST_CASE("ledger: created with a header, appended once per (node, window)") {
  TempDir dir;
  const fs::path ledger = dir.path / "ledger.csv";
  LedgerResult r = append(ledger, {kA, kB});
  CHECK(r.created);
  CHECK(r.appended == 2);
  CHECK(slurp(ledger).rfind(header(), 0) == 0);
  r = append(ledger, {kA, kB, kC});  // a re-run of the same window plus a new one
  CHECK(r.appended == 1);
  CHECK(r.already_present == 2);
  r = append(ledger, {kC, kC});
  CHECK(r.appended == 0);
  CHECK(r.already_present == 2);
  const auto rows = read_all(ledger);
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].node == "n1");
  CHECK(rows[2].window_start == "2026-11-26T08:00:00Z");
}

TEST_CASE("ledger: duplicates inside one run are written once") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  CHECK(append(ledger, {kA, kA}).appended == 1);
}

TEST_CASE("ledger: a row reads back as it was priced") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  const CostRow a = kA;
  append(ledger, {a});
  const CostRow back = read_all(ledger).at(0);
  CHECK(back.total_cost == a.total_cost);
  CHECK(back.cpu_cost == a.cpu_cost);
  CHECK(back.idle_cost == a.idle_cost);
  CHECK(back.used_cost == a.used_cost);
  CHECK(back.hourly_cost == a.hourly_cost);
  CHECK(back.monthly_cost == a.monthly_cost);
  CHECK(*back.cpu_efficiency == *a.cpu_efficiency);
  CHECK(back.cpu_core_hours == a.cpu_core_hours);
  CHECK(back.labels == a.labels);
  CHECK(back.storage_priced());
  CHECK(back.currency == "USD");
}

TEST_CASE("ledger: a ledger from a newer version is refused and left untouched") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  std::string newer = "ledger_version,node,window_start,window_end,something_new\r\n2,n1,a,b,c\r\n";
  spit(ledger, newer);
  CHECK_THROWS_WITH(append(ledger, {kA}), Contains("newer price-calc") && Contains("ledger version 2"));
  CHECK_THROWS_WITH(preflight_ledger(ledger.string(), "USD"), Contains("newer price-calc"));
  CHECK_THROWS_WITH(read_all(ledger), Contains("newer"));
  CHECK(slurp(ledger) == newer);
  // Same header, a newer row.
  std::string same_header = header();
  std::vector<std::string> f = ledger_fields(kA, "2026-11-26T08:00:01Z");
  f[0] = "2";
  sf::csv::append_record(same_header, f);
  spit(ledger, same_header);
  CHECK_THROWS_WITH(append(ledger, {kB}), Contains("newer than this price-calc"));
  CHECK(slurp(ledger) == same_header);
}

TEST_CASE("ledger: a file that is not a ledger is refused and never truncated") {
  TempDir dir;
  const fs::path other = dir.path / "notes.txt";
  spit(other, "my notes, no trailing newline");
  CHECK_THROWS_WITH(append(other, {kA}), Contains("not a price-calc ledger"));
  CHECK(slurp(other) == "my notes, no trailing newline");
  CHECK_THROWS_AS(preflight_ledger(other.string(), "USD"), sf::UsageError);
}

TEST_CASE("ledger: a row cut short by a dying writer is removed by the next writer") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  append(ledger, {kA});
  const std::string good = slurp(ledger);
  spit(ledger, good + "1,n9,2026-11-26T0");
  CHECK(read_all(ledger).size() == 1);  // readers skip it
  CHECK(append(ledger, {kB}).appended == 1);
  const auto rows = read_all(ledger);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].node == "n2");
  CHECK(slurp(ledger).find("n9") == std::string::npos);
}

TEST_CASE("ledger: a damaged row is an error naming the file and line") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  spit(ledger, header() + "1,n1,too,few\r\n");
  CHECK_THROWS_WITH(read_all(ledger), Contains(ledger.string() + ":2") && Contains("fields"));
  spit(ledger, header() + "ledger_version,oops\r\n");
  CHECK_THROWS_WITH(read_all(ledger), Contains(":2"));
}

TEST_CASE("ledger: a missing ledger is fine for writers, an error for readers") {
  TempDir dir;
  CHECK_NOTHROW(preflight_ledger((dir.path / "new.csv").string(), "USD"));
  CHECK_THROWS_WITH(read_all(dir.path / "none.csv"), Contains("cannot open the ledger"));
  CHECK_THROWS_AS(append(dir.path / "no-dir" / "l.csv", {kA}), sf::UsageError);
}

namespace {

// Makes writes past `bytes` fail (EFBIG) for this process, as a full disk would: no root needed.
struct FileSizeLimit {
  rlimit old{};
  explicit FileSizeLimit(rlim_t bytes) {
    std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit lim = old;
    lim.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &old); }
};

size_t record_bytes(const std::vector<CostRow>& rows) {
  std::string out;
  for (const CostRow& r : rows) sf::csv::append_record(out, ledger_fields(r, "2026-11-26T08:00:01Z"));
  return out.size();
}

}  // namespace

TEST_CASE("ledger: a failed first append leaves no ledger, and says so") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  const std::vector<CostRow> rows = {kA, kB};
  LedgerWriter w(ledger.string());
  for (const CostRow& r : rows) w.add(r);
  {
    // Room for the spooled rows, not for the header in front of them.
    FileSizeLimit limit(record_bytes(rows) + 16);
    CHECK_THROWS_WITH(w.commit(), Contains(ledger.string()) && Contains("no ledger was created"));
  }
  CHECK_FALSE(fs::exists(ledger));
  CHECK(append(ledger, rows).appended == 2);  // and the next run creates it
}

TEST_CASE("ledger: a failed append leaves the ledger as it was") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  append(ledger, {kA});
  const std::string before = slurp(ledger);
  LedgerWriter w(ledger.string());
  w.add(kB);
  w.add(kC);
  {
    FileSizeLimit limit(std::max(before.size(), record_bytes({kB, kC})) + 10);
    CHECK_THROWS_WITH(w.commit(), Contains("left as it was"));
  }
  CHECK(slurp(ledger) == before);
}

TEST_CASE("ledger: nothing to record creates nothing") {
  TempDir dir;
  LedgerWriter w((dir.path / "l.csv").string());
  CHECK(w.commit().appended == 0);
  CHECK_FALSE(fs::exists(dir.path / "l.csv"));
}

TEST_CASE("ledger: a row in another currency is refused before printing and at append time") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  append(ledger, {kA});
  const std::string before = slurp(ledger);
  CHECK_NOTHROW(preflight_ledger(ledger.string(), "USD"));
  CHECK_THROWS_WITH(preflight_ledger(ledger.string(), "EUR"),
                    Contains("holds USD rows") && Contains("prices in EUR") && Contains("another --ledger"));
  CostRow eur = kB;
  eur.currency = "EUR";
  CHECK_THROWS_WITH(append(ledger, {eur}), Contains("holds USD rows"));
  CHECK(slurp(ledger) == before);
}

TEST_CASE("ledger: a newer-version row anywhere is refused before anything is read") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  append(ledger, {kA, kB});
  std::vector<std::string> f = ledger_fields(kC, "2026-11-26T09:00:01Z");
  f[0] = "2";
  std::string newer;
  sf::csv::append_record(newer, f);
  std::ofstream(ledger, std::ios::app | std::ios::binary) << newer;  // the fourth line
  CHECK_THROWS_WITH(preflight_ledger(ledger.string(), "USD"), Contains(":4") && Contains("newer than this price-calc"));
  size_t delivered = 0;
  CHECK_THROWS_WITH(read_ledger(ledger.string(), {}, [&](CostRow&) { ++delivered; }), Contains("newer"));
  CHECK(delivered == 0);
}

TEST_CASE("ledger: a directory is a usage error") {
  TempDir dir;
  CHECK_THROWS_WITH(preflight_ledger(dir.path.string(), "USD"), Contains("is a directory"));
  CHECK_THROWS_WITH(read_all(dir.path), Contains("is a directory"));
  CHECK_THROWS_AS(append(dir.path, {kA}), sf::UsageError);
}

TEST_CASE("ledger: node names a spreadsheet would run are neutralised and read back exactly") {
  TempDir dir;
  const fs::path ledger = dir.path / "l.csv";
  std::vector<CostRow> rows;
  for (const std::string name : {"=1+1", "+cmd", "-x", "@y", "'quoted", "\tz"})
    rows.push_back(row(name == "\tz" ? "tab-z" : name, "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z"));
  rows.back().source = "\tsource";
  append(ledger, rows);
  const std::string text = slurp(ledger);
  CHECK(text.find("\r\n=1+1") == std::string::npos);
  CHECK_THAT(text, Contains("\r\n1,'=1+1,"));
  const auto back = read_all(ledger);
  REQUIRE(back.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(back[i].node == rows[i].node);
    CHECK(back[i].source == rows[i].source);
  }
}
