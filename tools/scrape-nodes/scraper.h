// One sweep: fetch every target's /metrics at once (curl multi, bounded concurrency), parsing
// each body as it streams in. A failed target gets its error; the others are unaffected.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "scrape-nodes/node_sample.h"
#include "scrape-nodes/targets.h"

namespace sf::scrape {

struct ScrapeResult {
  std::optional<NodeSample> sample;  // set on success
  std::string error;                 // set on failure: what, and the URL
};

struct ScrapeOptions {
  http::Options http;
  size_t concurrency = 64;
};

// Scrapes `targets[i]` for every i in `which` (all when empty); results indexed like targets.
std::vector<ScrapeResult> scrape_sweep(const std::vector<Target>& targets, const std::vector<size_t>& which,
                                       const ScrapeOptions& options);

}  // namespace sf::scrape
