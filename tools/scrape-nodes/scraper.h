// One sweep: fetch the given targets at once (curl multi, bounded concurrency), parsing each
// body as it streams in, and hand each outcome on as soon as it is known. A failed target gets
// its error; the others are unaffected. Nothing of a target is kept here after its outcome is
// handed on: memory follows concurrency, not the number of targets.
//
// The sample is what one scrape of a target is reduced to: a node-exporter's NodeSample, or a
// kubelet's KubeletSample (--pods). Its Collector feeds it from the streaming Prometheus
// parser: constructed over the sample, called with every prom::Sample, and a static
// wants(name) filter so the families it does not use are skipped unparsed. The sample has a
// `scraped_at`, set when its body has been read.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/http_client.h"
#include "common/log.h"
#include "common/prom_parser.h"
#include "common/redact.h"
#include "common/strings.h"
#include "scrape-nodes/node_sample.h"
#include "scrape-nodes/targets.h"

namespace sf::scrape {

// What to ask a node-exporter or kubelet for: the text format first (OpenMetrics is read too).
constexpr const char* kAcceptHeader =
    "Accept: text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5";

template <typename Sample>
struct ScrapeResultOf {
  std::optional<Sample> sample;  // set on success (sample->scraped_at: when it arrived)
  std::string error;             // set on failure: what, and the URL (credentials redacted)
};
using ScrapeResult = ScrapeResultOf<NodeSample>;

struct ScrapeOptions {
  http::Options http;
  size_t concurrency = 64;
  bool via_apiserver = false;            // targets are node proxy URLs: HTTP errors are the API server's words
  std::string peer = "node-exporter";    // what answers at the targets, for messages
  std::string credentials_of;            // --via-apiserver: 'user "u" in PATH (kubeconfig ...)', for messages
};

// What an HTTP status other than 200 means, for a target URL or through the API server; `peer`
// is what answers there ("node-exporter" or "kubelet"); `location` is a redirect's Location
// header (shown redacted: redirects are not followed).
std::string status_error(const Target& target, long status, const std::string& body, bool via_apiserver,
                         const std::string& peer = "node-exporter", const std::string& location = "");

// Through the API server a 401 refuses the kubeconfig's user, so every node would be refused
// alike: the run ends (exit 2) with this message instead of one error line per node.
std::string credentials_rejected(const Target& target, const std::string& body, const std::string& credentials_of);

// Scrapes targets[i] for every i in `which`, calling on_result once per target as it finishes.
// `fetcher` is built with options.http (kAcceptHeader among its headers) and reused between
// sweeps (its connections stay open). Through the API server, a 401 ends the sweep with an
// Error (exit 2) once the transfers in flight are done; the outcomes after it are dropped.
template <typename Sample, typename Collector>
void scrape_sweep(const std::vector<Target>& targets, const std::vector<size_t>& which, const ScrapeOptions& options,
                  http::MultiFetcher& fetcher,
                  const std::function<void(size_t target, ScrapeResultOf<Sample>&& result)>& on_result) {
  // Per transfer in flight: the sample being filled and the parser feeding it (reset on each
  // attempt), dropped as soon as the transfer is done.
  struct Slot {
    std::unique_ptr<Sample> sample;
    std::unique_ptr<prom::Parser> parser;
  };
  std::vector<Slot> slots(which.size());
  std::vector<http::Transfer> transfers(which.size());
  for (size_t k = 0; k < which.size(); ++k) {
    http::Transfer& t = transfers[k];
    t.request.url = targets[which[k]].url;
    Slot* slot = &slots[k];
    t.on_attempt = [slot] {
      slot->sample = std::make_unique<Sample>();
      slot->parser = std::make_unique<prom::Parser>(Collector(*slot->sample), "body");
      slot->parser->set_name_filter(&Collector::wants);
    };
    t.on_chunk = [slot](std::string_view chunk) { slot->parser->feed(chunk); };
  }

  std::string refused;  // the first 401 through the API server: nothing more is handed on
  fetcher.run(transfers, [&](size_t k) {
    http::Transfer& t = transfers[k];
    Slot& slot = slots[k];
    const Target& target = targets[which[k]];
    if (options.via_apiserver && t.ok && t.response.status == 401 && refused.empty())
      refused = credentials_rejected(target, t.response.body, options.credentials_of);
    if (!refused.empty()) {
      slot = Slot{};
      t = http::Transfer{};
      return;
    }
    ScrapeResultOf<Sample> result;
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
      result.error = status_error(target, t.response.status, t.response.body, options.via_apiserver, options.peer,
                                  t.response.header("location"));
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
  if (!refused.empty()) throw Error(refused, kExitUsage);
}

}  // namespace sf::scrape
