#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "common/csv.h"
#include "common/json_lines.h"
#include "price-calc/format_focus.h"
#include "price-calc/format_html.h"
#include "price-calc/format_table.h"
#include "price-calc/test_support.h"

using namespace sf;
using namespace sf::pc;
using namespace sf::pc::test;
using Catch::Contains;

namespace {
const CostRow kFailed = failed("n3");
}

TEST_CASE("json: one node_cost line per row, integers as integers, failed nodes with their error") {
  const auto out = lines(render("json", {row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z")}, {kFailed}));
  REQUIRE(out.size() == 2);
  const auto doc = sf::parse_json_object(out[0], "out:1");
  CHECK(std::string(doc["kind"].GetString()) == "node_cost");
  CHECK(doc["memory_bytes"].IsInt64());
  CHECK(doc["memory_bytes"].GetInt64() == 8589934592);
  CHECK(doc["total_cost"].GetDouble() == Approx(0.097118 + 100 * 0.00005479452));
  CHECK(doc["priced"].GetBool());
  CHECK(std::string(doc["currency"].GetString()) == "USD");
  for (const char* field : {"cpu_cost", "ram_cost", "gpu_cost", "storage_cost", "total_cost", "idle_cost", "hours",
                            "used_cost", "cpu_efficiency", "ram_efficiency", "total_efficiency", "hourly_cost",
                            "daily_cost", "monthly_cost"})
    CHECK(doc.HasMember(field));
  const auto failed = sf::parse_json_object(out[1], "out:2");
  CHECK_FALSE(failed["priced"].GetBool());
  CHECK(std::string(failed["error"].GetString()) == "connection refused");
  CHECK_FALSE(failed.HasMember("total_cost"));
}

TEST_CASE("json: unknown input fields pass through") {
  UsageLine u;
  REQUIRE(parse_usage_line(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z",)"
                           R"("window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":0,"zone":"z1","samples":2})",
                           "t:1", u));
  CostRow r;
  REQUIRE(price_usage(u, prices(), {}, r));
  const auto out = render("json", {r});
  CHECK_THAT(out, Contains("\"zone\":\"z1\",\"samples\":2"));
}

TEST_CASE("csv: header, RFC 4180 quoting, CRLF, one record per row") {
  const std::string text = render("csv", {row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z")}, {kFailed});
  CHECK_THAT(text, Contains("\r\n"));
  const auto out = lines(text);
  const auto header = sf::csv::parse_record(out[0], "h");
  const auto first = sf::csv::parse_record(out[1], "1");
  const auto failed = sf::csv::parse_record(out[2], "2");
  REQUIRE(first.size() == header.size());
  REQUIRE(failed.size() == header.size());
  std::map<std::string, std::string> f, g;
  for (size_t i = 0; i < header.size(); ++i) {
    f[header[i]] = first[i];
    g[header[i]] = failed[i];
  }
  CHECK(f["node"] == "n1");
  CHECK(f["labels"] == R"({"team":"a,b"})");  // quoted in the file because of the comma and quotes
  CHECK(std::stod(f["cpu_cost"]) == Approx(0.063222));
  CHECK(f["priced"] == "true");
  CHECK(g["priced"] == "false");
  CHECK(g["error"] == "connection refused");
  CHECK(g["total_cost"].empty());
}

TEST_CASE("focus: mandatory columns, units, and ListCost = ListUnitPrice x PricingQuantity") {
  const auto out = lines(render("focus", {row("n1", "2026-11-26T07:00:00Z", "2026-11-26T07:30:00.250Z")}));
  const auto header = sf::csv::parse_record(out[0], "h");
  for (const char* c : {"BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
                        "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
                        "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost",
                        "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory",
                        "ServiceName"})
    CHECK(std::find(header.begin(), header.end(), c) != header.end());
  std::vector<std::map<std::string, std::string>> rows;
  for (size_t i = 1; i < out.size() && !out[i].empty(); ++i) {
    const auto f = sf::csv::parse_record(out[i], "r");
    REQUIRE(f.size() == header.size());
    std::map<std::string, std::string> m;
    for (size_t k = 0; k < f.size(); ++k) m[header[k]] = f[k];
    rows.push_back(m);
  }
  REQUIRE(rows.size() == 3);  // CPU, RAM, storage (no GPU)
  CHECK(rows[0]["PricingUnit"] == "Core-Hours");
  CHECK(rows[1]["PricingUnit"] == "GiB-Hours");
  CHECK(rows[2]["ServiceCategory"] == "Storage");
  for (auto& m : rows) {
    CHECK(m["ChargeCategory"] == "Usage");
    CHECK(m["ChargeClass"].empty());
    CHECK(m["ChargePeriodStart"] == "2026-11-26T07:00:00Z");
    CHECK(m["ChargePeriodEnd"] == "2026-11-26T07:30:01Z");  // whole seconds, end rounded up
    CHECK(m["BillingPeriodStart"] == "2026-11-01T00:00:00Z");
    CHECK(m["BillingPeriodEnd"] == "2026-12-01T00:00:00Z");
    const double list = std::stod(m["ListCost"]), unit = std::stod(m["ListUnitPrice"]),
                 qty = std::stod(m["PricingQuantity"]);
    CHECK(list == unit * qty);  // exactly: the same doubles, printed round-trip
    CHECK(std::stod(m["ContractedCost"]) == std::stod(m["ContractedUnitPrice"]) * qty);
    CHECK(m["BilledCost"] == m["EffectiveCost"]);
    CHECK(m["PricingCategory"] == "Standard");
  }
  // CPU: 2 cores x 0.500069... h
  CHECK(std::stod(rows[0]["PricingQuantity"]) == Approx(2 * (1800.25 / 3600)));
}

TEST_CASE("focus: discounts make ContractedCost lower than ListCost on CPU and RAM only, spot is Dynamic") {
  Pricing p = parse_pricing(R"({"CPU":"1","RAM":"1","GPU":"2","discount":"50%"})", "p", PriceUnit::kHour);
  UsageLine u;
  REQUIRE(parse_usage_line(R"({"kind":"node_usage","node":"g1","window_start":"2026-11-26T07:00:00Z",)"
                           R"("window_end":"2026-11-26T08:00:00Z","cpu_cores":4,"memory_bytes":1073741824,"gpus":1})",
                           "t:1", u));
  CostRow r;
  REQUIRE(price_usage(u, p, {}, r));
  const auto records = focus_records(r, SinkOptions{});
  REQUIRE(records.size() == 3);
  // BilledCost (0), ListCost (14): CPU 2 vs 4, RAM 0.5 vs 1, GPU 2 vs 2
  CHECK(records[0][0] == "2");
  CHECK(records[0][14] == "4");
  CHECK(records[1][0] == "0.5");
  CHECK(records[2][0] == "2");
  CHECK(records[2][14] == "2");
  CHECK(records[2][16] == "GPU-Hours");
}

TEST_CASE("focus: zero-length windows and failed nodes are left out") {
  const auto out = lines(render("focus", {row("n1", "2026-11-26T07:00:00Z", "2026-11-26T07:00:00Z")}, {kFailed}));
  CHECK(out.size() == 1);  // the header only
}

TEST_CASE("focus: billing month edges") {
  const auto [s, e] = billing_month(sf::parse_rfc3339("2026-12-31T23:59:59Z", "t"));
  CHECK(focus_time(s) == "2026-12-01T00:00:00Z");
  CHECK(focus_time(e) == "2027-01-01T00:00:00Z");
}

TEST_CASE("html: self-contained, escaped, with totals and SVG charts") {
  CostRow evil = row("<script>alert(1)</script>", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z");
  const std::string html = render("html", {row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z"), evil}, {kFailed});
  CHECK_THAT(html, Contains("<!DOCTYPE html>"));
  CHECK_THAT(html, Contains("<svg"));
  CHECK_THAT(html, Contains("id=\"total-cost\""));
  CHECK_THAT(html, Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(html.find("<script") == std::string::npos);  // no scripts at all
  for (const char* external : {"src=", "href=", "<link", "url(", "@import"})
    CHECK(html.find(external) == std::string::npos);  // no external assets
  CHECK_THAT(html, Contains("connection refused"));
  CHECK(html_escape("a&b\"'") == "a&amp;b&quot;&#39;");
}

TEST_CASE("table: aligned, totals row, currency, failed nodes listed") {
  const std::string t = render("table", {row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z"),
                                         row("node-2", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z")},
                               {kFailed});
  CHECK_THAT(t, Contains("TOTAL USD"));
  CHECK_THAT(t, Contains("TOTAL (2 nodes)"));
  CHECK_THAT(t, Contains("UNPRICED n3: connection refused"));
  CHECK_THAT(t, Contains("/month (730 h)"));
  CHECK(money_decimals({0.5, 12}) == 2);
  CHECK(money_decimals({0.000176}) == 5);
  CHECK(money_decimals({1e-9}) == 6);
  CHECK(money_decimals({0}) == 2);
}

TEST_CASE("summary: totals and projections over distinct nodes") {
  // n1 twice (two hours), n2 once: the set's hourly rate counts n1 once.
  const CostRow a = row("n1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z");
  const CostRow b = row("n1", "2026-11-26T08:00:00Z", "2026-11-26T09:00:00Z");
  const CostRow c = row("n2", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z");
  const auto doc = sf::parse_json_object(lines(render("summary", {a, b, c}))[0], "s");
  CHECK(doc["nodes"].GetInt() == 2);
  CHECK(doc["priced"].GetInt() == 3);
  CHECK(doc["total_cost"].GetDouble() == Approx(3 * a.total_cost));
  CHECK(doc["hourly_cost"].GetDouble() == Approx(2 * a.hourly_cost));
  CHECK(doc["monthly_cost"].GetDouble() == Approx(2 * a.hourly_cost * 730));
  CHECK(std::string(doc["window_start"].GetString()) == "2026-11-26T07:00:00Z");
  CHECK(std::string(doc["window_end"].GetString()) == "2026-11-26T09:00:00Z");
  CHECK(doc["cpu_efficiency"].GetDouble() == Approx(0.25));
}

TEST_CASE("formats: unknown names are usage errors") {
  CHECK_THROWS_WITH(make_sink("xml", sf::Output::standard(), {}), Contains("not a format"));
}
