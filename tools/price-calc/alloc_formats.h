// The allocation rows in every output format, all from the one field table (alloc_row.h):
//   json     one {"kind":"allocation",...} line per row
//   csv      a header and one RFC 4180 record per row (the json fields, flattened)
//   summary  one {"kind":"allocation_summary",...} line: totals and what was not allocated
//   table    aligned columns, a totals row, what was not allocated
//   focus    FOCUS 1.0, one record per row and resource (CPU, RAM, GPU); namespace, workload,
//            pod and node in Tags under the key prefix "sovereign-finops/" (FOCUS: provider-
//            defined tags MUST carry a provider prefix), the pods' labels as they are
//   html     one page: cost per row split into used, reserved but unused and idle, the table
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/output.h"
#include "price-calc/alloc_row.h"
#include "price-calc/allocation.h"
#include "price-calc/sink.h"

namespace sf::pc {

// The FOCUS tag key prefix of the tags price-calc derives (docs/allocation.md).
inline constexpr std::string_view kTagPrefix = "sovereign-finops/";

struct AllocationOutput {
  const std::vector<AllocRow>& rows;
  const AllocationReport& report;
  const std::vector<InvalidLine>& invalid;
  std::string by;  // the --by text, for people
};

// Writes the whole output (rows are computed at the end of the input, then written at once).
void write_allocation(std::string_view format, Output& out, const AllocationOutput& what, const SinkOptions& options);

// The FOCUS records (without header) of one row: one per resource with a quantity or a cost.
std::vector<std::vector<std::string>> alloc_focus_records(const AllocRow& row, const SinkOptions& options);

// FOCUS Tags of a row: our keys under kTagPrefix, then the row's labels unchanged.
std::string alloc_focus_tags(const AllocRow& row);

// One line per thing not allocated (counts and a few names), for stderr, table and html.
std::vector<std::string> allocation_notes(const AllocationReport& report);

}  // namespace sf::pc
