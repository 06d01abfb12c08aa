// The cost model, as OpenCost computes a node's cost with custom prices (pkg/costmodel
// cluster.go / cluster_helpers.go, core/pkg/opencost asset.go and allocation.go):
//
//   price set   default (CPU, RAM) | default,spot (spotCPU, spotRAM) | default,gpu (+ GPU x count),
//               chosen from the node's labels (spotLabel == spotLabelValue; gpuLabel present) or
//               its GPU count
//   hours       (window_end - window_start) / 3600 s       (OpenCost: minutes / 60)
//   CPU cost    cores x CPU x hours x (1 - Discount)       capacity, not allocatable
//   RAM cost    memory_bytes / 1024^3 x RAM x hours x (1 - Discount)
//   GPU cost    gpus x GPU x hours                          never discounted
//   storage     filesystem_bytes / 1024^3 x storage x hours (when the list prices storage)
//   Discount    1 - (1 - discount)(1 - negotiatedDiscount)
//   used        busy cores and used memory (and used filesystem) priced the same way
//   idle        total - used
//   efficiency  usage / capacity (OpenCost: usage / request, may exceed 1; 0 without capacity
//               unless used), total = cost-weighted mean of CPU and RAM efficiencies
//   projections hourly rate at this capacity; daily = 24 h; monthly = 730 h
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/contracts.h"
#include "common/time_util.h"
#include "common/node_usage.h"
#include "price-calc/cost_row.h"
#include "price-calc/pricing.h"

namespace sf::pc {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kHoursPerDay = 24.0;

struct PriceSet {
  std::string_view name = "default";  // OpenCost's price key: default, default,spot, default,gpu
  bool spot = false;
  bool gpu = false;
  double cpu = 0;        // per core-hour
  double ram = 0;        // per GiB-hour
  double gpu_price = 0;  // per GPU-hour
  double gpu_count = 0;  // GPUs priced (1 when only the GPU label says so, like OpenCost)
  std::optional<std::string> problem;  // why the node cannot be priced
};

// OpenCost's CustomProvider.NodePricing key choice. One deliberate difference: OpenCost looks up
// "default,spot,gpu", finds nothing and prices a spot GPU node at 0; here it gets spotCPU,
// spotRAM and spotGPU (or GPU).
PriceSet choose_price_set(const Pricing& pricing, const LabelList& labels, double gpus);

struct CostOptions {
  bool price_storage = true;
  // Price each line for the aligned period that holds its window's midpoint (cron ledgers:
  // a 10 s sample stands for the hour); periods are aligned to multiples since the epoch, UTC.
  std::optional<std::chrono::milliseconds> period;
};

std::pair<Clock::time_point, Clock::time_point> aligned_period(Clock::time_point start, Clock::time_point end,
                                                               std::chrono::milliseconds period);

// OpenCost's CPUEfficiency rule with capacity as the denominator: usage/capacity when
// capacity > 0; else 0 when usage or cost is 0; else 1.
double opencost_efficiency(double usage, double capacity, double cost);

// (RAMEff x RAMCost + CPUEff x CPUCost) / (CPUCost + RAMCost), 0 without cost.
double total_efficiency(double cpu_eff, double cpu_cost, double ram_eff, double ram_cost);

// Prices one line into `row` (reset first: nothing of the previous line survives). Returns
// false, with row.priced false and row.error saying why, when it cannot be priced (a failed
// node, a GPU node without a GPU price, figures so large the cost overflows).
bool price_usage(const UsageLine& line, const Pricing& pricing, const CostOptions& options, CostRow& row);

// A row for a line that cannot be priced: its identity, the error, where it came from.
void unpriced_row(const UsageLine& line, std::string error, const std::string& currency, CostRow& row);

// Fills the resource-hours and the hourly rates from the capacity, usage, hours, prices and
// discount already in `row` (the ledger rebuilds its rows with it too).
void derive_quantities(CostRow& row);

// Fills the figures derived from the resource costs: total, used (each resource's cost times
// its utilisation, capped at 1), idle, efficiencies and projections. A zero-length window has
// no resource-hours: its efficiencies come from the instantaneous figures and the rates.
// Used by price_usage and by ledger reports after summing windows.
void finish_row(CostRow& row);

}  // namespace sf::pc
