// The pricing run: node_usage lines in, priced rows out to a sink (and a ledger spool), failed
// nodes reported on stderr and in the output, the exit code of DESIGN.md decided at the end.
#pragma once

#include "price-calc/cost_model.h"
#include "price-calc/ledger.h"
#include "common/node_usage.h"
#include "price-calc/sink.h"
#include "price-calc/totals.h"

namespace sf::pc {

struct RunSummary {
  size_t priced = 0;
  size_t unpriced = 0;
  size_t skipped = 0;  // lines of other kinds
  int exit_code() const;  // 0 all priced (or nothing to price), 3 some unpriced, 1 none priced
};

// Prices every line; `ledger` may be null. Throws ParseError on a line that cannot be read
// (after which the sink may hold the complete rows before it, and the ledger holds nothing).
RunSummary price_stream(NodeUsageReader& reader, const Pricing& pricing, const CostOptions& options, Sink& sink,
                        Totals& totals, LedgerWriter* ledger);

}  // namespace sf::pc
