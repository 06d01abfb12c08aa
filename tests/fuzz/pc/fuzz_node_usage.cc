// libFuzzer target: a node_usage line read by the contract's reader (common/node_usage.h, whose
// own agreement is fuzzed by fuzz_node_usage) and everything a read line flows into: the cost
// model, the JSON/CSV/FOCUS writers, the ledger record and its reader. Each input is split into
// lines like the stream reader does. Checks, beyond "no crash, no other exception":
//   - a priced row has finite, non-negative costs; a row that cannot be priced is unpriced;
//   - the JSON line of a row parses as one JSON object;
//   - a ledger record reads back as the row it was made from (every ledger column).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/csv.h"
#include "common/error.h"
#include "common/json_lines.h"
#include "common/log.h"
#include "../line_input.h"
#include "common/node_usage.h"
#include "common/strings.h"
#include "price-calc/cost_model.h"
#include "price-calc/format_csv.h"
#include "price-calc/format_focus.h"
#include "price-calc/format_json.h"
#include "price-calc/ledger.h"

namespace {

const sf::pc::Pricing& prices() {
  static const sf::pc::Pricing p = sf::pc::parse_pricing(
      R"({"CPU":"0.031611","spotCPU":"0.006655","RAM":"0.004237","spotRAM":"0.000892","GPU":"0.95",
          "storage":"0.00005479452","spotLabel":"lifecycle","spotLabelValue":"spot","gpuLabel":"gpu",
          "discount":"10%","negotiatedDiscount":"5"})",
      "fuzz-prices.json", sf::pc::PriceUnit::kHour);
  return p;
}

void exercise(std::string_view line) {
  sf::UsageLine usage;
  try {
    if (!sf::parse_usage_line(line, "fuzz:1", usage)) return;
  } catch (const sf::ParseError&) {
    return;
  }
  sf::pc::CostRow row;  // reused across both runs, as the pipeline reuses it
  for (const bool period : {false, true}) {
    sf::pc::CostOptions options;
    if (period) options.period = std::chrono::milliseconds(3600 * 1000);
    const bool priced = sf::pc::price_usage(usage, prices(), options, row);
    if (priced != row.priced || (!priced && row.error.empty())) __builtin_trap();
    std::string json;
    sf::pc::append_row_json(json, row);
    (void)sf::parse_json_object(json, "json");  // throws (a crash here) if not one object
    std::string csv;
    sf::csv::append_record(csv, sf::pc::csv_fields(row));
    if (!priced) continue;
    for (const double v : {row.cpu_cost, row.ram_cost, row.gpu_cost, row.storage_cost, row.total_cost, row.used_cost,
                           row.idle_cost, row.hourly_cost, row.monthly_cost})
      if (!std::isfinite(v) || v < 0) __builtin_trap();
    sf::pc::focus_records(row, sf::pc::SinkOptions{});
    std::string record;
    sf::csv::append_record(record, sf::pc::ledger_fields(row, "2026-11-26T00:00:00Z"));
    record.resize(record.size() - 2);
    const sf::pc::CostRow back = sf::pc::ledger_row(sf::csv::parse_record(record, "ledger"), "ledger");
    const auto& columns = sf::pc::ledger_columns();
    for (size_t i = 1; i + 1 < columns.size(); ++i) {
      const sf::pc::RowField& f = sf::pc::row_field(columns[i]);
      if (sf::pc::cell_text(f, back) != sf::pc::cell_text(f, row)) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sf::fuzz::for_each_line(data, size, exercise);
}
