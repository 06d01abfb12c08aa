#include "scrape-nodes/pod_scrape.h"

#include <optional>

#include "common/contracts.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/pod_usage.h"
#include "common/redact.h"
#include "common/strings.h"
#include "scrape-nodes/kubelet_usage.h"
#include "scrape-nodes/sampling.h"

namespace sf::scrape {
namespace {

using Result = ScrapeResultOf<KubeletSample>;

// A node without figures: an error line of each kind, over the time it was tried.
NodeLines failure(const Target& target, Clock::time_point start, Clock::time_point end, const std::string& error) {
  NodeLines out;
  out.error = printable(error, 2000);
  NodeUsage node;
  node.node = target.node_name;
  node.source = redact_url(target.url);
  node.window_start = format_rfc3339(start, true);
  node.window_end = format_rfc3339(end, true);
  node.labels = target.labels;
  node.error = out.error;
  PodUsage pods;
  pods.node = node.node;
  pods.source = node.source;
  pods.window_start = node.window_start;
  pods.window_end = node.window_end;
  pods.error = out.error;
  out.lines = node_usage_json(node) + "\n" + pod_usage_json(pods) + "\n";
  return out;
}

NodeLines figures(const Target& target, const KubeletSample* first, const KubeletSample& last) {
  const Clock::time_point start = first != nullptr ? first->scraped_at : last.scraped_at;
  try {
    const KubeletUsage usage = kubelet_usage(target, first, last);
    NodeLines out;
    out.lines = node_usage_json(usage.node);
    out.lines += '\n';
    for (const PodUsage& c : usage.containers) {
      out.lines += pod_usage_json(c);
      out.lines += '\n';
    }
    out.containers = usage.containers.size();
    return out;
  } catch (const Error& e) {  // a value the contracts refuse, or a kubelet that reports none
    return failure(target, start, last.scraped_at, cat(redact_url(target.url), ": ", e.what()));
  }
}

}  // namespace

std::vector<NodeLines> scrape_pods(const std::vector<Target>& targets, ScrapeOptions options,
                                   std::chrono::milliseconds interval, bool once) {
  std::vector<NodeLines> out(targets.size());
  std::vector<std::optional<KubeletSample>> firsts(targets.size());
  options.peer = "kubelet";
  http::MultiFetcher fetcher(options.http, options.concurrency);
  log::Progress progress;
  progress.update(cat("scraping ", targets.size(), " kubelet(s)..."));
  const auto sweep_start = Clock::now();
  sample_twice<KubeletSample, KubeletCollector>(
      targets, options, fetcher, interval,
      [&](size_t i, Result&& r) {
        if (!r.sample) {
          out[i] = failure(targets[i], sweep_start, Clock::now(), r.error);
          return false;
        }
        if (once) {
          out[i] = figures(targets[i], nullptr, *r.sample);
          return false;
        }
        firsts[i] = std::move(r.sample);
        return true;
      },
      [&](size_t i, Result&& r) {
        out[i] = r.sample ? figures(targets[i], &*firsts[i], *r.sample)
                          : failure(targets[i], firsts[i]->scraped_at, Clock::now(), r.error);
        firsts[i].reset();
      },
      [&](size_t wanted, size_t total) {
        if (!once) progress.update(cat("first sample: ", wanted, "/", total, " kubelets ok; waiting..."));
      });
  progress.clear();
  return out;
}

}  // namespace sf::scrape
