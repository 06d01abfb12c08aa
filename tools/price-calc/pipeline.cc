#include "price-calc/pipeline.h"

#include "common/error.h"
#include "common/log.h"
#include "common/strings.h"

namespace sf::pc {
namespace {
constexpr size_t kMaxUnpricedWarnings = 20;
}

int RunSummary::exit_code() const {
  if (unpriced == 0 && invalid == 0 && priced > 0) return kExitOk;
  if (priced > 0) return kExitPartial;
  return invalid > 0 ? kExitUsage : kExitFailed;
}

RunSummary price_stream(NodeUsageReader& reader, const Pricing& pricing, const CostOptions& options, Sink& sink,
                        Totals& totals, LedgerWriter* ledger) {
  RunSummary summary;
  UsageLine line;
  CostRow row;
  bool warned_unknown_cpu = false;
  while (true) {
    try {
      if (!reader.next(line)) break;
    } catch (const ParseError& e) {
      // This line only: reported with its file:line, the next one is read.
      ++summary.invalid;
      log::error(cat(e.what(), "; line skipped"));
      totals.add_invalid();
      sink.invalid({e.where(), e.detail()});
      continue;
    }
    if (price_usage(line, pricing, options, row)) {
      ++summary.priced;
      if (!row.cpu_usage_known() && row.hours > 0 && !warned_unknown_cpu) {
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
        log::warn(cat(row.where, ": node ", row.node, " is not priced: ", row.error));
      totals.add_unpriced(row);
      sink.unpriced(row);
    }
  }
  summary.skipped = reader.skipped();
  if (summary.unpriced > kMaxUnpricedWarnings)
    log::warn(cat("... and ", summary.unpriced - kMaxUnpricedWarnings, " more unpriced node windows"));
  if (summary.priced + summary.unpriced + summary.invalid == 0)
    log::error(cat(reader.source(), ": no node_usage lines",
                   summary.skipped > 0 ? cat(" (", summary.skipped, " lines of other kinds)") : std::string(),
                   ": nothing was priced; check what feeds price-calc (did scrape-nodes fail, or print nothing?)"));
  if (summary.invalid > 0)
    log::warn(cat(summary.invalid, " line(s) of ", reader.source(), " could not be read and were skipped; ",
                  summary.priced, " priced"));
  return summary;
}

}  // namespace sf::pc
