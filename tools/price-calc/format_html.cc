#include "price-calc/format_html.h"

#include <algorithm>
#include <map>

#include "common/strings.h"
#include "price-calc/format_table.h"

namespace sf::pc {
namespace {

constexpr size_t kMaxBars = 50;
const char* const kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2"};  // CPU RAM GPU storage
const char* const kUsedColor = "#59a14f";
const char* const kIdleColor = "#bab0ac";

struct NodeBar {
  std::string node;
  double parts[4] = {0, 0, 0, 0};  // cpu ram gpu storage
  double used = 0;
  double idle = 0;
  double total() const { return parts[0] + parts[1] + parts[2] + parts[3]; }
};

std::string pct(const std::optional<double>& v) { return v ? format_fixed(*v * 100, 1) + " %" : "n/a"; }

class HtmlSink : public BufferedSink {
 public:
  HtmlSink(Output& out, SinkOptions options) : out_(out), options_(std::move(options)) {}
  void finish(const Totals& t) override;
  void set_chart(std::string html) override { options_.chart_html = std::move(html); }

 private:
  std::string chart(const std::vector<NodeBar>& bars, bool by_resource, const std::string& unit, int decimals) const;

  Output& out_;
  SinkOptions options_;
};

std::string HtmlSink::chart(const std::vector<NodeBar>& bars, bool by_resource, const std::string& unit,
                            int decimals) const {
  const int label_w = 180, bar_w = 520, value_w = 120, row_h = 22, top = 8;
  double max = 0;
  for (const NodeBar& b : bars) max = std::max(max, b.total());
  const int height = top + static_cast<int>(bars.size()) * row_h + 8;
  std::string svg = cat("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"", label_w + bar_w + value_w,
                        "\" height=\"", height, "\" role=\"img\" aria-label=\"",
                        by_resource ? "cost per node by resource" : "used and idle cost per node", "\">\n");
  int y = top;
  for (const NodeBar& b : bars) {
    svg += cat("<text x=\"", label_w - 8, "\" y=\"", y + 14, "\" text-anchor=\"end\" class=\"node-name\">",
               html_escape(b.node), "</text>\n");
    double x = label_w;
    const double values_resource[4] = {b.parts[0], b.parts[1], b.parts[2], b.parts[3]};
    const double values_used[2] = {b.used, b.idle};
    const double* values = by_resource ? values_resource : values_used;
    const size_t count = by_resource ? 4 : 2;
    static const char* const resource_names[] = {"CPU", "RAM", "GPU", "Storage"};
    static const char* const use_names[] = {"used", "idle"};
    for (size_t i = 0; i < count; ++i) {
      if (values[i] <= 0 || max <= 0) continue;
      const double w = values[i] / max * bar_w;
      const char* color = by_resource ? kColors[i] : (i == 0 ? kUsedColor : kIdleColor);
      const char* name = by_resource ? resource_names[i] : use_names[i];
      svg += cat("<rect x=\"", format_fixed(x, 2), "\" y=\"", y + 2, "\" width=\"", format_fixed(std::max(w, 0.5), 2),
                 "\" height=\"", row_h - 6, "\" fill=\"", color, "\"><title>", html_escape(b.node), " ", name, ": ",
                 format_fixed(values[i], decimals), unit, "</title></rect>\n");
      x += w;
    }
    svg += cat("<text x=\"", format_fixed(x + 6, 2), "\" y=\"", y + 14, "\" class=\"value\">",
               format_fixed(b.total(), decimals), "</text>\n");
    y += row_h;
  }
  svg += "</svg>\n";
  return svg;
}

void HtmlSink::finish(const Totals& t) {
  // One bar per node: its windows summed; window costs, or hourly rates when every window is
  // zero-length (single-sample scrapes).
  const bool rates = t.hours <= 0;
  std::map<std::string, NodeBar> by_node;
  for (const CostRow& r : rows_) {
    NodeBar& b = by_node[r.node];
    b.node = r.node;
    if (rates) {
      b.parts[0] += r.cpu_hourly;
      b.parts[1] += r.ram_hourly;
      b.parts[2] += r.gpu_hourly;
      b.parts[3] += r.storage_hourly;
      const double cpu_u = r.cpu_usage_known() && r.cpu_cores > 0 ? std::min(1.0, r.busy_cores() / r.cpu_cores) : 0;
      const double ram_u = r.memory_bytes > 0 ? std::min(1.0, r.memory_used_bytes / r.memory_bytes) : 0;
      const double fs_u = r.filesystem_bytes > 0 ? std::min(1.0, r.filesystem_used_bytes / r.filesystem_bytes) : 0;
      const double used = r.cpu_hourly * cpu_u + r.ram_hourly * ram_u + r.storage_hourly * fs_u;
      b.used += used;
      b.idle += r.hourly_cost - used;
    } else {
      b.parts[0] += r.cpu_cost;
      b.parts[1] += r.ram_cost;
      b.parts[2] += r.gpu_cost;
      b.parts[3] += r.storage_cost;
      b.used += r.used_cost;
      b.idle += r.idle_cost;
    }
  }
  std::vector<NodeBar> bars;
  for (auto& [name, bar] : by_node) bars.push_back(bar);
  std::stable_sort(bars.begin(), bars.end(), [](const NodeBar& a, const NodeBar& b) { return a.total() > b.total(); });
  const size_t node_count = bars.size();
  if (bars.size() > kMaxBars) bars.resize(kMaxBars);

  std::vector<double> money;
  for (const CostRow& r : rows_)
    for (double v : {r.cpu_cost, r.ram_cost, r.gpu_cost, r.storage_cost, r.total_cost, r.idle_cost}) money.push_back(v);
  const int d = money_decimals(money);
  std::vector<double> bar_values;
  for (const NodeBar& b : bars) bar_values.push_back(b.total());
  const int bd = money_decimals(bar_values);
  const std::string cur = html_escape(t.currency);
  const std::string unit = rates ? " " + t.currency + "/h" : " " + t.currency;

  std::string h = html_page_start(options_.title);
  h += cat("<h1>", html_escape(options_.title), "</h1>\n");
  h += cat("<p class=\"meta\">", t.priced > 0 ? cat("Windows from ", html_escape(t.first_start), " to ",
                                                     html_escape(t.last_end)) : std::string("No priced windows"),
           " &middot; currency ", cur.empty() ? "-" : cur,
           options_.source_note.empty() ? "" : " &middot; " + html_escape(options_.source_note),
           "</p>\n");

  auto card = [&](const char* id, const char* label, const std::string& figure) {
    h += cat("<div class=\"card\"><div class=\"label\">", label, "</div><div class=\"figure\" id=\"", id, "\">", figure,
             "</div></div>\n");
  };
  h += "<section class=\"cards\">\n";
  card("total-cost", "Total cost", cat(format_fixed(t.total_cost, d), " ", cur));
  card("idle-cost", "Idle cost", cat(format_fixed(t.idle_cost, d), " ", cur));
  card("efficiency", "Efficiency", pct(t.total_efficiency()));
  card("hourly", "Per hour", cat(format_fixed(t.hourly(), 4), " ", cur));
  card("monthly", "Per month (730 h)", cat(format_fixed(t.monthly(), 2), " ", cur));
  card("nodes", "Nodes", cat(t.nodes(), t.unpriced > 0 ? cat(" (+", t.unpriced, " unpriced)") : std::string(),
                             t.invalid > 0 ? cat(" (+", t.invalid, " invalid lines)") : std::string()));
  h += "</section>\n";

  if (!options_.chart_html.empty()) {
    h += options_.chart_html;  // over time: per-node bars of a report would all look alike
  } else if (!bars.empty()) {
    const std::string basis = rates ? " (hourly rates: every window is zero-length)" : "";
    const std::string more = node_count > bars.size() ? cat(" &middot; the ", bars.size(), " costliest of ", node_count, " nodes") : "";
    h += cat("<h2>Cost per node by resource", basis, more, "</h2>\n");
    h += "<p class=\"legend\">";
    static const char* const names[] = {"CPU", "RAM", "GPU", "Storage"};
    for (int i = 0; i < 4; ++i) h += cat("<span><i style=\"background:", kColors[i], "\"></i>", names[i], "</span>");
    h += "</p>\n";
    h += chart(bars, true, unit, bd);
    h += cat("<h2>Used and idle cost per node", basis, more, "</h2>\n");
    h += cat("<p class=\"legend\"><span><i style=\"background:", kUsedColor, "\"></i>used</span><span><i style=\"background:",
             kIdleColor, "\"></i>idle</span></p>\n");
    h += chart(bars, false, unit, bd);
  }

  // The node table: row fields of the one table (cost_row.h), a column each.
  struct Column {
    const char* field;
    const char* title;
  };
  static const Column columns[] = {
      {"node", "Node"},          {"window_start", "Window start"}, {"hours", "Hours"},    {"cpu_cores", "Cores"},
      {"cpu_busy_cores", "Busy"}, {"memory_bytes", "Memory"},       {"memory_used_bytes", "Mem used"},
      {"cpu_cost", "CPU"},       {"ram_cost", "RAM"},              {"gpu_cost", "GPU"},    {"storage_cost", "Storage"},
      {"total_cost", "Total"},   {"idle_cost", "Idle"},            {"total_efficiency", "Efficiency"},
      {"monthly_cost", "Monthly"}};
  const DisplayStyle window_style{d, 1, " %"}, month_style{2, 1, " %"};
  h += "<h2>Nodes</h2>\n<div class=\"wide\"><table id=\"node-table\">\n<thead><tr>";
  for (const Column& c : columns)
    h += row_field(c.field).unit == Unit::kMoney ? cat("<th>", c.title, " (", cur, ")</th>") : cat("<th>", c.title, "</th>");
  h += "</tr></thead>\n<tbody>\n";
  for (const CostRow& r : rows_) {
    h += "<tr>";
    for (const Column& c : columns) {
      const RowField& f = row_field(c.field);
      const std::string value = display(f, r, f.name == "monthly_cost" ? month_style : window_style);
      if (f.name == "node") h += cat("<td class=\"node\">", html_escape(value), r.spot ? " (spot)" : "", "</td>");
      else if (f.unit == Unit::kText) h += cat("<td>", html_escape(value), "</td>");
      else h += cat("<td class=\"num\">", html_escape(value), "</td>");
    }
    h += "</tr>\n";
  }
  h += "</tbody>\n";
  if (!rows_.empty()) {
    h += cat("<tfoot><tr class=\"total\"><td>Total</td><td></td><td class=\"num\">", format_fixed(t.hours, 4),
             "</td><td></td><td></td><td></td><td></td>");
    for (double v : {t.cpu_cost, t.ram_cost, t.gpu_cost, t.storage_cost, t.total_cost, t.idle_cost})
      h += cat("<td class=\"num\">", format_fixed(v, d), "</td>");
    h += cat("<td class=\"num\">", pct(t.total_efficiency()), "</td><td class=\"num\" id=\"total-monthly\">",
             format_fixed(t.monthly(), 2), "</td></tr></tfoot>\n");
  }
  h += "</table></div>\n";
  if (!failed_.empty()) {
    h += "<h2 class=\"error\">Unpriced nodes</h2>\n<ul id=\"unpriced\">\n";
    for (const CostRow& u : failed_)
      h += cat("<li><span class=\"node\">", html_escape(u.node), "</span>: <span class=\"error\">", html_escape(u.error),
               "</span></li>\n");
    h += "</ul>\n";
  }
  if (!invalid_.empty()) {
    h += "<h2 class=\"error\">Lines that could not be read</h2>\n<ul id=\"invalid\">\n";
    for (const InvalidLine& bad : invalid_)
      h += cat("<li><span class=\"where\">", html_escape(bad.where), "</span>: <span class=\"error\">",
               html_escape(bad.message), "</span></li>\n");
    if (t.invalid > invalid_.size()) h += cat("<li>... and ", t.invalid - invalid_.size(), " more</li>\n");
    h += "</ul>\n";
  }
  h += html_page_end(
      "CPU cost = cores &times; CPU price &times; hours &times; (1 &minus; discount); RAM cost = bytes / "
      "1024<sup>3</sup> &times; RAM price &times; hours &times; (1 &minus; discount); GPU cost = GPUs &times; GPU price "
      "&times; hours; idle = total &minus; used; monthly = hourly &times; 730 h (OpenCost's model).");
  out_.write(h);
  out_.flush();
}

}  // namespace

std::string html_page_start(const std::string& title) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += cat("<title>", html_escape(title), "</title>\n");
  h += "<style>\n"
       "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;background:#fff}\n"
       "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\n"
       ".meta{color:#666;margin:0 0 16px}\n"
       ".cards{display:flex;flex-wrap:wrap;gap:12px}\n"
       ".card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}\n"
       ".card .label{color:#666;font-size:12px;text-transform:uppercase;letter-spacing:.04em}\n"
       ".card .figure{font-size:20px;font-weight:600}\n"
       ".wide{max-width:100%;overflow-x:auto}\n"
       "table{border-collapse:collapse;margin-top:8px;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;"
       "white-space:nowrap}\n"
       "th{text-align:left;background:#f6f6f6}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
       "tr.total td{font-weight:600;border-top:2px solid #999}\n"
       ".legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;"
       "margin-right:5px;vertical-align:-1px}\n"
       "svg{max-width:100%;height:auto}svg text{font-size:12px;fill:#333}.error{color:#b00020}\n"
       "footer{margin-top:28px;color:#666;font-size:12px}\n"
       "</style>\n</head>\n<body>\n";
  return h;
}

std::string html_page_end(const std::string& footer_html) {
  return cat("<footer>", footer_html, " Generated by price-calc.</footer>\n</body>\n</html>\n");
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::unique_ptr<Sink> make_html_sink(Output& out, const SinkOptions& options) {
  return std::make_unique<HtmlSink>(out, options);
}

}  // namespace sf::pc
