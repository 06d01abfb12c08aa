#include "price-calc/alloc_formats.h"

#include <algorithm>
#include <cmath>

#include "common/csv.h"
#include "common/json_writer.h"
#include "common/redact.h"
#include "common/strings.h"
#include "price-calc/cost_model.h"
#include "price-calc/format_focus.h"
#include "price-calc/format_html.h"
#include "price-calc/format_table.h"

namespace sf::pc {
namespace {

struct Totals {
  double total = 0, allocated = 0, idle = 0, used = 0, cpu = 0, ram = 0, gpu = 0;
  double cpu_request = 0, cpu_usage = 0, ram_request = 0, ram_usage = 0, cpu_of_rows = 0, ram_of_rows = 0;
  std::string first_start, last_end, currency;
  Clock::time_point first{}, last{};
  size_t windows = 0;
};

Totals totals_of(const std::vector<AllocRow>& rows) {
  Totals t;
  std::vector<std::string> seen;
  for (const AllocRow& r : rows) {
    t.total += r.total_cost;
    t.idle += r.idle_cost;
    t.allocated += r.idle ? 0 : r.total_cost - r.idle_cost;
    t.used += r.used_cost;
    t.cpu += r.cpu_cost;
    t.ram += r.ram_cost;
    t.gpu += r.gpu_cost;
    if (!r.idle) {
      t.cpu_request += r.cpu_request_core_hours;
      t.cpu_usage += r.cpu_usage_core_hours;
      t.ram_request += r.ram_request_byte_hours;
      t.ram_usage += r.ram_usage_byte_hours;
      t.cpu_of_rows += r.cpu_cost;
      t.ram_of_rows += r.ram_cost;
    }
    if (t.first_start.empty() || r.start < t.first) {
      t.first = r.start;
      t.first_start = r.window_start;
    }
    if (t.last_end.empty() || r.end > t.last) {
      t.last = r.end;
      t.last_end = r.window_end;
    }
    if (std::find(seen.begin(), seen.end(), r.window_start) == seen.end()) seen.push_back(r.window_start);
    t.currency = r.currency;
  }
  t.windows = seen.size();
  return t;
}

// The efficiencies of the whole set, as OpenCost's rules over the summed resource-hours.
std::optional<double> efficiency(double usage, double request, double cost) {
  if (request > 0) return usage / request;
  return usage == 0 || cost == 0 ? 0.0 : 1.0;
}

std::optional<double> total_efficiency(const Totals& t) {
  const double cpu = *efficiency(t.cpu_usage, t.cpu_request, t.cpu_of_rows);
  const double ram = *efficiency(t.ram_usage, t.ram_request, t.ram_of_rows);
  const double cost = t.cpu_of_rows + t.ram_of_rows;
  return cost > 0 ? (cpu * t.cpu_of_rows + ram * t.ram_of_rows) / cost : 0.0;
}

void write_json(Output& out, const std::vector<AllocRow>& rows) {
  std::string line;
  for (const AllocRow& r : rows) {
    line.clear();
    append_alloc_json(line, r);
    line += '\n';
    out.write(line);
  }
}

void write_csv(Output& out, const std::vector<AllocRow>& rows) {
  std::vector<std::string> header;
  std::vector<const AllocField*> fields;
  for (const AllocField& f : alloc_fields())
    if (f.output) {
      header.emplace_back(f.name);
      fields.push_back(&f);
    }
  std::string text;
  csv::append_record(text, header);
  out.write(text);
  std::vector<std::string> cells;
  for (const AllocRow& r : rows) {
    cells.clear();
    for (const AllocField* f : fields) cells.push_back(cell_text(*f, r));
    text.clear();
    csv::append_record(text, cells);
    out.write(text);
  }
}

void write_summary(Output& out, const AllocationOutput& w) {
  const Totals t = totals_of(w.rows);
  const AllocationReport& r = w.report;
  std::string line;
  json::ObjectWriter o(line);
  o.text("kind", "allocation_summary");
  o.text("currency", t.currency);
  o.text("by", w.by);
  o.number("rows", static_cast<double>(w.rows.size()));
  o.number("windows", static_cast<double>(t.windows));
  o.text("window_start", t.first_start);
  o.text("window_end", t.last_end);
  o.number("total_cost", t.total);
  o.number("allocated_cost", t.allocated);
  o.number("idle_cost", t.idle);
  o.number("used_cost", t.used);
  o.number("cpu_cost", t.cpu);
  o.number("ram_cost", t.ram);
  o.number("gpu_cost", t.gpu);
  o.optional("cpu_efficiency", efficiency(t.cpu_usage, t.cpu_request, t.cpu_of_rows));
  o.optional("ram_efficiency", efficiency(t.ram_usage, t.ram_request, t.ram_of_rows));
  o.optional("total_efficiency", total_efficiency(t));
  struct Count {
    const char* name;
    size_t value;
  };
  for (const Count& c : {Count{"pods", r.pods}, Count{"usage_lines", r.usage_lines}, Count{"charged", r.charged},
                         Count{"nodes", r.nodes}, Count{"failed_nodes", r.failed_nodes},
                         Count{"unpriced_nodes", r.unpriced_nodes}, Count{"pending", r.pending},
                         Count{"not_running", r.not_running}, Count{"on_failed_nodes", r.on_failed_nodes},
                         Count{"without_pod", r.without_pod}, Count{"without_node", r.without_node},
                         Count{"ended", r.ended}, Count{"zero_window", r.zero_window}, Count{"cpu_unknown", r.cpu_unknown},
                         Count{"overcommitted", r.overcommitted}, Count{"invalid", r.invalid},
                         Count{"skipped", r.skipped}})
    o.number(c.name, static_cast<double>(c.value));
  o.close();
  line += '\n';
  out.write(line);
}

// ------------------------------------------------------------------------------ table

struct Column {
  const char* field;
  const char* title;
};
const Column kColumns[] = {{"name", "NAME"},          {"pods", "PODS"},         {"cpu_request_cores", "CPU REQ"},
                           {"cpu_usage_cores", "CPU USED"}, {"cpu_cores", "CPU"}, {"ram_request_bytes", "RAM REQ"},
                           {"ram_usage_bytes", "RAM USED"}, {"ram_bytes", "RAM"}, {"cpu_cost", "CPU"},
                           {"ram_cost", "RAM"},       {"gpu_cost", "GPU"},      {"idle_cost", "IDLE"},
                           {"total_cost", "TOTAL"},   {"total_efficiency", "EFF"}};

std::string aligned(const std::vector<std::vector<std::string>>& lines, size_t rule_before) {
  std::vector<size_t> width(lines.front().size(), 0);
  for (const auto& l : lines)
    for (size_t i = 0; i < l.size(); ++i) width[i] = std::max(width[i], l[i].size());
  std::string out;
  for (size_t li = 0; li < lines.size(); ++li) {
    if (li == rule_before) {
      size_t total = 0;
      for (size_t w : width) total += w + 2;
      out += std::string(total - 2, '-') + "\n";
    }
    std::string text;
    for (size_t i = 0; i < lines[li].size(); ++i) {
      const std::string& c = lines[li][i];
      const size_t pad = width[i] - c.size();
      text += i == 0 ? c + std::string(pad, ' ') : "  " + std::string(pad, ' ') + c;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

void write_table(Output& out, const AllocationOutput& w, const SinkOptions& options) {
  const Totals t = totals_of(w.rows);
  std::vector<double> money;
  for (const AllocRow& r : w.rows)
    for (double v : {r.cpu_cost, r.ram_cost, r.gpu_cost, r.idle_cost, r.total_cost}) money.push_back(v);
  const DisplayStyle style{money_decimals(money), 0, "%"};
  const std::string cur = t.currency.empty() ? std::string() : " " + t.currency;
  const bool many = t.windows > 1;
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> header;
  if (many) header.emplace_back("WINDOW");
  for (const Column& c : kColumns)
    header.push_back(alloc_field(c.field).unit == Unit::kMoney ? c.title + cur : std::string(c.title));
  lines.push_back(header);
  for (const AllocRow& r : w.rows) {
    std::vector<std::string> cells;
    if (many) cells.push_back(r.window_start);
    for (const Column& c : kColumns) cells.push_back(display(alloc_field(c.field), r, style));
    lines.push_back(std::move(cells));
  }
  const size_t rule = lines.size();
  if (!w.rows.empty()) {
    std::vector<std::string> total;
    if (many) total.emplace_back("");
    const int d = style.money_decimals;
    total.push_back(cat("TOTAL (", w.rows.size(), w.rows.size() == 1 ? " row)" : " rows)"));
    for (int i = 0; i < 7; ++i) total.emplace_back("");
    for (double v : {t.cpu, t.ram, t.gpu, t.idle, t.total}) total.push_back(format_fixed(v, d));
    const auto eff = total_efficiency(t);
    total.push_back(eff ? format_fixed(*eff * 100, 0) + "%" : "n/a");
    lines.push_back(std::move(total));
  }
  std::string text = cat("Cost allocation by ", w.by, ", in ", t.currency.empty() ? "-" : t.currency,
                         " (max(request, usage) per container at its node's prices; IDLE = node cost not allocated",
                         options.source_note.empty() ? "" : "; " + options.source_note, ")\n");
  if (w.rows.empty()) text += "(nothing allocated)\n";
  else text += aligned(lines, rule);
  for (const std::string& note : allocation_notes(w.report)) text += "NOTE " + note + "\n";
  for (const InvalidLine& bad : w.invalid) text += cat("INVALID ", bad.where, ": ", bad.message, "\n");
  out.write(text);
}

// ------------------------------------------------------------------------------ focus

const char* resource_type(const AllocRow& r) {
  if (r.idle) return "Kubernetes Idle Capacity";
  if (!r.pod.empty()) return "Kubernetes Pod";
  if (!r.controller.empty() || !r.controller_kind.empty()) return "Kubernetes Workload";
  if (!r.namespace_name.empty()) return "Kubernetes Namespace";
  if (!r.node.empty()) return "Kubernetes Node";
  return "Kubernetes Label Value";
}

void write_focus(Output& out, const std::vector<AllocRow>& rows, const SinkOptions& options) {
  std::string text;
  csv::append_record(text, focus_columns());
  out.write(text);
  for (const AllocRow& r : rows) {
    if (r.hours <= 0) continue;  // a charge needs a period
    for (const auto& record : alloc_focus_records(r, options)) {
      text.clear();
      csv::append_record(text, record);
      out.write(text);
    }
  }
}

// ------------------------------------------------------------------------------ html

const char* const kUsedColor = "#59a14f";
const char* const kReservedColor = "#f28e2b";
const char* const kIdleColor = "#bab0ac";
constexpr size_t kMaxBars = 50;

std::string bars(const std::vector<const AllocRow*>& shown, int decimals, const std::string& currency) {
  const int label_w = 260, bar_w = 520, value_w = 130, row_h = 22, top = 8;
  double max = 0;
  for (const AllocRow* r : shown) max = std::max(max, r->total_cost);
  std::string svg = cat("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"allocation-chart\" width=\"",
                        label_w + bar_w + value_w, "\" height=\"", top + static_cast<int>(shown.size()) * row_h + 8,
                        "\" viewBox=\"0 0 ", label_w + bar_w + value_w, " ",
                        top + static_cast<int>(shown.size()) * row_h + 8,
                        "\" role=\"img\" aria-label=\"cost per row: used, reserved but unused, idle\">\n");
  int y = top;
  for (const AllocRow* r : shown) {
    svg += cat("<text x=\"", label_w - 8, "\" y=\"", y + 14, "\" text-anchor=\"end\" class=\"row-name\">",
               html_escape(printable(r->name, 60)), "</text>\n");
    const double idle = r->idle_cost;
    const double used = r->idle ? 0 : r->used_cost;
    const double reserved = r->idle ? 0 : r->total_cost - r->used_cost - r->idle_cost;
    double x = label_w;
    struct Part {
      const char* what;
      const char* color;
      double value;
    };
    for (const Part& p : {Part{"used", kUsedColor, used}, Part{"reserved, unused", kReservedColor, reserved},
                          Part{"idle", kIdleColor, idle}}) {
      if (p.value <= 0 || max <= 0) continue;
      const double width = p.value / max * bar_w;
      svg += cat("<rect x=\"", format_fixed(x, 2), "\" y=\"", y + 2, "\" width=\"", format_fixed(std::max(width, 0.5), 2),
                 "\" height=\"", row_h - 6, "\" fill=\"", p.color, "\" class=\"part-", p.what[0] == 'u' ? "used" :
                 p.what[0] == 'r' ? "reserved" : "idle", "\"><title>", html_escape(r->name), " ", p.what, ": ",
                 format_fixed(p.value, decimals), " ", html_escape(currency), "</title></rect>\n");
      x += width;
    }
    svg += cat("<text x=\"", format_fixed(x + 6, 2), "\" y=\"", y + 14, "\" class=\"value\">",
               format_fixed(r->total_cost, decimals), r->total_cost < 0 ? " (negative: overcommitted)" : "", "</text>\n");
    y += row_h;
  }
  return svg + "</svg>\n";
}

void write_html(Output& out, const AllocationOutput& w, const SinkOptions& options) {
  const Totals t = totals_of(w.rows);
  std::vector<double> money;
  for (const AllocRow& r : w.rows) money.push_back(r.total_cost);
  const int d = money_decimals(money);
  const std::string cur = html_escape(t.currency);
  const std::string title = options.title == "Node costs" ? "Cost allocation" : options.title;
  std::string h = html_page_start(title);
  h += cat("<h1>", html_escape(title), "</h1>\n");
  h += cat("<p class=\"meta\">", w.rows.empty() ? std::string("Nothing allocated")
                                                 : cat("By ", html_escape(w.by), " &middot; windows from ",
                                                       html_escape(t.first_start), " to ", html_escape(t.last_end)),
           " &middot; currency ", cur.empty() ? "-" : cur,
           options.source_note.empty() ? "" : " &middot; " + html_escape(options.source_note), "</p>\n");
  auto card = [&](const char* id, const char* label, const std::string& figure) {
    h += cat("<div class=\"card\"><div class=\"label\">", label, "</div><div class=\"figure\" id=\"", id, "\">", figure,
             "</div></div>\n");
  };
  const auto eff = total_efficiency(t);
  h += "<section class=\"cards\">\n";
  card("total-cost", "Total cost", cat(format_fixed(t.total, d), " ", cur));
  card("allocated-cost", "Allocated", cat(format_fixed(t.allocated, d), " ", cur));
  card("idle-cost", "Idle", cat(format_fixed(t.idle, d), " ", cur));
  card("used-cost", "Used", cat(format_fixed(t.used, d), " ", cur));
  card("efficiency", "Efficiency", eff ? format_fixed(*eff * 100, 1) + " %" : "n/a");
  h += "</section>\n";

  h += options.chart_html;
  std::vector<const AllocRow*> shown;
  for (const AllocRow& r : w.rows) shown.push_back(&r);
  std::stable_sort(shown.begin(), shown.end(),
                   [](const AllocRow* a, const AllocRow* b) { return a->total_cost > b->total_cost; });
  const size_t count = shown.size();
  if (shown.size() > kMaxBars) shown.resize(kMaxBars);
  if (!shown.empty()) {
    h += cat("<h2>Cost by ", html_escape(w.by), ": used, reserved but unused, idle",
             count > shown.size() ? cat(" &middot; the ", shown.size(), " costliest of ", count, " rows") : "", "</h2>\n");
    h += cat("<p class=\"legend\"><span><i style=\"background:", kUsedColor, "\"></i>used</span><span><i style=\"background:",
             kReservedColor, "\"></i>reserved, unused (requested above usage)</span><span><i style=\"background:",
             kIdleColor, "\"></i>idle (node cost no container was charged)</span></p>\n");
    h += bars(shown, d, t.currency);
  }
  h += "<h2>Rows</h2>\n<div class=\"wide\"><table id=\"allocation-table\">\n<thead><tr>";
  const bool many = t.windows > 1;
  if (many) h += "<th>Window</th>";
  for (const Column& c : kColumns) {
    const AllocField& f = alloc_field(c.field);
    h += f.unit == Unit::kMoney ? cat("<th>", c.title, " (", cur, ")</th>") : cat("<th>", c.title, "</th>");
  }
  h += "</tr></thead>\n<tbody>\n";
  const DisplayStyle style{d, 1, " %"};
  for (const AllocRow& r : w.rows) {
    h += r.idle ? "<tr class=\"idle\">" : "<tr>";
    if (many) h += cat("<td>", html_escape(r.window_start), "</td>");
    for (const Column& c : kColumns) {
      const AllocField& f = alloc_field(c.field);
      const std::string v = html_escape(display(f, r, style));
      h += f.unit == Unit::kText ? cat("<td class=\"name\">", v, "</td>") : cat("<td class=\"num\">", v, "</td>");
    }
    h += "</tr>\n";
  }
  h += "</tbody>\n";
  if (!w.rows.empty())
    h += cat("<tfoot><tr class=\"total\"><td>Total</td>", many ? "<td></td>" : "",
             "<td></td><td></td><td></td><td></td><td></td><td></td><td></td>", "<td class=\"num\">",
             format_fixed(t.cpu, d), "</td><td class=\"num\">", format_fixed(t.ram, d), "</td><td class=\"num\">",
             format_fixed(t.gpu, d), "</td><td class=\"num\">", format_fixed(t.idle, d),
             "</td><td class=\"num\" id=\"table-total\">", format_fixed(t.total, d), "</td><td class=\"num\">",
             eff ? format_fixed(*eff * 100, 1) + " %" : "n/a", "</td></tr></tfoot>\n");
  h += "</table></div>\n";
  const auto notes = allocation_notes(w.report);
  if (!notes.empty()) {
    h += "<h2>Not allocated, or allocated by a fallback</h2>\n<ul id=\"notes\">\n";
    for (const std::string& n : notes) h += cat("<li>", html_escape(n), "</li>\n");
    h += "</ul>\n";
  }
  if (!w.invalid.empty()) {
    h += "<h2 class=\"error\">Lines that could not be read</h2>\n<ul id=\"invalid\">\n";
    for (const InvalidLine& bad : w.invalid)
      h += cat("<li><span class=\"where\">", html_escape(bad.where), "</span>: <span class=\"error\">",
               html_escape(bad.message), "</span></li>\n");
    h += "</ul>\n";
  }
  h += html_page_end(
      "Each container is charged max(request, usage) of CPU and RAM, and its GPU requests, at the prices of the node it "
      "ran on, for the time it ran; idle = node cost &minus; what its containers were charged (OpenCost's model).");
  out.write(h);
}

}  // namespace

std::string alloc_focus_tags(const AllocRow& r) {
  LabelList tags;
  auto tag = [&](const char* key, const std::string& value) {
    if (!value.empty()) tags.emplace_back(cat(kTagPrefix, key), value);
  };
  tag("namespace", r.namespace_name);
  tag("controller-kind", r.controller_kind);
  tag("controller", r.controller);
  tag("pod", r.pod);
  tag("node", r.node);
  if (r.idle) tags.emplace_back(cat(kTagPrefix, "idle"), "true");
  for (const auto& label : r.labels)
    if (label.first.rfind(kTagPrefix, 0) != 0) tags.push_back(label);  // ours win a clash
  return json::labels_json(tags);
}

std::vector<std::vector<std::string>> alloc_focus_records(const AllocRow& r, const SinkOptions& o) {
  struct Resource {
    const char* what;
    const char* unit;
    double quantity, cost, list_cost, used, idle;
    std::optional<double> utilisation;
  };
  const std::vector<Resource> resources = {
      {"CPU", "Core-Hours", r.cpu_core_hours, r.cpu_cost, r.cpu_list_cost, r.cpu_used_cost, r.cpu_idle_cost,
       r.cpu_efficiency},
      {"RAM", "GiB-Hours", r.ram_byte_hours / kGiB, r.ram_cost, r.ram_list_cost, r.ram_used_cost, r.ram_idle_cost,
       r.ram_efficiency},
      {"GPU", "GPU-Hours", r.gpu_hours, r.gpu_cost, r.gpu_cost, 0, r.gpu_idle_cost, std::nullopt},
  };
  const auto [period_start, period_end] = billing_month(r.start);
  const std::string tags = alloc_focus_tags(r);
  std::vector<std::vector<std::string>> records;
  for (const Resource& res : resources) {
    if (res.quantity == 0 && res.cost == 0) continue;
    auto per_unit = [&](double cost) { return res.quantity != 0 ? cost / res.quantity : 0.0; };
    const std::string description =
        r.idle ? cat("Idle ", res.what, r.node.empty() ? " of the cluster" : cat(" of node ", r.node), " for ",
                     format_fixed(r.hours, 6), " h: node cost no container was charged")
               : cat(res.what, " allocated to ", r.name, " for ", format_fixed(r.hours, 6), " h (max(request, usage)",
                     r.idle_cost != 0 ? ", shared idle included" : "", ")");
    const std::string n_cost = format_number(res.cost);
    records.push_back({
        n_cost,                                          // BilledCost
        o.account,                                       // BillingAccountId
        o.account,                                       // BillingAccountName
        r.currency,                                      // BillingCurrency
        focus_time(period_end),                          // BillingPeriodEnd
        focus_time(period_start),                        // BillingPeriodStart
        res.cost < 0 ? "Adjustment" : "Usage",           // ChargeCategory (negative idle: overcommitted)
        "",                                              // ChargeClass
        description,                                     // ChargeDescription
        focus_time(r.end, true),                         // ChargePeriodEnd
        focus_time(r.start),                             // ChargePeriodStart
        n_cost,                                          // ContractedCost
        n_cost,                                          // EffectiveCost
        o.provider_name,                                 // InvoiceIssuerName
        format_number(res.list_cost),                    // ListCost
        format_number(res.quantity),                     // PricingQuantity
        res.unit,                                        // PricingUnit
        o.provider_name,                                 // ProviderName
        o.provider_name,                                 // PublisherName
        "Compute",                                       // ServiceCategory
        r.idle ? "Kubernetes Idle Capacity" : "Kubernetes Workloads",  // ServiceName
        "Usage-Based",                                   // ChargeFrequency
        format_number(res.quantity),                     // ConsumedQuantity
        res.unit,                                        // ConsumedUnit
        format_number(per_unit(res.cost)),               // ContractedUnitPrice
        format_number(per_unit(res.list_cost)),          // ListUnitPrice
        "Standard",                                      // PricingCategory
        r.name,                                          // ResourceId
        r.name,                                          // ResourceName
        resource_type(r),                                // ResourceType
        res.what,                                        // SkuId
        cat(res.what, "@", format_number(per_unit(res.list_cost))),  // SkuPriceId
        tags,                                            // Tags
        format_number(res.used),                         // x_UsedCost
        format_number(res.idle),                         // x_IdleCost
        res.utilisation ? format_number(*res.utilisation) : "",  // x_Utilization (usage / request)
        "allocation",                                    // x_PriceSet
    });
  }
  return records;
}

std::vector<std::string> allocation_notes(const AllocationReport& r) {
  std::vector<std::string> out;
  auto note = [&](size_t n, const std::string& text) {
    if (n > 0) out.push_back(cat(n, " ", text));
  };
  note(r.pending, "pod(s) Pending: not running, nothing to charge");
  note(r.not_running, "pod(s) listed on a node whose kubelet was read, without a container running there in the window");
  note(r.on_failed_nodes, "pod(s) or container line(s) on nodes without figures or prices: not allocated");
  note(r.without_pod, "pod(s) with usage but no pod line (ended before the listing, or started after): charged by usage");
  note(r.without_node, "container line(s) without their node's node_usage line of the same window: not allocated");
  note(r.ended, "container(s) ended inside the window (seen in its first sample only): nothing charged after it");
  note(r.cpu_unknown, "container(s) with an unknown CPU rate (one cAdvisor sample): charged their CPU request only");
  note(r.zero_window, "container line(s) of zero-length windows (scrape-nodes --once): no hours to charge; scrape "
                      "with --interval, or price with --period");
  note(r.overcommitted, "node window(s) overcommitted: their idle is negative (not clamped)");
  note(r.failed_nodes, "node window(s) failed (no figures)");
  note(r.unpriced_nodes, "node window(s) not priced");
  for (const std::string& e : r.examples) out.push_back("e.g. " + e);
  return out;
}

void write_allocation(std::string_view format, Output& out, const AllocationOutput& what, const SinkOptions& options) {
  if (format == "json") write_json(out, what.rows);
  else if (format == "csv") write_csv(out, what.rows);
  else if (format == "summary") write_summary(out, what);
  else if (format == "table") write_table(out, what, options);
  else if (format == "focus") write_focus(out, what.rows, options);
  else if (format == "html") write_html(out, what, options);
  else throw UsageError(cat("--format: '", printable(format, 40), "' is not a format; use table, json, csv, focus, html or summary"));
  out.flush();
}

}  // namespace sf::pc
