// --format csv: a header, then one RFC 4180 record (CRLF) per priced or unpriced node window,
// with the same fields as the JSON lines; labels as a JSON object in one field; empty = null.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "price-calc/sink.h"

namespace sf::pc {

const std::vector<std::string>& csv_columns();
std::vector<std::string> csv_fields(const CostRow& row);
std::vector<std::string> csv_fields(const Unpriced& row, const std::string& currency);
std::string labels_to_json(const LabelList& labels);

std::unique_ptr<Sink> make_csv_sink(std::FILE* out, const std::string& currency = "");

}  // namespace sf::pc
