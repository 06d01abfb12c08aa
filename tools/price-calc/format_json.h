// --format json: JSON Lines, one "node_cost" object per priced or unpriced node window, carrying
// the node_usage inputs (fields outside the contract passed through as they were) plus the
// costs (DESIGN.md contract: cpu_cost, ram_cost, gpu_cost, storage_cost, total_cost,
// idle_cost, currency, hours). --format summary: one "cost_summary" object with the totals and
// projections. Written by hand (keys are literals, numbers by std::to_chars): this is the
// output a million-line run spends its time on.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "price-calc/sink.h"

namespace sf::pc {

// JSON text building blocks.
void append_json_string(std::string& out, std::string_view text);  // quoted and escaped
// Integral values as integers (8589934592, not 8589934592.0), others the shortest round-trip
// way (0.031611, 1e-07); NaN and infinities as null.
void append_json_number(std::string& out, double v);

// One object each, without the newline.
void append_row_json(std::string& out, const CostRow& row);
void append_unpriced_json(std::string& out, const Unpriced& row, const std::string& currency);
void append_summary_json(std::string& out, const Totals& totals);

std::unique_ptr<Sink> make_json_sink(std::FILE* out, const std::string& currency = "");
std::unique_ptr<Sink> make_summary_sink(std::FILE* out);

}  // namespace sf::pc
