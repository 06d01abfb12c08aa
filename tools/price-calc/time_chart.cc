#include "price-calc/time_chart.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "price-calc/format_html.h"
#include "price-calc/format_table.h"

namespace sf::pc {
namespace {

// Tableau 10, then greys: distinguishable, and fine on paper.
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#8cd17d"};
const char* const kOtherColor = "#79706e";
const char* const kIdleColor = "#d7d2cc";

// A round step for the cost axis: 1, 2 or 5 times a power of ten, about `ticks` of them.
double nice_step(double max, int ticks) {
  if (!(max > 0)) return 1;
  const double raw = max / ticks;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string day_label(Clock::time_point t, Step step) {
  const std::string s = format_rfc3339(t);  // 2026-11-26T07:00:00Z
  return step == Step::kDay ? s.substr(5, 5) : s.substr(5, 5) + " " + s.substr(11, 5);
}

}  // namespace

Step parse_step(std::string_view text) {
  if (text == "day") return Step::kDay;
  if (text == "hour") return Step::kHour;
  throw UsageError(cat("--step '", printable(text, 20), "': use day or hour"));
}

Clock::time_point TimeChart::bucket(Clock::time_point t) const {
  const auto unit = step_ == Step::kDay ? std::chrono::hours(24) : std::chrono::hours(1);
  return Clock::time_point(std::chrono::floor<std::chrono::hours>(t.time_since_epoch()) / unit * unit);
}

void TimeChart::add(Clock::time_point start, const std::string& series, double cost) {
  buckets_[bucket(start)][series] += cost;
  totals_[series] += cost;
}

void TimeChart::add_idle(Clock::time_point start, double cost) {
  buckets_[bucket(start)];  // the bucket exists even when only idle
  idle_[bucket(start)] += cost;
}

std::string TimeChart::html(const std::string& currency, std::string_view what, size_t max_series) const {
  if (buckets_.empty()) return "";
  // The costliest series get a colour each; the rest are "other".
  std::vector<std::pair<std::string, double>> ranked(totals_.begin(), totals_.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const size_t named = std::min(ranked.size(), std::min(max_series, std::size(kPalette)));
  const bool other = ranked.size() > named;
  std::map<std::string, size_t> colour;
  for (size_t i = 0; i < named; ++i) colour[ranked[i].first] = i;

  // Every bucket from the first to the last, empty ones included: the axis is time.
  const auto unit = step_ == Step::kDay ? std::chrono::hours(24) : std::chrono::hours(1);
  std::vector<Clock::time_point> axis;
  for (Clock::time_point t = buckets_.begin()->first; t <= buckets_.rbegin()->first; t += unit) axis.push_back(t);
  double top = 0, bottom = 0;
  for (const auto& t : axis) {
    double up = 0, down = 0;
    if (const auto b = buckets_.find(t); b != buckets_.end())
      for (const auto& [s, v] : b->second) (v >= 0 ? up : down) += v;
    if (const auto i = idle_.find(t); i != idle_.end()) (i->second >= 0 ? up : down) += i->second;
    top = std::max(top, up);
    bottom = std::min(bottom, down);
  }
  const double step = nice_step(top - bottom, 5);
  top = std::ceil(top / step) * step;
  bottom = std::floor(bottom / step) * step;
  if (top == bottom) top = bottom + step;
  const std::vector<double> tick_values = [&] {
    std::vector<double> v;
    for (double y = bottom; y <= top + step / 2; y += step) v.push_back(y);
    return v;
  }();
  std::vector<double> for_decimals(tick_values.begin(), tick_values.end());
  const int decimals = money_decimals(for_decimals, 0, 6);

  const int left = 80, right = 16, height = 320, plot_top = 12, plot_bottom = 264;
  const int bar_slot = std::max(6, std::min(40, 900 / static_cast<int>(axis.size())));
  const int width = left + right + bar_slot * static_cast<int>(axis.size());
  const double scale = (plot_bottom - plot_top) / (top - bottom);
  auto y_of = [&](double v) { return plot_bottom - (v - bottom) * scale; };

  std::string svg = cat("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"cost-over-time\" width=\"", width,
                        "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ", height,
                        "\" role=\"img\" aria-label=\"cost per ", step_ == Step::kDay ? "day" : "hour", " by ", what,
                        ", idle on top\">\n");
  for (double v : tick_values) {
    const double y = y_of(v);
    svg += cat("<line x1=\"", left, "\" x2=\"", width - right, "\" y1=\"", format_fixed(y, 1), "\" y2=\"",
               format_fixed(y, 1), "\" stroke=\"#e6e6e6\"/>\n<text x=\"", left - 6, "\" y=\"", format_fixed(y + 4, 1),
               "\" text-anchor=\"end\" class=\"tick\">", format_fixed(v, decimals), "</text>\n");
  }
  // A label every few bars, so that labels (about 45 px, 80 px with the hour) do not overlap.
  const int label_px = step_ == Step::kDay ? 48 : 84;
  const size_t label_every = static_cast<size_t>(std::max(1, (label_px + bar_slot - 1) / bar_slot));
  for (size_t k = 0; k < axis.size(); ++k) {
    const int x = left + static_cast<int>(k) * bar_slot;
    const int bw = std::max(2, bar_slot - 2);
    double up = 0, down = 0;
    auto band = [&](double v, const char* color, const std::string& name) {
      if (v == 0) return;
      double& base = v >= 0 ? up : down;
      const double y0 = y_of(base), y1 = y_of(base + v);
      base += v;
      svg += cat("<rect x=\"", x + 1, "\" y=\"", format_fixed(std::min(y0, y1), 2), "\" width=\"", bw, "\" height=\"",
                 format_fixed(std::max(0.5, std::fabs(y1 - y0)), 2), "\" fill=\"", color, "\" class=\"band\" data-series=\"",
                 html_escape(name), "\"><title>", day_label(axis[k], step_), " ", html_escape(name), ": ",
                 format_fixed(v, decimals + 2), " ", html_escape(currency), "</title></rect>\n");
    };
    if (const auto b = buckets_.find(axis[k]); b != buckets_.end()) {
      double rest = 0;
      for (const auto& [name, v] : b->second) {
        const auto c = colour.find(name);
        if (c == colour.end()) rest += v;
      }
      for (size_t i = 0; i < named; ++i) {
        const auto it = b->second.find(ranked[i].first);
        if (it != b->second.end()) band(it->second, kPalette[i], ranked[i].first);
      }
      if (other) band(rest, kOtherColor, "other");
    }
    if (const auto i = idle_.find(axis[k]); i != idle_.end()) band(i->second, kIdleColor, "idle");
    if (k % label_every == 0)
      svg += cat("<text x=\"", x + bar_slot / 2, "\" y=\"", plot_bottom + 16, "\" text-anchor=\"middle\" class=\"tick\">",
                 day_label(axis[k], step_), "</text>\n");
  }
  svg += cat("<line x1=\"", left, "\" x2=\"", width - right, "\" y1=\"", format_fixed(y_of(0), 1), "\" y2=\"",
             format_fixed(y_of(0), 1), "\" stroke=\"#999\"/>\n</svg>\n");

  std::string h = cat("<h2>Cost per ", step_ == Step::kDay ? "day" : "hour", " by ", what, " (", html_escape(currency),
                      "), idle on top</h2>\n");
  h += "<p class=\"legend\" id=\"time-legend\">";
  for (size_t i = 0; i < named; ++i)
    h += cat("<span><i style=\"background:", kPalette[i], "\"></i>", html_escape(printable(ranked[i].first, 60)), "</span>");
  if (other) h += cat("<span><i style=\"background:", kOtherColor, "\"></i>other (", ranked.size() - named, ")</span>");
  if (!idle_.empty()) h += cat("<span><i style=\"background:", kIdleColor, "\"></i>idle</span>");
  h += "</p>\n<div class=\"wide\">" + svg + "</div>\n";
  return h;
}

}  // namespace sf::pc
