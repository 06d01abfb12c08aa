// scrape-nodes --pods: every node's kubelet /metrics/resource, two samples apart (the schedule
// of sampling.h), turned into that node's node_usage line followed by one pod_usage line per
// container (kubelet_usage.h), so price-calc reads a node's prices before its containers. A
// node whose kubelet fails gets an error line of each kind; the others are intact.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "scrape-nodes/scraper.h"
#include "scrape-nodes/targets.h"

namespace sf::scrape {

struct NodeLines {
  std::string lines;   // complete JSON lines, each ending in '\n'
  std::string error;   // why this node has error lines ("" when it has figures)
  size_t containers = 0;
};

// One NodeLines per target, in target order. `once`: a single sample (zero-length windows).
std::vector<NodeLines> scrape_pods(const std::vector<Target>& targets, ScrapeOptions options,
                                   std::chrono::milliseconds interval, bool once);

}  // namespace sf::scrape
