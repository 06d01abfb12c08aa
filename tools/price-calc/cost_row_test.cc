#include "price-calc/cost_row.h"

#include <catch2/catch.hpp>

#include <set>

#include "common/csv.h"
#include "common/json_lines.h"
#include "price-calc/format_csv.h"
#include "price-calc/format_json.h"
#include "price-calc/ledger.h"
#include "price-calc/test_support.h"

using namespace sf;
using namespace sf::pc;
using namespace sf::pc::test;
using Catch::Contains;

namespace {

const Pricing& rich_prices() {
  static const Pricing p = parse_pricing(R"({"CPU":"0.031611","spotCPU":"0.006655","RAM":"0.004237",
    "spotRAM":"0.000892","GPU":"0.95","spotGPU":"0.3","storage":"0.00005479452","spotLabel":"lifecycle",
    "spotLabelValue":"spot","discount":"10%"})",
                                         "rich.json", PriceUnit::kHour);
  return p;
}

// Everything set: spot GPU node, busy cores, network, storage, labels, fields outside the contract.
const char* const kRich =
    R"({"kind":"node_usage","node":"rich-node-with-a-long-name","source":"http://10.0.0.1:9100/metrics",)"
    R"("window_start":"2026-11-26T07:00:02.500Z","window_end":"2026-11-26T07:00:12Z","cpu_cores":64,)"
    R"("cpu_busy_cores":31.5,"memory_bytes":274877906944,"memory_used_bytes":137438953472,)"
    R"("filesystem_bytes":1099511627776,"filesystem_used_bytes":549755813888,"network_receive_bytes":123456,)"
    R"("network_transmit_bytes":654321,"gpus":8,"labels":{"lifecycle":"spot","kubernetes.io/hostname":"rich"},)"
    R"("zone":"z1"})";
// The least a line may carry.
const char* const kBare =
    R"({"kind":"node_usage","node":"n","window_start":"2026-11-26T08:00:00Z","window_end":"2026-11-26T08:00:00Z",)"
    R"("cpu_cores":1,"memory_bytes":1})";

UsageLine read(const char* text) {
  UsageLine u;
  REQUIRE(parse_usage_line(text, "t:1", u));
  return u;
}

std::string json_of(const CostRow& r) {
  std::string out;
  append_row_json(out, r);
  return out;
}

}  // namespace

TEST_CASE("row schema: json keys, csv columns and ledger columns all come from the one table") {
  std::set<std::string> output;
  for (const RowField& f : row_fields())
    if (f.output) output.insert(std::string(f.name));
  // csv: exactly the output fields, in table order.
  std::vector<std::string> expected;
  for (const RowField& f : row_fields())
    if (f.output) expected.emplace_back(f.name);
  CHECK(csv_columns() == expected);
  // json: the keys of a priced row are output fields (and kind).
  CostOptions period;
  period.period = std::chrono::hours(1);
  const UsageLine rich = read(kRich);
  CostRow r;
  REQUIRE(price_usage(rich, rich_prices(), period, r));
  const auto doc = parse_json_object(json_of(r), "json");
  for (const auto& m : doc.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "kind" || key == "zone") continue;
    CHECK(output.count(key) == 1);
  }
  for (const std::string& name : output) {
    if (name == "windows" || name == "error") continue;  // present only when they say something
    INFO(name);
    CHECK(doc.HasMember(name.c_str()));
  }
  // ledger: every column between ledger_version and recorded_at is a table field.
  const auto& columns = ledger_columns();
  for (size_t i = 1; i + 1 < columns.size(); ++i) CHECK_NOTHROW(row_field(columns[i]));
  CHECK_THROWS_AS(row_field("no_such_field"), std::logic_error);
}

