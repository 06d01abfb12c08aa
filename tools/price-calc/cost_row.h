// The priced row: one node over one window (or, from a ledger report, over many), priced or
// not, and its schema as ONE field table. Every output that shows row fields (json, csv, the
// ledger, report's merge of windows, table, html) walks this table for names, types, how a
// value is written and read back, and how windows merge; no format maps fields by hand.
//
// A row is reused only through reset_row: it copy-assigns a default row (every member reset,
// whatever members CostRow gains; std::string keeps its buffer) and the new labels, so a
// million-line stream allocates nothing and a value from the previous line cannot survive,
// whichever field a code path forgets to set.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/contracts.h"
#include "common/json_writer.h"
#include "common/node_usage.h"
#include "common/time_util.h"
#include "price-calc/row_table.h"

namespace sf::pc {

struct CostRow {
  // Identity (shown for unpriced rows too).
  std::string node, source, window_start, window_end;
  std::string sample_window_start, sample_window_end;  // the measured window, when --period
  LabelList labels;
  bool priced = true;
  std::string error;  // why an unpriced row has no cost
  std::string currency;

  double hours = 0;
  size_t windows = 1;  // ledger reports: how many windows were summed

  // Capacity and usage (averages over the windows in a report).
  double cpu_cores = 0;
  std::optional<double> cpu_busy_cores;  // null when not measured (single-sample scrape)
  double memory_bytes = 0, memory_used_bytes = 0;
  double filesystem_bytes = 0, filesystem_used_bytes = 0;
  std::optional<double> network_receive_bytes, network_transmit_bytes;
  double gpus = 0;

  // Prices applied.
  std::string price_set = "default";
  bool spot = false, gpu_node = false;
  double gpu_count = 0;
  double cpu_price = 0, ram_price = 0, gpu_price = 0;
  std::optional<double> storage_price;  // null when storage is not priced
  double discount = 0;                  // combined

  // Costs over the window; CPU and RAM after the discount, list costs before it.
  double cpu_list_cost = 0, ram_list_cost = 0;
  double cpu_cost = 0, ram_cost = 0, gpu_cost = 0, storage_cost = 0, total_cost = 0;
  double cpu_used_cost = 0, ram_used_cost = 0, storage_used_cost = 0, used_cost = 0, idle_cost = 0;
  std::optional<double> cpu_efficiency;  // unknown when CPU usage is
  double ram_efficiency = 0;
  std::optional<double> total_efficiency;
  double hourly_cost = 0, daily_cost = 0, monthly_cost = 0;

  // Resource-hours (FOCUS' PricingQuantity) and rates at this capacity and these prices.
  double cpu_core_hours = 0, cpu_busy_core_hours = 0;
  double ram_gib_hours = 0, ram_used_gib_hours = 0;
  double gpu_hours = 0;
  double storage_gib_hours = 0, storage_used_gib_hours = 0;
  double cpu_hourly = 0, ram_hourly = 0, gpu_hourly = 0, storage_hourly = 0;

  // Working state, not fields: the parsed window, where the line came from, and the line's
  // fields outside the contract (a view into the line being read, passed through by json).
  Clock::time_point start{}, end{};
  std::string where;
  const std::vector<RawMember>* extra = nullptr;

  bool cpu_usage_known() const { return cpu_busy_cores.has_value(); }
  double busy_cores() const { return cpu_busy_cores.value_or(0); }
  bool storage_priced() const { return storage_price.has_value(); }
};

// ------------------------------------------------------------------------------ the table

using FieldMember = MemberOf<CostRow>;
using RowField = RowFieldOf<CostRow>;

// Every field of CostRow, in the order json and csv write them.
std::span<const RowField> row_fields();
// The field called `name`; throws std::logic_error for a name not in the table.
const RowField& row_field(std::string_view name);

// Writes one field, key included (keys prepared once: most of the work on a million lines).
// cell_text, parse_cell, copy_field, number_of, display: row_table.h.
void append_json_field(json::ObjectWriter& o, const RowField& f, const CostRow& r);
// Equal in every field of the table (for tests and the fuzzer).
bool same_fields(const CostRow& a, const CostRow& b);

// A row as if default-constructed with `labels`, keeping only the buffers of its text.
void reset_row(CostRow& r, const LabelList& labels = {});

// Merges `b` (another window of the same node) into `a` by each field's Merge rule, then
// recomputes the efficiencies.
void merge_windows(CostRow& a, const CostRow& b);

// {"k":"v",...}: the labels as one JSON object (csv, ledger, FOCUS Tags).
std::string labels_to_json(const LabelList& labels);

}  // namespace sf::pc
