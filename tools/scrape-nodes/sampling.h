// The schedule of two samples per target: one sweep of every target, then each target's second
// scrape `interval` after its own first one, in waves (every target whose interval has passed,
// then the next ones due), so a slow target's window is as long as a fast one's.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "scrape-nodes/scraper.h"

namespace sf::scrape {

// on_first gets every target's first outcome and says whether it wants a second sample (false
// for a failure, or with --once); on_second gets the second outcome of those that did.
// after_first(wanted, total) runs between the two (progress).
template <typename Sample, typename Collector>
void sample_twice(const std::vector<Target>& targets, const ScrapeOptions& options, http::MultiFetcher& fetcher,
                  std::chrono::milliseconds interval,
                  const std::function<bool(size_t, ScrapeResultOf<Sample>&&)>& on_first,
                  const std::function<void(size_t, ScrapeResultOf<Sample>&&)>& on_second,
                  const std::function<void(size_t wanted, size_t total)>& after_first = {}) {
  using Steady = std::chrono::steady_clock;
  std::vector<std::pair<Steady::time_point, size_t>> due;  // when each second scrape is due
  std::vector<size_t> all(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) all[i] = i;
  scrape_sweep<Sample, Collector>(targets, all, options, fetcher, [&](size_t i, ScrapeResultOf<Sample>&& r) {
    if (on_first(i, std::move(r))) due.emplace_back(Steady::now() + interval, i);
  });
  if (after_first) after_first(due.size(), targets.size());
  std::sort(due.begin(), due.end());
  size_t next = 0;
  std::vector<size_t> wave;
  while (next < due.size()) {
    std::this_thread::sleep_until(due[next].first);
    const auto now = Steady::now();
    wave.clear();
    while (next < due.size() && due[next].first <= now) wave.push_back(due[next++].second);
    scrape_sweep<Sample, Collector>(targets, wave, options, fetcher, on_second);
  }
}

}  // namespace sf::scrape
