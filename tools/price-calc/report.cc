#include "price-calc/report.h"

#include <map>

#include "common/error.h"
#include "common/strings.h"
#include "price-calc/ledger.h"
#include "common/node_usage.h"

namespace sf::pc {

Clock::time_point parse_report_time(std::string_view text, std::string_view flag) {
  const std::string where = cat(flag);
  if (text.size() == 10) return parse_contract_time(cat(text, "T00:00:00Z"), where);
  try {
    return parse_contract_time(text, where);
  } catch (const ParseError&) {
    throw UsageError(cat(flag, ": '", text, "' is not a time; write 2026-11-01 or 2026-11-01T00:00:00Z"));
  }
}

void merge_window(CostRow& a, const CostRow& b) {
  const bool later = b.end >= a.end;
  const double hours = a.hours + b.hours;
  // Usage averaged over the hours (plain mean when both windows are zero-length).
  auto mean = [&](double x, double y) {
    if (hours > 0) return (x * a.hours + y * b.hours) / hours;
    return later ? y : x;
  };
  a.cpu_busy_cores = mean(a.cpu_busy_cores, b.cpu_busy_cores);
  a.memory_used_bytes = mean(a.memory_used_bytes, b.memory_used_bytes);
  a.filesystem_used_bytes = mean(a.filesystem_used_bytes, b.filesystem_used_bytes);
  a.cpu_usage_known = a.cpu_usage_known && b.cpu_usage_known;
  if (b.start < a.start) {
    a.start = b.start;
    a.window_start = b.window_start;
  }
  if (later) {
    a.end = b.end;
    a.window_end = b.window_end;
    // Capacity, prices and rates: the latest window's.
    a.source = b.source;
    a.labels = b.labels;
    a.cpu_cores = b.cpu_cores;
    a.memory_bytes = b.memory_bytes;
    a.filesystem_bytes = b.filesystem_bytes;
    a.gpus = b.gpus;
    a.gpu_count = b.gpu_count;
    a.price_set = b.price_set;
    a.spot = b.spot;
    a.gpu_node = b.gpu_node;
    a.cpu_price = b.cpu_price;
    a.ram_price = b.ram_price;
    a.gpu_price = b.gpu_price;
    a.storage_price = b.storage_price;
    a.storage_priced = b.storage_priced;
    a.discount = b.discount;
    a.cpu_hourly = b.cpu_hourly;
    a.ram_hourly = b.ram_hourly;
    a.gpu_hourly = b.gpu_hourly;
    a.storage_hourly = b.storage_hourly;
    a.hourly_cost = b.hourly_cost;
    a.daily_cost = b.daily_cost;
    a.monthly_cost = b.monthly_cost;
  }
  a.hours = hours;
  a.windows += b.windows;
  a.network_receive_bytes.reset();
  a.network_transmit_bytes.reset();
  a.cpu_core_hours += b.cpu_core_hours;
  a.cpu_busy_core_hours += b.cpu_busy_core_hours;
  a.ram_gib_hours += b.ram_gib_hours;
  a.ram_used_gib_hours += b.ram_used_gib_hours;
  a.gpu_hours += b.gpu_hours;
  a.storage_gib_hours += b.storage_gib_hours;
  a.storage_used_gib_hours += b.storage_used_gib_hours;
  a.cpu_list_cost += b.cpu_list_cost;
  a.ram_list_cost += b.ram_list_cost;
  a.cpu_cost += b.cpu_cost;
  a.ram_cost += b.ram_cost;
  a.gpu_cost += b.gpu_cost;
  a.storage_cost += b.storage_cost;
  a.total_cost += b.total_cost;
  a.cpu_used_cost += b.cpu_used_cost;
  a.ram_used_cost += b.ram_used_cost;
  a.storage_used_cost += b.storage_used_cost;
  a.used_cost += b.used_cost;
  a.idle_cost += b.idle_cost;
  // Efficiencies over the summed resource-hours.
  if (a.hours > 0) {
    const double ram_eff = opencost_efficiency(a.ram_used_gib_hours, a.ram_gib_hours, a.ram_cost);
    a.ram_efficiency = ram_eff;
    if (a.cpu_usage_known) {
      const double cpu_eff = opencost_efficiency(a.cpu_busy_core_hours, a.cpu_core_hours, a.cpu_cost);
      a.cpu_efficiency = cpu_eff;
      a.total_efficiency = total_efficiency(cpu_eff, a.cpu_cost, ram_eff, a.ram_cost);
    } else {
      a.cpu_efficiency.reset();
      a.total_efficiency.reset();
    }
  }
}

size_t run_report(const ReportOptions& options, Sink& sink, Totals& totals) {
  std::string currency;
  std::string currency_where;
  std::map<std::string, CostRow> by_node;
  size_t used = 0;
  read_ledger(options.ledger, [&](CostRow& row) {
    if (options.from && row.start < *options.from) return;
    if (options.to && row.start >= *options.to) return;
    if (currency.empty()) {
      currency = row.currency;
      currency_where = row.window_start;
    } else if (row.currency != currency) {
      throw UsageError(cat(options.ledger, ": the rows in range mix currencies (", currency, " from ", currency_where,
                           ", ", row.currency, " from ", row.window_start,
                           "); narrow --from/--to to one currency"));
    }
    ++used;
    if (options.by_window) {
      totals.add(row);
      sink.row(row);
      return;
    }
    auto [it, inserted] = by_node.try_emplace(row.node, row);
    if (!inserted) merge_window(it->second, row);
  });
  for (auto& [node, row] : by_node) {
    totals.add(row);
    sink.row(row);
  }
  sink.finish(totals);
  return used;
}

}  // namespace sf::pc
