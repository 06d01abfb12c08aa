#include "price-calc/cost_model.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::pc {
namespace {

const std::string* label_value(const LabelList& labels, const std::string& name) {
  for (const auto& [k, v] : labels)
    if (k == name) return &v;
  return nullptr;
}

double ratio(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

}  // namespace

PriceSet choose_price_set(const Pricing& pricing, const LabelList& labels, double gpus) {
  PriceSet set;
  if (!pricing.spot_label.empty()) {
    const std::string* v = label_value(labels, pricing.spot_label);
    set.spot = v != nullptr && !v->empty() && *v == pricing.spot_label_value;
  }
  bool gpu_by_label = false;
  if (!pricing.gpu_label.empty()) {
    const std::string* v = label_value(labels, pricing.gpu_label);
    gpu_by_label = v != nullptr && !v->empty();
  }
  set.gpu = gpus > 0 || gpu_by_label;
  set.cpu = set.spot ? pricing.spot_cpu.value_or(0) : *pricing.cpu;
  set.ram = set.spot ? pricing.spot_ram.value_or(0) : *pricing.ram;
  if (set.spot && (!pricing.spot_cpu || !pricing.spot_ram))
    set.problem = "spot node but the price list has no spotCPU/spotRAM";
  if (set.gpu) {
    set.gpu_count = gpus > 0 ? gpus : 1;  // OpenCost: a GPU type without a count is one GPU
    std::optional<double> price = set.spot && pricing.spot_gpu ? pricing.spot_gpu : pricing.gpu;
    if (price) set.gpu_price = *price;
    else set.problem = cat("GPU node (", format_number(set.gpu_count), " GPU) but the price list has no GPU price");
  }
  static const std::string_view names[2][2] = {{"default", "default,gpu"}, {"default,spot", "default,spot,gpu"}};
  set.name = names[set.spot][set.gpu];
  return set;
}

std::pair<Clock::time_point, Clock::time_point> aligned_period(Clock::time_point start, Clock::time_point end,
                                                               std::chrono::milliseconds period) {
  using std::chrono::milliseconds;
  const auto s = std::chrono::duration_cast<milliseconds>(start.time_since_epoch()).count();
  const auto e = std::chrono::duration_cast<milliseconds>(end.time_since_epoch()).count();
  const long long mid = s + (e - s) / 2;
  const long long p = period.count();
  long long q = mid / p;
  if (mid % p < 0) --q;  // floor for times before the epoch
  const Clock::time_point from{std::chrono::duration_cast<Clock::duration>(milliseconds(q * p))};
  return {from, from + std::chrono::duration_cast<Clock::duration>(period)};
}

double opencost_efficiency(double usage, double capacity, double cost) {
  if (capacity > 0) return usage / capacity;
  if (usage == 0 || cost == 0) return 0.0;
  return 1.0;
}

double total_efficiency(double cpu_eff, double cpu_cost, double ram_eff, double ram_cost) {
  const double cost = cpu_cost + ram_cost;
  if (cost <= 0) return 0.0;
  return (ram_eff * ram_cost + cpu_eff * cpu_cost) / cost;
}

void derive_quantities(CostRow& r) {
  const double keep = 1.0 - r.discount;
  const double ram_gib = r.memory_bytes / kGiB;
  const double fs_gib = r.storage_priced() ? r.filesystem_bytes / kGiB : 0.0;
  r.cpu_core_hours = r.cpu_cores * r.hours;
  r.cpu_busy_core_hours = r.busy_cores() * r.hours;
  r.ram_gib_hours = ram_gib * r.hours;
  r.ram_used_gib_hours = r.memory_used_bytes / kGiB * r.hours;
  r.gpu_hours = r.gpu_count * r.hours;
  r.storage_gib_hours = fs_gib * r.hours;
  r.storage_used_gib_hours = r.storage_priced() ? r.filesystem_used_bytes / kGiB * r.hours : 0.0;
  r.cpu_hourly = r.cpu_cores * r.cpu_price * keep;
  r.ram_hourly = ram_gib * r.ram_price * keep;
  r.gpu_hourly = r.gpu_count * r.gpu_price;
  r.storage_hourly = fs_gib * r.storage_price.value_or(0);
}

void finish_row(CostRow& r) {
  r.total_cost = r.cpu_cost + r.ram_cost + r.gpu_cost + r.storage_cost;
  const bool timed = r.hours > 0;
  // Utilisation: over the resource-hours, or the instant figures for a zero-length window.
  const double cpu_util = timed ? ratio(r.cpu_busy_core_hours, r.cpu_core_hours) : ratio(r.busy_cores(), r.cpu_cores);
  const double ram_util = timed ? ratio(r.ram_used_gib_hours, r.ram_gib_hours) : ratio(r.memory_used_bytes, r.memory_bytes);
  const double fs_util =
      timed ? ratio(r.storage_used_gib_hours, r.storage_gib_hours) : ratio(r.filesystem_used_bytes, r.filesystem_bytes);
  r.cpu_used_cost = r.cpu_usage_known() ? r.cpu_cost * std::clamp(cpu_util, 0.0, 1.0) : 0.0;
  r.ram_used_cost = r.ram_cost * std::clamp(ram_util, 0.0, 1.0);
  r.storage_used_cost = r.storage_cost * std::clamp(fs_util, 0.0, 1.0);
  r.used_cost = r.cpu_used_cost + r.ram_used_cost + r.storage_used_cost;
  r.idle_cost = std::max(0.0, r.total_cost - r.used_cost);

  const double cpu_weight = timed ? r.cpu_cost : r.cpu_hourly;
  const double ram_weight = timed ? r.ram_cost : r.ram_hourly;
  const double ram_eff = timed ? opencost_efficiency(r.ram_used_gib_hours, r.ram_gib_hours, r.ram_cost)
                               : opencost_efficiency(r.memory_used_bytes, r.memory_bytes, r.ram_hourly);
  r.ram_efficiency = ram_eff;
  if (r.cpu_usage_known()) {
    const double cpu_eff = timed ? opencost_efficiency(r.cpu_busy_core_hours, r.cpu_core_hours, r.cpu_cost)
                                 : opencost_efficiency(r.busy_cores(), r.cpu_cores, r.cpu_hourly);
    r.cpu_efficiency = cpu_eff;
    r.total_efficiency = total_efficiency(cpu_eff, cpu_weight, ram_eff, ram_weight);
  } else {
    r.cpu_efficiency.reset();
    r.total_efficiency.reset();
  }
  r.hourly_cost = r.cpu_hourly + r.ram_hourly + r.gpu_hourly + r.storage_hourly;
  r.daily_cost = r.hourly_cost * kHoursPerDay;
  r.monthly_cost = r.hourly_cost * kHoursPerMonth;
}

void unpriced_row(const UsageLine& line, std::string error, const std::string& currency, CostRow& r) {
  const NodeUsage& u = line.usage;
  reset_row(r, u.labels);
  r.priced = false;
  // Whatever wrote the line, a password in a URL goes no further than here.
  r.node = redact_url(u.node);
  r.source = redact_url(u.source);
  r.window_start.assign(u.window_start);
  r.window_end.assign(u.window_end);
  r.start = line.start;
  r.end = line.end;
  r.where.assign(line.where);
  r.error = redact_urls_in(error);
  r.currency.assign(currency);
}

bool price_usage(const UsageLine& line, const Pricing& pricing, const CostOptions& options, CostRow& r) {
  const NodeUsage& u = line.usage;
  if (u.error) {
    unpriced_row(line, *u.error, pricing.currency, r);
    return false;
  }
  const PriceSet set = choose_price_set(pricing, u.labels, u.gpus);
  if (set.problem) {
    unpriced_row(line, *set.problem, pricing.currency, r);
    return false;
  }
  reset_row(r, u.labels);  // every field from here on is this line's, or its default
  r.start = line.start;
  r.end = line.end;
  r.where.assign(line.where);
  r.extra = &line.extra;
  r.currency.assign(pricing.currency);
  // Whatever wrote the line, a password in a URL goes no further than here (scrape-nodes
  // never writes one; a hand-made or older line might).
  if (u.node.find("://") == std::string::npos) r.node.assign(u.node);
  else r.node = redact_url(u.node);
  if (u.source.find('@') == std::string::npos) r.source.assign(u.source);
  else r.source = redact_url(u.source);
  r.window_start.assign(u.window_start);
  r.window_end.assign(u.window_end);

  if (options.period) {
    const auto [from, to] = aligned_period(line.start, line.end, *options.period);
    r.sample_window_start = r.window_start;
    r.sample_window_end = r.window_end;
    r.start = from;
    r.end = to;
    r.window_start = canonical_time(from);
    r.window_end = canonical_time(to);
  }
  r.hours = std::chrono::duration<double>(r.end - r.start).count() / 3600.0;

  r.cpu_cores = u.cpu_cores;
  r.cpu_busy_cores = u.cpu_busy_cores;
  r.memory_bytes = u.memory_bytes;
  r.memory_used_bytes = u.memory_used_bytes;
  r.filesystem_bytes = u.filesystem_bytes;
  r.filesystem_used_bytes = u.filesystem_used_bytes;
  r.network_receive_bytes = u.network_receive_bytes;
  r.network_transmit_bytes = u.network_transmit_bytes;
  r.gpus = u.gpus;

  r.price_set.assign(set.name);
  r.spot = set.spot;
  r.gpu_node = set.gpu;
  r.gpu_count = set.gpu_count;
  r.cpu_price = set.cpu;
  r.ram_price = set.ram;
  r.gpu_price = set.gpu_price;
  if (options.price_storage && pricing.storage) r.storage_price = *pricing.storage;
  r.discount = pricing.combined_discount();
  const double keep = 1.0 - r.discount;

  derive_quantities(r);
  r.cpu_list_cost = r.cpu_price * r.cpu_core_hours;
  r.ram_list_cost = r.ram_price * r.ram_gib_hours;
  r.cpu_cost = r.cpu_list_cost * keep;
  r.ram_cost = r.ram_list_cost * keep;
  r.gpu_cost = r.gpu_price * r.gpu_hours;
  r.storage_cost = r.storage_price.value_or(0) * r.storage_gib_hours;
  finish_row(r);
  if (!std::isfinite(r.total_cost) || !std::isfinite(r.monthly_cost) || !std::isfinite(r.used_cost)) {
    // Prices are bounded by the price list's checks: a cost this large comes from the figures.
    unpriced_row(line,
                 cat("the figures are too large to price (cpu_cores ", format_number(u.cpu_cores), ", memory_bytes ",
                     format_number(u.memory_bytes), ", filesystem_bytes ", format_number(u.filesystem_bytes),
                     ", gpus ", format_number(u.gpus), ": the cost overflows); check what wrote this line"),
                 pricing.currency, r);
    return false;
  }
  return true;
}

}  // namespace sf::pc
