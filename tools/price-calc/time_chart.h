// Cost over time, for `price-calc report -f html`: one stacked bar per day (or hour) of the
// ledger, a band per series (nodes, or namespaces for an allocation ledger: the costliest few,
// the others as one), idle on top, with a time axis and a cost axis. An SVG (no scripts), sized
// by its viewBox so it stays inside the page.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/time_util.h"

namespace sf::pc {

enum class Step { kDay, kHour };
Step parse_step(std::string_view text);  // "day" | "hour"; UsageError otherwise

class TimeChart {
 public:
  explicit TimeChart(Step step) : step_(step) {}
  // A cost of `series` in the bucket holding `start` (a window is counted where it starts).
  void add(Clock::time_point start, const std::string& series, double cost);
  void add_idle(Clock::time_point start, double cost);
  bool empty() const { return buckets_.empty(); }
  size_t buckets() const { return buckets_.size(); }

  // The figure (a heading, a legend and the SVG); `what` names the series ("node", "namespace").
  std::string html(const std::string& currency, std::string_view what, size_t max_series = 12) const;

 private:
  Clock::time_point bucket(Clock::time_point t) const;
  Step step_;
  std::map<Clock::time_point, std::map<std::string, double>> buckets_;  // bucket -> series -> cost
  std::map<Clock::time_point, double> idle_;
  std::map<std::string, double> totals_;
};

}  // namespace sf::pc
