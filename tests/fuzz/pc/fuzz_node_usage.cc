// libFuzzer target: price-calc's node_usage line parser and everything a parsed line flows into
// (the cost model, the JSON/CSV/FOCUS writers, the ledger record and its reader). Each input is
// split into lines like the stream reader does. Malformed lines must end in sf::Error, never in a
// crash, a hang or another exception; priced rows must have finite, non-negative costs.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>

#include "common/csv.h"
#include "common/error.h"
#include "common/log.h"
#include "price-calc/cost_model.h"
#include "price-calc/format_csv.h"
#include "price-calc/format_focus.h"
#include "price-calc/format_json.h"
#include "price-calc/ledger.h"
#include "price-calc/node_usage.h"

namespace {

const sf::pc::Pricing& prices() {
  static const sf::pc::Pricing p = sf::pc::parse_pricing(
      R"({"CPU":"0.031611","spotCPU":"0.006655","RAM":"0.004237","spotRAM":"0.000892","GPU":"0.95",
          "storage":"0.00005479452","spotLabel":"lifecycle","spotLabelValue":"spot","gpuLabel":"gpu",
          "discount":"10%","negotiatedDiscount":"5"})",
      "fuzz-prices.json", sf::pc::PriceUnit::kHour);
  return p;
}

void exercise(std::string_view line, size_t number) {
  rapidjson::Document doc;
  sf::pc::UsageLine usage;
  const std::string where = "fuzz:" + std::to_string(number);
  if (!sf::pc::parse_usage_line(line, where, doc, usage)) return;
  for (const bool period : {false, true}) {
    sf::pc::CostOptions options;
    if (period) options.period = std::chrono::milliseconds(3600 * 1000);
    sf::pc::CostRow row;
    sf::pc::Unpriced unpriced;
    if (!sf::pc::price_usage(usage, prices(), options, row, unpriced)) continue;
    for (const double v : {row.cpu_cost, row.ram_cost, row.gpu_cost, row.storage_cost, row.total_cost, row.used_cost,
                           row.idle_cost, row.hourly_cost, row.monthly_cost})
      if (!std::isfinite(v) || v < 0) __builtin_trap();
    rapidjson::StringBuffer buffer;
    sf::pc::JsonWriter w(buffer);
    sf::pc::write_row_json(w, row);
    std::string csv;
    sf::csv::append_record(csv, sf::pc::csv_fields(row));
    sf::pc::focus_records(row, sf::pc::SinkOptions{});
    // A ledger record reads back.
    std::string record;
    sf::csv::append_record(record, sf::pc::ledger_fields(row, "2026-11-26T00:00:00Z"));
    record.resize(record.size() - 2);
    const sf::pc::CostRow back = sf::pc::ledger_row(sf::csv::parse_record(record, "ledger"), "ledger");
    if (back.node != row.node || back.total_cost != row.total_cost) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    sf::log::set_level(sf::log::Level::kQuiet);
    return true;
  }();
  (void)quiet;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    try {
      exercise(line, ++number);
    } catch (const sf::Error&) {
    }
  }
  return 0;
}
