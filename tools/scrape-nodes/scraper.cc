#include "scrape-nodes/scraper.h"

#include <memory>

#include "common/error.h"
#include "common/log.h"
#include "common/prom_parser.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::scrape {
namespace {

// First bytes of an error body, on one line, for the message.
std::string excerpt(const std::string& body) { return printable(trim(body.substr(0, 160)), 160); }

}  // namespace

std::string status_error(const Target& target, long status, const std::string& body, bool via_apiserver) {
  const std::string url = redact_url(target.url);
  const std::string answer = cat("HTTP ", status, body.empty() ? "" : cat(" (", excerpt(body), ")"));
  if (!via_apiserver) return cat(url, ": ", answer, "; is this the node-exporter's metrics URL?");
  const std::string node = printable(target.node_name, 80);
  switch (status) {
    case 401:
      return cat(url, ": ", answer, "; the API server refused the kubeconfig's credentials: check the user's token ",
                 "or client certificate (kubectl --kubeconfig ... get nodes would be refused too)");
    case 403:
      return cat(url, ": ", answer, "; the kubeconfig's user may not use the node proxy: grant it RBAC verb 'get' on ",
                 "resource 'nodes/proxy' (a ClusterRole and ClusterRoleBinding)");
    case 404:
      return cat(url, ": ", answer, "; the API server has no node \"", node, "\": check the name (kind-wait --list nodes)");
    case 502:
    case 503:
    case 504:
      return cat(url, ": ", answer, "; the API server could not reach the exporter on node \"", node,
                 "\": is node-exporter running there, on the --port given?");
    default:
      return cat(url, ": ", answer, "; through the API server's node proxy to node \"", node, "\"");
  }
}

void scrape_sweep(const std::vector<Target>& targets, const std::vector<size_t>& which, const ScrapeOptions& options,
                  http::MultiFetcher& fetcher, const ResultHandler& on_result) {
  // Per transfer in flight: the sample being filled and the parser feeding it (reset on each
  // attempt), dropped as soon as the transfer is done.
  struct Slot {
    std::unique_ptr<NodeSample> sample;
    std::unique_ptr<prom::Parser> parser;
  };
  std::vector<Slot> slots(which.size());
  std::vector<http::Transfer> transfers(which.size());
  for (size_t k = 0; k < which.size(); ++k) {
    http::Transfer& t = transfers[k];
    t.request.url = targets[which[k]].url;
    Slot* slot = &slots[k];
    t.on_attempt = [slot] {
      slot->sample = std::make_unique<NodeSample>();
      slot->parser = std::make_unique<prom::Parser>(SampleCollector(*slot->sample), "body");
      slot->parser->set_name_filter(&SampleCollector::wants);
    };
    t.on_chunk = [slot](std::string_view chunk) { slot->parser->feed(chunk); };
  }

  fetcher.run(transfers, [&](size_t k) {
    http::Transfer& t = transfers[k];
    Slot& slot = slots[k];
    const Target& target = targets[which[k]];
    ScrapeResult result;
    if (t.handler_error) {
      // A parse error says the body is not metrics; a cap names itself.
      bool parse_error = false;
      try {
        std::rethrow_exception(t.handler_error);
      } catch (const ParseError&) {
        parse_error = true;
      } catch (...) {
      }
      result.error = redact_urls_in(t.error) + (parse_error ? "; is this a Prometheus metrics endpoint?" : "");
    } else if (!t.ok) {
      result.error = redact_urls_in(t.error);
    } else if (t.response.status != 200) {
      result.error = status_error(target, t.response.status, t.response.body, options.via_apiserver);
    } else {
      try {
        slot.parser->finish();
        slot.sample->scraped_at = Clock::now();
        result.sample = std::move(*slot.sample);
      } catch (const std::exception& e) {
        result.error = cat(redact_url(target.url), ": ", e.what());
      }
    }
    if (!result.error.empty()) log::debug(result.error);
    slot = Slot{};
    t = http::Transfer{};  // the fetcher is done with it: free its response and request now
    on_result(which[k], std::move(result));
  });
}

}  // namespace sf::scrape
