#include "price-calc/alloc_row.h"

#include <algorithm>

#include "common/json_writer.h"

namespace sf::pc {
namespace {

using R = AllocRow;

bool many_windows(const R& r) { return r.windows != 1; }
bool has_currency(const R& r) { return !r.currency.empty(); }

// name, member, output, always, merge, unit[, present]
const AllocField kFields[] = {
    {"name", &R::name, true, true, Merge::kSame, Unit::kText},
    {"namespace", &R::namespace_name, true, true, Merge::kSame, Unit::kText},
    {"controller_kind", &R::controller_kind, true, true, Merge::kSame, Unit::kText},
    {"controller", &R::controller, true, true, Merge::kSame, Unit::kText},
    {"pod", &R::pod, true, true, Merge::kSame, Unit::kText},
    {"node", &R::node, true, true, Merge::kSame, Unit::kText},
    {"idle", &R::idle, true, true, Merge::kSame, Unit::kFlag},
    {"window_start", &R::window_start, true, true, Merge::kEarliest, Unit::kText},
    {"window_end", &R::window_end, true, true, Merge::kLatestEnd, Unit::kText},
    {"hours", &R::hours, true, true, Merge::kSum, Unit::kHours},
    {"windows", &R::windows, true, true, Merge::kSum, Unit::kCount, many_windows},
    {"currency", &R::currency, true, true, Merge::kLatest, Unit::kText, has_currency},
    {"labels", &R::labels, true, true, Merge::kRecomputed, Unit::kText},
    {"pods", &R::pods, true, true, Merge::kRecomputed, Unit::kCores},
    {"cpu_request_cores", &R::cpu_request_cores, true, true, Merge::kRecomputed, Unit::kCores},
    {"cpu_usage_cores", &R::cpu_usage_cores, true, true, Merge::kRecomputed, Unit::kCores},
    {"cpu_cores", &R::cpu_cores, true, true, Merge::kRecomputed, Unit::kCores},
    {"cpu_core_hours", &R::cpu_core_hours, true, true, Merge::kSum, Unit::kHours},
    {"ram_request_bytes", &R::ram_request_bytes, true, true, Merge::kRecomputed, Unit::kBytes},
    {"ram_usage_bytes", &R::ram_usage_bytes, true, true, Merge::kRecomputed, Unit::kBytes},
    {"ram_bytes", &R::ram_bytes, true, true, Merge::kRecomputed, Unit::kBytes},
    {"ram_byte_hours", &R::ram_byte_hours, true, true, Merge::kSum, Unit::kHours},
    {"gpus", &R::gpus, true, true, Merge::kRecomputed, Unit::kCount},
    {"gpu_hours", &R::gpu_hours, true, true, Merge::kSum, Unit::kHours},
    {"cpu_cost", &R::cpu_cost, true, true, Merge::kSum, Unit::kMoney},
    {"ram_cost", &R::ram_cost, true, true, Merge::kSum, Unit::kMoney},
    {"gpu_cost", &R::gpu_cost, true, true, Merge::kSum, Unit::kMoney},
    {"storage_cost", &R::storage_cost, true, true, Merge::kSum, Unit::kMoney},
    {"total_cost", &R::total_cost, true, true, Merge::kSum, Unit::kMoney},
    {"cpu_list_cost", &R::cpu_list_cost, true, true, Merge::kSum, Unit::kMoney},
    {"ram_list_cost", &R::ram_list_cost, true, true, Merge::kSum, Unit::kMoney},
    {"cpu_used_cost", &R::cpu_used_cost, true, true, Merge::kSum, Unit::kMoney},
    {"ram_used_cost", &R::ram_used_cost, true, true, Merge::kSum, Unit::kMoney},
    {"used_cost", &R::used_cost, true, true, Merge::kRecomputed, Unit::kMoney},
    {"cpu_idle_cost", &R::cpu_idle_cost, true, true, Merge::kSum, Unit::kMoney},
    {"ram_idle_cost", &R::ram_idle_cost, true, true, Merge::kSum, Unit::kMoney},
    {"gpu_idle_cost", &R::gpu_idle_cost, true, true, Merge::kSum, Unit::kMoney},
    {"idle_cost", &R::idle_cost, true, true, Merge::kSum, Unit::kMoney},
    {"cpu_efficiency", &R::cpu_efficiency, true, true, Merge::kRecomputed, Unit::kRatio},
    {"ram_efficiency", &R::ram_efficiency, true, true, Merge::kRecomputed, Unit::kRatio},
    {"total_efficiency", &R::total_efficiency, true, true, Merge::kRecomputed, Unit::kRatio},
    // Not written by json and csv: the sums the averages come from (the ledger keeps them).
    {"pod_hours", &R::pod_hours, false, true, Merge::kSum, Unit::kHours},
    {"cpu_request_core_hours", &R::cpu_request_core_hours, false, true, Merge::kSum, Unit::kHours},
    {"cpu_usage_core_hours", &R::cpu_usage_core_hours, false, true, Merge::kSum, Unit::kHours},
    {"ram_request_byte_hours", &R::ram_request_byte_hours, false, true, Merge::kSum, Unit::kHours},
    {"ram_usage_byte_hours", &R::ram_usage_byte_hours, false, true, Merge::kSum, Unit::kHours},
};

double efficiency(double usage, double request, double cost) {
  if (request > 0) return usage / request;
  return usage == 0 || cost == 0 ? 0.0 : 1.0;
}

double per_hour(double sum, double hours) { return hours > 0 ? sum / hours : 0.0; }

// Every kSum field of b added to a; `with_hours` false keeps a's hours (the same window).
void add_sums(AllocRow& a, const AllocRow& b, bool with_hours) {
  for (const AllocField& f : kFields) {
    if (f.merge != Merge::kSum || (!with_hours && f.name == "hours")) continue;
    std::visit(Overload{
                   [&](double R::*m) { a.*m += b.*m; },
                   [&](size_t R::*m) {
                     if (with_hours) a.*m += b.*m;
                   },
                   [&](auto) {},
               },
               f.member);
  }
}

}  // namespace

std::span<const AllocField> alloc_fields() { return kFields; }
const AllocField& alloc_field(std::string_view name) { return field_named<AllocRow>(kFields, name); }

void take_idle_share(AllocRow& r, const ResourceCosts& charged, const ResourceCosts& idle) {
  auto part = [](double mine, double all, double amount) { return all != 0 ? amount * mine / all : 0.0; };
  const double cpu = part(r.cpu_cost, charged.cpu, idle.cpu), ram = part(r.ram_cost, charged.ram, idle.ram),
               gpu = part(r.gpu_cost, charged.gpu, idle.gpu);
  r.cpu_list_cost += part(r.cpu_cost, charged.cpu, idle.cpu_list);
  r.ram_list_cost += part(r.ram_cost, charged.ram, idle.ram_list);
  r.cpu_cost += cpu;
  r.ram_cost += ram;
  r.gpu_cost += gpu;
  r.cpu_idle_cost += cpu;
  r.ram_idle_cost += ram;
  r.gpu_idle_cost += gpu;
}

LabelList common_labels(const LabelList& a, const LabelList& b) {
  LabelList out;
  for (const auto& label : a)
    if (std::find(b.begin(), b.end(), label) != b.end()) out.push_back(label);
  return out;
}

void finish_alloc_row(AllocRow& r) {
  r.pods = per_hour(r.pod_hours, r.hours);
  r.cpu_request_cores = per_hour(r.cpu_request_core_hours, r.hours);
  r.cpu_usage_cores = per_hour(r.cpu_usage_core_hours, r.hours);
  r.cpu_cores = per_hour(r.cpu_core_hours, r.hours);
  r.ram_request_bytes = per_hour(r.ram_request_byte_hours, r.hours);
  r.ram_usage_bytes = per_hour(r.ram_usage_byte_hours, r.hours);
  r.ram_bytes = per_hour(r.ram_byte_hours, r.hours);
  r.gpus = per_hour(r.gpu_hours, r.hours);
  r.total_cost = r.cpu_cost + r.ram_cost + r.gpu_cost + r.storage_cost;
  r.used_cost = r.cpu_used_cost + r.ram_used_cost;
  r.idle_cost = r.cpu_idle_cost + r.ram_idle_cost + r.gpu_idle_cost + (r.idle ? r.storage_cost : 0);
  if (r.idle) {
    r.cpu_efficiency.reset();
    r.ram_efficiency.reset();
    r.total_efficiency.reset();
    return;
  }
  // Costs as OpenCost's CPUTotalCost/RAMTotalCost: what the row is charged, shared idle included.
  r.cpu_efficiency = efficiency(r.cpu_usage_core_hours, r.cpu_request_core_hours, r.cpu_cost);
  r.ram_efficiency = efficiency(r.ram_usage_byte_hours, r.ram_request_byte_hours, r.ram_cost);
  const double cost = r.cpu_cost + r.ram_cost;
  r.total_efficiency = cost > 0 ? (*r.cpu_efficiency * r.cpu_cost + *r.ram_efficiency * r.ram_cost) / cost : 0.0;
}

void add_alloc_row(AllocRow& a, const AllocRow& b) {
  add_sums(a, b, false);
  a.labels = common_labels(a.labels, b.labels);
  finish_alloc_row(a);
}

void merge_alloc_windows(AllocRow& a, const AllocRow& b) {
  add_sums(a, b, true);
  if (b.start < a.start) {
    a.start = b.start;
    a.window_start = b.window_start;
  }
  if (b.end > a.end) {
    a.end = b.end;
    a.window_end = b.window_end;
    a.currency = b.currency;
  }
  a.labels = common_labels(a.labels, b.labels);
  finish_alloc_row(a);
}

void append_alloc_json(std::string& out, const AllocRow& r) {
  json::ObjectWriter o(out);
  o.text("kind", "allocation");
  for (const AllocField& f : kFields) {
    if (!f.output || (f.present != nullptr && !f.present(r))) continue;
    append_json_value(o.key(f.name), f, r);
  }
  o.close();
}

}  // namespace sf::pc
