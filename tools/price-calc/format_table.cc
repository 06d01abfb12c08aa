#include "price-calc/format_table.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace sf::pc {
namespace {

struct Line {
  std::vector<std::string> cells;
  bool rule_before = false;
};

std::string percent(const std::optional<double>& v) {
  return v ? format_fixed(*v * 100, 0) + "%" : std::string("n/a");
}

class TableSink : public BufferedSink {
 public:
  TableSink(std::FILE* out, SinkOptions options) : out_(out), options_(std::move(options)) {}
  void finish(const Totals& t) override;

 private:
  std::FILE* out_;
  SinkOptions options_;
};

void TableSink::finish(const Totals& t) {
  std::vector<double> window_money, monthly;
  for (const CostRow& r : rows_) {
    for (double v : {r.cpu_cost, r.ram_cost, r.gpu_cost, r.storage_cost, r.total_cost, r.idle_cost})
      window_money.push_back(v);
    monthly.push_back(r.monthly_cost);
  }
  const int d = money_decimals(window_money);
  const int dm = money_decimals(monthly, 2, 4);
  const std::string cur = t.currency.empty() ? std::string() : " " + t.currency;

  const std::vector<std::string> header = {
      "NODE", "HOURS", "CORES", "BUSY", "MEMORY", "MEM USED", "CPU" + cur, "RAM" + cur, "GPU" + cur,
      "DISK" + cur, "TOTAL" + cur, "IDLE" + cur, "EFF", "MONTHLY" + cur};
  std::vector<Line> lines;
  lines.push_back({header, false});
  for (const CostRow& r : rows_) {
    lines.push_back({{r.node + (r.spot ? " (spot)" : ""), format_fixed(r.hours, 4), format_number(r.cpu_cores),
                      r.cpu_usage_known ? format_fixed(r.cpu_busy_cores, 2) : "n/a", format_bytes(r.memory_bytes),
                      format_bytes(r.memory_used_bytes), format_fixed(r.cpu_cost, d), format_fixed(r.ram_cost, d),
                      format_fixed(r.gpu_cost, d), format_fixed(r.storage_cost, d), format_fixed(r.total_cost, d),
                      format_fixed(r.idle_cost, d), percent(r.total_efficiency), format_fixed(r.monthly_cost, dm)},
                     false});
  }
  if (!rows_.empty()) {
    lines.push_back({{cat("TOTAL (", t.nodes(), t.nodes() == 1 ? " node)" : " nodes)"), format_fixed(t.hours, 4), "",
                      "", "", "", format_fixed(t.cpu_cost, d), format_fixed(t.ram_cost, d), format_fixed(t.gpu_cost, d),
                      format_fixed(t.storage_cost, d), format_fixed(t.total_cost, d), format_fixed(t.idle_cost, d),
                      percent(t.total_efficiency()), format_fixed(t.monthly(), dm)},
                     true});
  }
  std::vector<size_t> width(header.size(), 0);
  for (const Line& l : lines)
    for (size_t i = 0; i < l.cells.size(); ++i) width[i] = std::max(width[i], l.cells[i].size());

  std::string out;
  if (!t.currency.empty() || !rows_.empty())
    out += cat("Costs in ", t.currency.empty() ? "-" : t.currency,
               " over each window (CPU and RAM after discounts); MONTHLY = hourly rate x 730 h",
               options_.source_note.empty() ? "" : "; " + options_.source_note, "\n");
  for (size_t li = 0; li < lines.size(); ++li) {
    const Line& l = lines[li];
    if (l.rule_before) {
      size_t total = 0;
      for (size_t w : width) total += w + 2;
      out += std::string(total - 2, '-') + "\n";
    }
    std::string text;
    for (size_t i = 0; i < l.cells.size(); ++i) {
      const std::string& c = l.cells[i];
      const size_t pad = width[i] - c.size();
      if (i == 0) text += c + std::string(pad, ' ');
      else text += "  " + std::string(pad, ' ') + c;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (li == 0 && options_.color) text = "\033[1m" + text + "\033[0m";
    out += text + "\n";
  }
  if (rows_.empty() && failed_.empty()) out += "(no node_usage lines)\n";
  if (!rows_.empty()) {
    out += cat("Projection for these ", t.nodes(), " node(s): ", format_fixed(t.hourly(), 4), cur, "/hour, ",
               format_fixed(t.daily(), 2), cur, "/day, ", format_fixed(t.monthly(), 2), cur, "/month (730 h)\n");
  }
  for (const Unpriced& u : failed_) out += cat("UNPRICED ", u.node, ": ", u.error, "\n");
  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
}

}  // namespace

int money_decimals(const std::vector<double>& values, int lo, int hi) {
  double smallest = 0;
  for (double v : values) {
    const double a = std::fabs(v);
    if (a > 0 && (smallest == 0 || a < smallest)) smallest = a;
  }
  if (smallest == 0) return lo;
  const int needed = static_cast<int>(std::ceil(-std::log10(smallest))) + 1;
  return std::clamp(needed, lo, hi);
}

std::unique_ptr<Sink> make_table_sink(std::FILE* out, const SinkOptions& options) {
  return std::make_unique<TableSink>(out, options);
}

}  // namespace sf::pc
