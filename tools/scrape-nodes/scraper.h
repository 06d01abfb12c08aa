// One sweep: fetch the given targets' /metrics at once (curl multi, bounded concurrency),
// parsing each body as it streams in, and hand each outcome on as soon as it is known. A
// failed target gets its error; the others are unaffected. Nothing of a target is kept here
// after its outcome is handed on: memory follows concurrency, not the number of targets.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "scrape-nodes/node_sample.h"
#include "scrape-nodes/targets.h"

namespace sf::scrape {

// What to ask a node-exporter for: the text format first (OpenMetrics is read too).
constexpr const char* kAcceptHeader =
    "Accept: text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5";

struct ScrapeResult {
  std::optional<NodeSample> sample;  // set on success (sample->scraped_at: when it arrived)
  std::string error;                 // set on failure: what, and the URL (credentials redacted)
};

struct ScrapeOptions {
  http::Options http;
  size_t concurrency = 64;
  bool via_apiserver = false;  // targets are node proxy URLs: HTTP errors are the API server's words
};

using ResultHandler = std::function<void(size_t target, ScrapeResult&& result)>;

// Scrapes targets[i] for every i in `which`, calling on_result once per target as it finishes.
// `fetcher` is built with options.http (kAcceptHeader among its headers) and reused between
// sweeps (its connections stay open).
void scrape_sweep(const std::vector<Target>& targets, const std::vector<size_t>& which, const ScrapeOptions& options,
                  http::MultiFetcher& fetcher, const ResultHandler& on_result);

// What an HTTP status other than 200 means, for a node-exporter URL or through the API server.
std::string status_error(const Target& target, long status, const std::string& body, bool via_apiserver);

}  // namespace sf::scrape
