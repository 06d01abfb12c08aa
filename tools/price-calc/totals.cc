#include "price-calc/totals.h"

namespace sf::pc {

void Totals::add(const CostRow& r) {
  if (priced == 0) currency = r.currency;
  ++priced;
  hours += r.hours;
  cpu_cost += r.cpu_cost;
  ram_cost += r.ram_cost;
  gpu_cost += r.gpu_cost;
  storage_cost += r.storage_cost;
  total_cost += r.total_cost;
  cpu_list_cost += r.cpu_list_cost;
  ram_list_cost += r.ram_list_cost;
  used_cost += r.used_cost;
  idle_cost += r.idle_cost;
  cpu_core_hours += r.cpu_core_hours;
  cpu_busy_core_hours += r.cpu_busy_core_hours;
  ram_gib_hours += r.ram_gib_hours;
  ram_used_gib_hours += r.ram_used_gib_hours;
  gpu_hours += r.gpu_hours;
  storage_gib_hours += r.storage_gib_hours;
  cpu_usage_known = cpu_usage_known && r.cpu_usage_known();
  busy_cores_ += r.busy_cores();
  cores_ += r.cpu_cores;
  used_bytes_ += r.memory_used_bytes;
  bytes_ += r.memory_bytes;
  cpu_rate_ += r.cpu_hourly;
  ram_rate_ += r.ram_hourly;
  if (priced == 1 || r.start < first) {
    first = r.start;
    first_start = r.window_start;
  }
  if (priced == 1 || r.end > last) {
    last = r.end;
    last_end = r.window_end;
  }
  auto [it, inserted] = latest_.try_emplace(r.node, Latest{r.end, r.hourly_cost});
  if (!inserted && r.end >= it->second.end) it->second = Latest{r.end, r.hourly_cost};
}

void Totals::add_unpriced(const CostRow&) { ++unpriced; }

double Totals::hourly() const {
  double sum = 0;
  for (const auto& [node, latest] : latest_) sum += latest.hourly;
  return sum;
}

std::optional<double> Totals::cpu_efficiency() const {
  if (!cpu_usage_known) return std::nullopt;
  if (hours > 0) return opencost_efficiency(cpu_busy_core_hours, cpu_core_hours, cpu_cost);
  return opencost_efficiency(busy_cores_, cores_, cpu_rate_);
}

double Totals::ram_efficiency() const {
  if (hours > 0) return opencost_efficiency(ram_used_gib_hours, ram_gib_hours, ram_cost);
  return opencost_efficiency(used_bytes_, bytes_, ram_rate_);
}

std::optional<double> Totals::total_efficiency() const {
  const auto cpu = cpu_efficiency();
  if (!cpu) return std::nullopt;
  if (hours > 0) return pc::total_efficiency(*cpu, cpu_cost, ram_efficiency(), ram_cost);
  return pc::total_efficiency(*cpu, cpu_rate_, ram_efficiency(), ram_rate_);
}

}  // namespace sf::pc
