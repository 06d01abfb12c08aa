#include "scrape-nodes/scraper.h"

#include <memory>

#include "common/log.h"
#include "common/prom_parser.h"
#include "common/strings.h"

namespace sf::scrape {
namespace {

// First bytes of an error body, on one line, for the message.
std::string excerpt(const std::string& body) {
  std::string text = body.substr(0, 160);
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return std::string(trim(text)) + (body.size() > 160 ? "..." : "");
}

}  // namespace

std::vector<ScrapeResult> scrape_sweep(const std::vector<Target>& targets, const std::vector<size_t>& which,
                                       const ScrapeOptions& options) {
  std::vector<size_t> indexes = which;
  if (indexes.empty())
    for (size_t i = 0; i < targets.size(); ++i) indexes.push_back(i);

  std::vector<ScrapeResult> results(targets.size());
  // Per transfer: the sample being filled and the parser feeding it. Parsers live only while
  // their transfer runs, so memory follows concurrency, not the number of targets.
  std::vector<NodeSample> samples(indexes.size());
  std::vector<std::unique_ptr<prom::Parser>> parsers(indexes.size());
  std::vector<http::Transfer> transfers(indexes.size());
  for (size_t k = 0; k < indexes.size(); ++k) {
    http::Transfer& t = transfers[k];
    t.request.url = targets[indexes[k]].url;
    t.request.headers = {"Accept: text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5"};
    t.on_attempt = [&, k] {
      samples[k] = NodeSample{};
      parsers[k] = std::make_unique<prom::Parser>(SampleCollector(samples[k]), "body");
      parsers[k]->set_name_filter(&SampleCollector::wants);
    };
    t.on_chunk = [&, k](std::string_view chunk) { parsers[k]->feed(chunk); };
  }

  http::MultiFetcher fetcher(options.http, options.concurrency);
  fetcher.run(transfers, [&](size_t k) {
    http::Transfer& t = transfers[k];
    ScrapeResult& result = results[indexes[k]];
    std::unique_ptr<prom::Parser> parser = std::move(parsers[k]);
    if (t.handler_error) {
      result.error = t.error + "; is this a Prometheus metrics endpoint?";
    } else if (!t.ok) {
      result.error = t.error;
    } else if (t.response.status != 200) {
      result.error = cat(t.request.url, ": HTTP ", t.response.status,
                         t.response.body.empty() ? "" : cat(" (", excerpt(t.response.body), ")"),
                         "; is this the node-exporter's metrics URL?");
    } else {
      try {
        parser->finish();
        samples[k].scraped_at = Clock::now();
        result.sample = std::move(samples[k]);
      } catch (const std::exception& e) {
        result.error = cat(t.request.url, ": ", e.what());
      }
    }
    if (!result.error.empty()) log::debug(result.error);
    samples[k] = NodeSample{};
  });
  return results;
}

}  // namespace sf::scrape
