// The pricing run: node_usage lines in, priced rows out to a sink (and a ledger spool). A bad
// line spoils only itself: it is reported on stderr with file:line (and listed by the table
// and html formats), the good lines are priced, and the exit code says so (3). Failed nodes
// are reported on stderr and in the output. The exit code of DESIGN.md is decided at the end.
#pragma once

#include "common/node_usage.h"
#include "price-calc/cost_model.h"
#include "price-calc/ledger.h"
#include "price-calc/sink.h"
#include "price-calc/totals.h"

namespace sf::pc {

struct RunSummary {
  size_t priced = 0;
  size_t unpriced = 0;  // failed nodes and nodes without a price
  size_t invalid = 0;   // lines that could not be read
  size_t skipped = 0;   // lines of other kinds
  // 0 all priced; 3 some priced, some not (unpriced or invalid); none priced: 2 when a line was
  // invalid, else 1 (every node failed, or no node_usage line at all: nothing was priced).
  int exit_code() const;
};

// Prices every line; `ledger` may be null. Only a failed write (WriteError) or an unreadable
// input stops it.
RunSummary price_stream(NodeUsageReader& reader, const Pricing& pricing, const CostOptions& options, Sink& sink,
                        Totals& totals, LedgerWriter* ledger);

}  // namespace sf::pc
