// libFuzzer target: price-calc's node_usage line reader and everything a parsed line flows into
// (the cost model, the JSON/CSV/FOCUS writers, the ledger record and its reader). Each input is
// split into lines like the stream reader does. Checks, beyond "no crash, no other exception":
//   - the fast scanner and RapidJSON's reader give the same result (or both an error);
//   - priced rows have finite, non-negative costs;
//   - a ledger record reads back as the row it was made from.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/csv.h"
#include "common/error.h"
#include "common/log.h"
#include "common/strings.h"
#include "price-calc/cost_model.h"
#include "price-calc/format_csv.h"
#include "price-calc/format_focus.h"
#include "price-calc/format_json.h"
#include "price-calc/ledger.h"
#include "common/node_usage.h"

namespace {

const sf::pc::Pricing& prices() {
  static const sf::pc::Pricing p = sf::pc::parse_pricing(
      R"({"CPU":"0.031611","spotCPU":"0.006655","RAM":"0.004237","spotRAM":"0.000892","GPU":"0.95",
          "storage":"0.00005479452","spotLabel":"lifecycle","spotLabelValue":"spot","gpuLabel":"gpu",
          "discount":"10%","negotiatedDiscount":"5"})",
      "fuzz-prices.json", sf::pc::PriceUnit::kHour);
  return p;
}

// Everything the reader produced, as one string; or the error.
std::string read(std::string_view line, bool fast, sf::UsageLine& u) {
  try {
    if (!sf::parse_usage_line(line, "fuzz:1", u, false, fast)) return "skipped";
  } catch (const sf::Error& e) {
    return std::string("error: ") + e.what();
  }
  const sf::NodeUsage& n = u.usage;
  auto num = [](double v) { return sf::format_number(v); };
  auto opt = [&](const std::optional<double>& v) { return v ? num(*v) : std::string("null"); };
  std::string out = n.node + "|" + n.source + "|" + n.window_start + "|" + n.window_end + "|" + n.error.value_or("-") +
                    "|" + num(n.cpu_cores) + "|" + opt(n.cpu_busy_cores) + "|" + num(n.memory_bytes) + "|" +
                    num(n.memory_used_bytes) + "|" + num(n.filesystem_bytes) + "|" + num(n.filesystem_used_bytes) +
                    "|" + opt(n.network_receive_bytes) + "|" + opt(n.network_transmit_bytes) + "|" + num(n.gpus);
  for (const auto& [k, v] : n.labels) out += "|" + k + "=" + v;
  for (const sf::RawMember& m : u.extra) out += "|+" + m.name + ":" + std::string(m.json);
  return out;
}

void exercise(std::string_view line) {
  sf::UsageLine slow_line;
  const std::string slow = read(line, false, slow_line);
  sf::UsageLine usage;
  const std::string fast = read(line, true, usage);
  if (fast != slow) __builtin_trap();  // the two readers disagree
  if (fast == "skipped" || fast.rfind("error: ", 0) == 0) return;
  for (const bool period : {false, true}) {
    sf::pc::CostOptions options;
    if (period) options.period = std::chrono::milliseconds(3600 * 1000);
    sf::pc::CostRow row;
    sf::pc::Unpriced unpriced;
    try {
      if (!sf::pc::price_usage(usage, prices(), options, row, unpriced)) continue;
    } catch (const sf::Error&) {
      continue;  // figures too large to price
    }
    for (const double v : {row.cpu_cost, row.ram_cost, row.gpu_cost, row.storage_cost, row.total_cost, row.used_cost,
                           row.idle_cost, row.hourly_cost, row.monthly_cost})
      if (!std::isfinite(v) || v < 0) __builtin_trap();
    std::string json;
    sf::pc::append_row_json(json, row);
    std::string csv;
    sf::csv::append_record(csv, sf::pc::csv_fields(row));
    sf::pc::focus_records(row, sf::pc::SinkOptions{});
    std::string record;
    sf::csv::append_record(record, sf::pc::ledger_fields(row, "2026-11-26T00:00:00Z"));
    record.resize(record.size() - 2);
    const sf::pc::CostRow back = sf::pc::ledger_row(sf::csv::parse_record(record, "ledger"), "ledger");
    if (back.node != row.node || back.total_cost != row.total_cost || back.labels != row.labels) __builtin_trap();
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
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    exercise(line);
  }
  return 0;
}
