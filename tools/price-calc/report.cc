#include "price-calc/report.h"

#include <map>

#include "common/error.h"
#include "common/node_usage.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::pc {

Clock::time_point parse_report_time(std::string_view text, std::string_view flag) {
  const std::string where = cat(flag);
  try {
    if (text.size() == 10) return parse_contract_time(cat(text, "T00:00:00Z"), where);
    return parse_contract_time(text, where);
  } catch (const ParseError& e) {
    throw UsageError(cat(flag, ": '", printable(text, 64), "' is not a time (", e.detail(),
                         "); write 2026-11-01 or 2026-11-01T00:00:00Z"));
  }
}

size_t run_report(const ReportOptions& options, Sink& sink, Totals& totals) {
  std::map<std::string, CostRow> by_node;
  size_t used = 0;
  TimeChart chart(options.step);
  std::string currency;
  read_ledger(
      options.ledger, options.range,
      [&](CostRow& row) {
        ++used;
        if (options.chart) {  // each node's used cost, the idle of all of them on top
          chart.add(row.start, row.node, row.used_cost);
          chart.add_idle(row.start, row.idle_cost);
          currency = row.currency;
        }
        if (options.by_window) {
          totals.add(row);
          sink.row(row);
          return;
        }
        auto [it, inserted] = by_node.try_emplace(row.node, row);
        if (!inserted) merge_windows(it->second, row);
      },
      options.lock_wait);
  for (auto& [node, row] : by_node) {
    totals.add(row);
    sink.row(row);
  }
  if (options.chart) sink.set_chart(chart.html(currency, "node"));
  sink.finish(totals);
  return used;
}

}  // namespace sf::pc
