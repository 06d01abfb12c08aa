// price-calc report over an allocation ledger (price-calc --by ... --ledger): its rows (one per
// namespace/kind/controller and window, idle one per node and window) rolled up by namespace or
// controller over the range, or kept per window; idle as one __idle__ row or one per node
// (--idle-by), or shared per window across the cluster (--share-idle, by cost per resource as
// OpenCost shares it); html adds the cost per day (or hour) stacked by namespace, idle on top.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/output.h"
#include "price-calc/allocation.h"
#include "price-calc/report.h"
#include "price-calc/sink.h"

namespace sf::pc {

struct AllocReportOptions {
  ReportOptions report;              // ledger, range, lock wait, step, by_window
  std::string by = "namespace";      // namespace | controller | window
  IdleBy idle_by = IdleBy::kCluster;
  bool share_idle = false;
};

// Reads, rolls up and writes; returns the number of ledger rows used. UsageError for a --by
// the ledger cannot answer (it keeps namespace and workload, not pods or labels).
size_t run_alloc_report(const AllocReportOptions& options, std::string_view format, Output& out, SinkOptions sink);

// The roll-up itself (tests): ledger rows in, report rows out, in window then name order.
std::vector<AllocRow> roll_up(std::vector<AllocRow> ledger_rows, const AllocReportOptions& options);

}  // namespace sf::pc
