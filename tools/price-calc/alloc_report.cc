#include "price-calc/alloc_report.h"

#include <algorithm>
#include <map>

#include "common/error.h"
#include "common/strings.h"
#include "price-calc/alloc_formats.h"
#include "price-calc/ledger.h"

namespace sf::pc {
namespace {

// The report's name for a ledger row.
std::string key_of(const AllocRow& r, const AllocReportOptions& o) {
  if (r.idle) return o.idle_by == IdleBy::kNode ? r.name : std::string(kIdleName);
  return o.by == "namespace" ? r.namespace_name : r.name;
}

// Shares each window's idle into its other rows by their cost per resource (the cluster as the
// scope: the ledger keeps no node per workload row); what has nowhere to go stays idle.
void share_idle(std::vector<AllocRow>& rows) {
  struct Window {
    ResourceCosts charged, idle;
  };
  std::map<std::string, Window> by_window;
  for (const AllocRow& r : rows) {
    ResourceCosts& c = r.idle ? by_window[r.window_start].idle : by_window[r.window_start].charged;
    c.cpu += r.cpu_cost;
    c.ram += r.ram_cost;
    c.gpu += r.gpu_cost;
    c.cpu_list += r.cpu_list_cost;
    c.ram_list += r.ram_list_cost;
  }
  for (AllocRow& r : rows) {
    const Window& w = by_window[r.window_start];
    if (!r.idle) {
      take_idle_share(r, w.charged, w.idle);
      continue;
    }
    // What was shared leaves the idle row.
    if (w.charged.cpu != 0) r.cpu_cost = r.cpu_idle_cost = r.cpu_list_cost = r.cpu_core_hours = 0;
    if (w.charged.ram != 0) r.ram_cost = r.ram_idle_cost = r.ram_list_cost = r.ram_byte_hours = 0;
    if (w.charged.gpu != 0) r.gpu_cost = r.gpu_idle_cost = r.gpu_hours = 0;
  }
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [](const AllocRow& r) { return r.idle && r.cpu_cost == 0 && r.ram_cost == 0 && r.gpu_cost == 0; }),
             rows.end());
}

// The identity a roll-up keeps of its rows.
void name_row(AllocRow& r, const std::string& key, const AllocReportOptions& o) {
  r.name = key;
  if (r.idle) {
    if (o.idle_by == IdleBy::kCluster) r.node.clear();
    return;
  }
  if (o.by == "namespace") {
    r.controller_kind.clear();
    r.controller.clear();
    r.pod.clear();
    r.node.clear();
  }
}

}  // namespace

std::vector<AllocRow> roll_up(std::vector<AllocRow> ledger_rows, const AllocReportOptions& o) {
  if (o.share_idle) {
    if (o.idle_by == IdleBy::kNode)
      throw UsageError("--share-idle with --idle-by node needs each workload's cost per node, which the ledger does not "
                       "keep: share per node when pricing (price-calc --by ... --share-idle --idle-by node)");
    share_idle(ledger_rows);
  }
  // Rows of one window combine (a namespace's workloads); then each name's windows merge.
  std::map<std::pair<std::string, std::string>, AllocRow> per_window;  // (key, window_start)
  for (AllocRow& r : ledger_rows) {
    const std::string key = key_of(r, o);
    const auto [it, inserted] = per_window.try_emplace({key, r.window_start}, r);
    if (inserted) name_row(it->second, key, o);
    else add_alloc_row(it->second, r);
  }
  std::vector<AllocRow> out;
  if (o.by == "window") {
    for (auto& [k, r] : per_window) {
      finish_alloc_row(r);
      out.push_back(std::move(r));
    }
  } else {
    std::map<std::string, AllocRow> merged;
    for (auto& [k, r] : per_window) {
      const auto [it, inserted] = merged.try_emplace(k.first, r);
      if (!inserted) merge_alloc_windows(it->second, r);
    }
    for (auto& [k, r] : merged) {
      finish_alloc_row(r);
      out.push_back(std::move(r));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const AllocRow& a, const AllocRow& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.idle != b.idle) return !a.idle;
    return a.name < b.name;
  });
  return out;
}

size_t run_alloc_report(const AllocReportOptions& o, std::string_view format, Output& out, SinkOptions sink) {
  if (o.by != "namespace" && o.by != "controller" && o.by != "window")
    throw UsageError(cat("--by '", printable(o.by, 40), "': an allocation ledger keeps namespaces and workloads: use ",
                         "namespace, controller or window"));
  std::vector<AllocRow> rows;
  read_alloc_ledger(o.report.ledger, o.report.range, [&](AllocRow& r) { rows.push_back(r); }, o.report.lock_wait);
  const size_t used = rows.size();
  if (o.report.chart) {  // each namespace's workloads, then idle (before any sharing) on top
    TimeChart chart(o.report.step);
    for (const AllocRow& r : rows) {
      if (r.idle) chart.add_idle(r.start, r.total_cost);
      else chart.add(r.start, r.namespace_name, r.total_cost);
    }
    sink.chart_html = chart.html(rows.empty() ? sink.currency : rows.front().currency, "namespace");
  }
  const std::vector<AllocRow> report = roll_up(std::move(rows), o);
  const AllocationReport nothing;
  const std::vector<InvalidLine> none;
  const std::string by = o.by == "window" ? "window (the ledger's rows)" : o.by;
  write_allocation(format, out, {report, nothing, none, by}, sink);
  return used;
}

}  // namespace sf::pc
