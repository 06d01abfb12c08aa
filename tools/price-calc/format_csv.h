// --format csv: a header, then one RFC 4180 record (CRLF) per priced or unpriced node window:
// the json fields of the one field table (price-calc/cost_row.h), in its order, flattened;
// labels as a JSON object in one field; empty = null (and every field an unpriced row does not
// have). Text cells that a spreadsheet would run as a formula are neutralised (common/csv.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "price-calc/sink.h"

namespace sf::pc {

const std::vector<std::string>& csv_columns();
std::vector<std::string> csv_fields(const CostRow& row);

std::unique_ptr<Sink> make_csv_sink(Output& out);

}  // namespace sf::pc
