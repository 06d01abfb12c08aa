// price-calc report: reads a ledger and prints it in any output format, either one row per
// node (its windows summed: costs, resource-hours and hours added; capacity, prices and rates
// from its latest window; usage averaged over the hours) or one row per ledger window.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/time_util.h"
#include "price-calc/sink.h"
#include "price-calc/totals.h"

namespace sf::pc {

struct ReportOptions {
  std::string ledger;
  std::optional<Clock::time_point> from;  // windows starting at or after
  std::optional<Clock::time_point> to;    // windows starting before
  bool by_window = false;
};

// RFC 3339, or a date "2026-11-01" meaning its midnight UTC. Throws UsageError naming `flag`.
Clock::time_point parse_report_time(std::string_view text, std::string_view flag);

// Merges `row` (a later or earlier window of the same node) into `into`.
void merge_window(CostRow& into, const CostRow& row);

// Reads the ledger, feeds the rows to `sink` and `totals`; returns the number of ledger rows used.
// Throws UsageError when the rows in range mix currencies.
size_t run_report(const ReportOptions& options, Sink& sink, Totals& totals);

}  // namespace sf::pc
