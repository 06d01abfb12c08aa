// price-calc report: reads a ledger and prints it in any output format, either one row per
// node (its windows merged by the field table's rules, cost_row.h: costs, resource-hours and
// hours summed; capacity, prices and rates from its latest window; usage averaged over the
// hours) or one row per ledger window. The ledger is read from a snapshot, checked whole
// before the first row is printed, and never locked while printing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/time_util.h"
#include "price-calc/ledger.h"
#include "price-calc/sink.h"
#include "price-calc/time_chart.h"
#include "price-calc/totals.h"

namespace sf::pc {

struct ReportOptions {
  std::string ledger;
  LedgerRange range;
  bool by_window = false;
  std::chrono::milliseconds lock_wait = kDefaultLockWait;
  bool chart = false;             // html: cost over time (per --step), stacked by node, idle on top
  Step step = Step::kDay;
};

// RFC 3339, or a date "2026-11-01" meaning its midnight UTC. Throws UsageError naming `flag`.
Clock::time_point parse_report_time(std::string_view text, std::string_view flag);

// Reads the ledger, feeds the rows to `sink` and `totals`; returns the number of ledger rows used.
// Throws UsageError when the rows in range mix currencies (before anything reaches the sink).
size_t run_report(const ReportOptions& options, Sink& sink, Totals& totals);

}  // namespace sf::pc
