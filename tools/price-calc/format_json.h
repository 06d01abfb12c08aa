// --format json: JSON Lines, one "node_cost" object per priced or unpriced node window, carrying
// the node_usage inputs (unknown input fields passed through) plus the costs (DESIGN.md
// contract: cpu_cost, ram_cost, gpu_cost, storage_cost, total_cost, idle_cost, currency, hours).
// --format summary: one "cost_summary" object with the totals and projections.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <memory>

#include "price-calc/sink.h"

namespace sf::pc {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Integral values as integers (8589934592, not 8589934592.0), others the shortest way.
void write_json_number(JsonWriter& w, double v);
void write_row_json(JsonWriter& w, const CostRow& row);
void write_unpriced_json(JsonWriter& w, const Unpriced& row, const std::string& currency);
void write_summary_json(JsonWriter& w, const Totals& totals);

std::unique_ptr<Sink> make_json_sink(std::FILE* out);
std::unique_ptr<Sink> make_summary_sink(std::FILE* out);

}  // namespace sf::pc
