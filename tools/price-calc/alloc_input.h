// The allocation's input: pod lines (kind-wait --list pods), node_usage and pod_usage lines
// (scrape-nodes --pods), in one stream or several files, in any order. Each line goes to its
// contract's one reader (common/pod.h, node_usage.h, pod_usage.h); a bad line spoils only itself
// (reported with file:line, counted), lines of other kinds are skipped.
#pragma once

#include <string>
#include <vector>

#include "price-calc/allocation.h"
#include "price-calc/sink.h"

namespace sf::pc {

// Reads `path` ("-" = stdin) into `allocator`; the bad lines are also kept in `invalid` (at most
// BufferedSink::kMaxInvalidShown) for the formats that list them.
void read_allocation_input(const std::string& path, Allocator& allocator, std::vector<InvalidLine>& invalid);

}  // namespace sf::pc
