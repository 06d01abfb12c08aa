// The allocation row: what a namespace, workload, pod, node or label value was charged over one
// window (or, from a ledger report, over many), the `__idle__` rows beside them, and their
// schema as ONE field table (row_table.h), which json, csv, the allocation ledger, report and
// the human formats walk.
//
// The figures that add up are stored (resource-hours, costs); the averages and efficiencies are
// derived from them (finish_alloc_row), so rows of one window combine (namespace = its
// workloads) and rows of many windows merge (a month) by the same sums.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/contracts.h"
#include "common/time_util.h"
#include "price-calc/row_table.h"

namespace sf::pc {

// Names OpenCost gives the rows it did not allocate (core/pkg/opencost/allocation.go
// IdleSuffix, UnallocatedSuffix).
inline constexpr std::string_view kIdleName = "__idle__";
inline constexpr std::string_view kUnallocatedName = "__unallocated__";

struct AllocRow {
  // Identity: the row's name (its group's key) and what of it the grouping fixes ("" otherwise).
  std::string name;
  std::string namespace_name, controller_kind, controller, pod, node;
  std::string window_start, window_end;
  std::string currency;
  LabelList labels;     // the labels every pod of the row carries with the same value
  bool idle = false;    // an __idle__ row: node cost not allocated to any container

  double hours = 0;      // the window's (summed over the windows of a report)
  size_t windows = 1;

  // Sums over the row's containers: resource-hours requested, used and allocated (= charged);
  // for an idle row, what its node(s) had beyond what was charged (negative when overcommitted).
  double pod_hours = 0;
  double cpu_request_core_hours = 0, cpu_usage_core_hours = 0, cpu_core_hours = 0;
  double ram_request_byte_hours = 0, ram_usage_byte_hours = 0, ram_byte_hours = 0;
  double gpu_hours = 0;

  // Costs (CPU and RAM after the discount, list costs before it); idle parts shared into them
  // with --share-idle (the *_idle_cost fields say how much); used_cost prices the usage alone.
  double cpu_cost = 0, ram_cost = 0, gpu_cost = 0, storage_cost = 0, total_cost = 0;
  double cpu_list_cost = 0, ram_list_cost = 0;
  double cpu_used_cost = 0, ram_used_cost = 0, used_cost = 0;
  double cpu_idle_cost = 0, ram_idle_cost = 0, gpu_idle_cost = 0, idle_cost = 0;

  // Derived (finish_alloc_row): averages over the hours, OpenCost's efficiencies.
  double pods = 0;
  double cpu_request_cores = 0, cpu_usage_cores = 0, cpu_cores = 0;
  double ram_request_bytes = 0, ram_usage_bytes = 0, ram_bytes = 0;
  double gpus = 0;
  std::optional<double> cpu_efficiency, ram_efficiency, total_efficiency;  // null for idle rows

  // Working state, not fields: the parsed window.
  Clock::time_point start{}, end{};
};

using AllocField = RowFieldOf<AllocRow>;

// Every field of AllocRow, in the order json and csv write them.
std::span<const AllocField> alloc_fields();
const AllocField& alloc_field(std::string_view name);

// The averages and efficiencies from the sums. OpenCost (allocation.go CPUEfficiency,
// RAMEfficiency, TotalEfficiency): usage / request when there is a request (it may exceed 1);
// without one, 1 when there is usage and cost, else 0; total = the CPU and RAM efficiencies
// weighted by their costs, 0 without cost.
void finish_alloc_row(AllocRow& r);

// Adds the sums of `b` to `a` (rows of the same window: a namespace's workloads); labels keep
// what both carry with the same value. Hours are not added (the same window).
void add_alloc_row(AllocRow& a, const AllocRow& b);

// Merges `b`, another window of the same row, into `a`: sums (hours included), the earlier
// start and the later end, then the derived figures again.
void merge_alloc_windows(AllocRow& a, const AllocRow& b);

// Costs per resource: what a scope's rows were charged, or its idle (list costs before discount).
struct ResourceCosts {
  double cpu = 0, ram = 0, gpu = 0, cpu_list = 0, ram_list = 0;
};

// --share-idle: adds to `r` its part of its scope's `idle`, each resource in proportion to r's cost
// of it over `charged` (the scope's rows together), as OpenCost's computeIdleCoeffs shares it; a
// resource no row was charged for gives nothing (it stays an idle row).
void take_idle_share(AllocRow& r, const ResourceCosts& charged, const ResourceCosts& idle);

// The labels both lists hold with the same value, in `a`'s order.
LabelList common_labels(const LabelList& a, const LabelList& b);

// One row as its json line ("kind":"allocation", the output fields in table order).
void append_alloc_json(std::string& out, const AllocRow& r);

}  // namespace sf::pc
