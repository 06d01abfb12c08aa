// --format table (the default on a terminal): aligned columns, units in the headers, the
// currency and the price list named, a totals row, failed nodes with their error and the lines
// that could not be read. The cells are row fields of the one table (cost_row.h).
// Keeps the rows until the end to size the columns.
#pragma once

#include <memory>

#include "price-calc/sink.h"

namespace sf::pc {

// Decimals that show the smallest non-zero |value| with two significant digits, within [lo, hi].
int money_decimals(const std::vector<double>& values, int lo = 2, int hi = 6);

std::unique_ptr<Sink> make_table_sink(Output& out, const SinkOptions& options);

}  // namespace sf::pc