TEST_CASE("row schema: a reused row cannot leak a value from the line before") {
  CostOptions period;
  period.period = std::chrono::hours(1);
  const UsageLine rich = read(kRich), bare = read(kBare);
  CostRow reused;
  REQUIRE(price_usage(rich, rich_prices(), period, reused));
  REQUIRE(reused.cpu_busy_cores);
  REQUIRE_FALSE(reused.sample_window_start.empty());
  // Poison every field of the table, and the working state, on top.
  for (const RowField& f : row_fields()) {
    std::visit(
        [&](auto m) {
          using T = std::remove_reference_t<decltype(reused.*m)>;
          if constexpr (std::is_same_v<T, double>) reused.*m = -12345;
          else if constexpr (std::is_same_v<T, std::optional<double>>) reused.*m = -12345;
          else if constexpr (std::is_same_v<T, bool>) reused.*m = !(reused.*m);
          else if constexpr (std::is_same_v<T, size_t>) reused.*m = 777;
          else if constexpr (std::is_same_v<T, std::string>) reused.*m = "stale value, long enough to allocate";
          else reused.*m = {{"stale", "label"}};
        },
        f.member);
  }
  reused.where = "stale:1";
  reused.extra = &rich.extra;
  for (const bool with_period : {false, true}) {
    CostOptions options;
    if (with_period) options.period = std::chrono::hours(1);
    CostRow fresh;
    REQUIRE(price_usage(bare, rich_prices(), options, fresh));
    REQUIRE(price_usage(bare, rich_prices(), options, reused));
    CHECK(same_fields(reused, fresh));
    CHECK(json_of(reused) == json_of(fresh));
    CHECK(csv_fields(reused) == csv_fields(fresh));
    CHECK(reused.where == fresh.where);
    CHECK(reused.extra == fresh.extra);
    CHECK(reused.start == fresh.start);
  }
  // An unpriced row after a priced one carries no figure of it.
  UsageLine failed_line = read(R"({"kind":"node_usage","node":"dead","window_start":"2026-11-26T07:00:00Z",)"
                               R"("window_end":"2026-11-26T07:00:10Z","error":"refused"})");
  REQUIRE(price_usage(rich, rich_prices(), period, reused));
  REQUIRE_FALSE(price_usage(failed_line, rich_prices(), {}, reused));
  CostRow fresh_failed;
  REQUIRE_FALSE(price_usage(failed_line, rich_prices(), {}, fresh_failed));
  CHECK(same_fields(reused, fresh_failed));
  CHECK(reused.total_cost == 0);
  CHECK(reused.extra == nullptr);
  CHECK(json_of(reused) == json_of(fresh_failed));
  CHECK_THAT(json_of(reused), !Contains("cpu_cores"));
}

TEST_CASE("row schema: every field written as a cell reads back exactly") {
  CostOptions period;
  period.period = std::chrono::hours(1);
  CostRow r;
  REQUIRE(price_usage(read(kRich), rich_prices(), period, r));
  r.windows = 3;
  r.error = "a,b \"c\"\r\n";
  r.node = "=HYPERLINK(\"http://evil\")";
  CostRow back;
  for (const RowField& f : row_fields()) {
    std::string record;
    csv::append_record(record, {cell_text(f, r)});
    record.resize(record.size() - 2);
    const auto cells = csv::parse_record(record, "t:1");
    REQUIRE(cells.size() == 1);
    parse_cell(f, back, cells[0], "t:1");
  }
  back.start = r.start;
  back.end = r.end;
  back.where = r.where;
  back.extra = r.extra;
  CHECK(same_fields(back, r));
  CHECK_THROWS_WITH(parse_cell(row_field("hours"), back, "many", "ledger.csv:3"),
                    Contains("ledger.csv:3") && Contains("hours"));
  CHECK_THROWS_WITH(parse_cell(row_field("spot"), back, "yes", "l:1"), Contains("true or false"));
}

TEST_CASE("row schema: cells a spreadsheet would run are neutralised in csv and focus") {
  CostRow evil = row("=cmd|' /C calc'!A0", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z");
  evil.labels = {{"team", "@SUM(A1:A9)"}};
  const std::string csv_text = render("csv", {evil});
  CHECK_THAT(csv_text, Contains("'=cmd|' /C calc'!A0"));
  CHECK(csv_text.find(",=cmd") == std::string::npos);
  SinkOptions o;
  o.account = "+danger";
  const std::string focus = render("focus", {evil}, {}, o);
  CHECK_THAT(focus, Contains(",'+danger,'+danger,"));
  CHECK_THAT(focus, Contains(",'=cmd|' /C calc'!A0,'=cmd|' /C calc'!A0,"));
  for (const std::string& line : lines(focus)) {  // as a spreadsheet sees the file: no cell starts a formula
    CHECK(line.find(",=") == std::string::npos);
    CHECK(line.find(",+") == std::string::npos);
    CHECK(line.find(",@") == std::string::npos);
    CHECK(line.find(",\"=") == std::string::npos);
  }
}
