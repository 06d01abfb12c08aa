// --format json: JSON Lines, one "node_cost" object per priced or unpriced node window: the row
// fields of the one field table (price-calc/cost_row.h) in its order, the line's fields outside
// the node_usage contract passed through after "labels" (a field of the same name as ours is not
// repeated). Unpriced rows carry only the fields the table shows for them (node, source, window,
// labels, "priced":false, error, currency). --format summary: one "cost_summary" object with the
// totals and projections. Written with common/json_writer.h: numbers and text are checked,
// each line is built whole before it is written.
#pragma once

#include <memory>
#include <string>

#include "price-calc/sink.h"

namespace sf::pc {

// One object each, without the newline.
void append_row_json(std::string& out, const CostRow& row);
void append_summary_json(std::string& out, const Totals& totals);

std::unique_ptr<Sink> make_json_sink(Output& out);
std::unique_ptr<Sink> make_summary_sink(Output& out);

}  // namespace sf::pc
