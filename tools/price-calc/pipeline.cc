#include "price-calc/pipeline.h"

#include "common/error.h"
#include "common/log.h"
#include "common/strings.h"

namespace sf::pc {
namespace {
constexpr size_t kMaxUnpricedWarnings = 20;
}

int RunSummary::exit_code() const {
  if (unpriced == 0) return kExitOk;
  return priced > 0 ? kExitPartial : kExitFailed;
}

RunSummary price_stream(NodeUsageReader& reader, const Pricing& pricing, const CostOptions& options, Sink& sink,
                        Totals& totals, LedgerWriter* ledger) {
  RunSummary summary;
  UsageLine line;
  CostRow row;
  Unpriced unpriced;
  bool warned_unknown_cpu = false;
  while (reader.next(line)) {
    if (price_usage(line, pricing, options, row, unpriced)) {
      ++summary.priced;
      if (!row.cpu_usage_known && row.hours > 0 && !warned_unknown_cpu) {
        warned_unknown_cpu = true;
        log::warn(cat(line.where, ": node ", row.node, " has no cpu_busy_cores (a single-sample scrape?): its CPU ",
                      "counts as idle and its CPU efficiency is unknown; scrape with an interval to measure it"));
      }
      totals.add(row);
      sink.row(row);
      if (ledger != nullptr) ledger->add(row);
    } else {
      ++summary.unpriced;
      if (summary.unpriced <= kMaxUnpricedWarnings)
        log::warn(cat(unpriced.where, ": node ", unpriced.node, " is not priced: ", unpriced.error));
      totals.add_unpriced(unpriced);
      sink.unpriced(unpriced);
    }
  }
  summary.skipped = reader.skipped();
  if (summary.unpriced > kMaxUnpricedWarnings)
    log::warn(cat("... and ", summary.unpriced - kMaxUnpricedWarnings, " more unpriced node windows"));
  if (summary.priced + summary.unpriced == 0)
    log::warn(cat(reader.source(), ": no node_usage lines", summary.skipped > 0 ? cat(" (", summary.skipped,
                                                                                       " lines of other kinds)")
                                                                                 : std::string(),
                  "; pipe scrape-nodes into price-calc"));
  return summary;
}

}  // namespace sf::pc
