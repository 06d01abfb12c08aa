#include "price-calc/format_table.h"

#include <algorithm>
#include <cmath>

#include "common/redact.h"
#include "common/strings.h"

namespace sf::pc {
namespace {

struct Line {
  std::vector<std::string> cells;
  bool rule_before = false;
};

// The columns: a row field each, and its title (money columns get the currency appended).
struct Column {
  const char* field;
  const char* title;
};
const Column kColumns[] = {
    {"node", "NODE"},          {"hours", "HOURS"},      {"cpu_cores", "CORES"},      {"cpu_busy_cores", "BUSY"},
    {"memory_bytes", "MEMORY"}, {"memory_used_bytes", "MEM USED"}, {"cpu_cost", "CPU"},  {"ram_cost", "RAM"},
    {"gpu_cost", "GPU"},       {"storage_cost", "DISK"}, {"total_cost", "TOTAL"},     {"idle_cost", "IDLE"},
    {"total_efficiency", "EFF"}, {"monthly_cost", "MONTHLY"}};

std::string percent(const std::optional<double>& v) {
  return v ? format_fixed(*v * 100, 0) + "%" : std::string("n/a");
}

class TableSink : public BufferedSink {
 public:
  TableSink(Output& out, SinkOptions options) : out_(out), options_(std::move(options)) {}
  void finish(const Totals& t) override;

 private:
  Output& out_;
  SinkOptions options_;
};

void TableSink::finish(const Totals& t) {
  std::vector<double> window_money, monthly;
  for (const CostRow& r : rows_) {
    for (const Column& c : kColumns) {
      const RowField& f = row_field(c.field);
      if (f.unit != Unit::kMoney) continue;
      (f.name == "monthly_cost" ? monthly : window_money).push_back(*number_of(f, r));
    }
  }
  DisplayStyle window{money_decimals(window_money), 0, "%"};
  DisplayStyle month{money_decimals(monthly, 2, 4), 0, "%"};
  const std::string cur = t.currency.empty() ? std::string() : " " + t.currency;

  std::vector<std::string> header;
  for (const Column& c : kColumns)
    header.push_back(row_field(c.field).unit == Unit::kMoney ? c.title + cur : std::string(c.title));
  std::vector<Line> lines;
  lines.push_back({header, false});
  for (const CostRow& r : rows_) {
    Line line;
    for (const Column& c : kColumns) {
      const RowField& f = row_field(c.field);
      std::string cell = display(f, r, f.name == "monthly_cost" ? month : window);
      if (f.name == "node" && r.spot) cell += " (spot)";
      line.cells.push_back(std::move(cell));
    }
    lines.push_back(std::move(line));
  }
  if (!rows_.empty()) {
    const int d = window.money_decimals, dm = month.money_decimals;
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
  if (rows_.empty() && failed_.empty() && invalid_.empty()) out += "(no node_usage lines)\n";
  if (!rows_.empty()) {
    out += cat("Projection for these ", t.nodes(), " node(s): ", format_fixed(t.hourly(), 4), cur, "/hour, ",
               format_fixed(t.daily(), 2), cur, "/day, ", format_fixed(t.monthly(), 2), cur, "/month (730 h)\n");
  }
  for (const CostRow& u : failed_) out += cat("UNPRICED ", u.node, ": ", printable(u.error, 300), "\n");
  for (const InvalidLine& bad : invalid_) out += cat("INVALID ", bad.where, ": ", bad.message, "\n");
  if (t.invalid > invalid_.size()) out += cat("... and ", t.invalid - invalid_.size(), " more invalid lines\n");
  out_.write(out);
  out_.flush();
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

std::unique_ptr<Sink> make_table_sink(Output& out, const SinkOptions& options) {
  return std::make_unique<TableSink>(out, options);
}

}  // namespace sf::pc
