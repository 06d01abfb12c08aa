#include "price-calc/cost_row.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "price-calc/cost_model.h"

namespace sf::pc {
namespace {

using R = CostRow;

bool has_sample_window(const R& r) { return !r.sample_window_start.empty(); }
bool many_windows(const R& r) { return r.windows != 1; }
bool unpriced(const R& r) { return !r.priced; }
bool has_currency(const R& r) { return !r.currency.empty(); }

// name, member, output, always, merge, unit[, present]
const RowField kFields[] = {
    {"node", &R::node, true, true, Merge::kSame, Unit::kText},
    {"source", &R::source, true, true, Merge::kLatest, Unit::kText},
    {"window_start", &R::window_start, true, true, Merge::kEarliest, Unit::kText},
    {"window_end", &R::window_end, true, true, Merge::kLatestEnd, Unit::kText},
    {"sample_window_start", &R::sample_window_start, true, false, Merge::kDropped, Unit::kText, has_sample_window},
    {"sample_window_end", &R::sample_window_end, true, false, Merge::kDropped, Unit::kText, has_sample_window},
    {"hours", &R::hours, true, false, Merge::kSum, Unit::kHours},
    {"windows", &R::windows, true, false, Merge::kSum, Unit::kCount, many_windows},
    {"cpu_cores", &R::cpu_cores, true, false, Merge::kLatest, Unit::kCores},
    {"cpu_busy_cores", &R::cpu_busy_cores, true, false, Merge::kMeanByHours, Unit::kCores},
    {"memory_bytes", &R::memory_bytes, true, false, Merge::kLatest, Unit::kBytes},
    {"memory_used_bytes", &R::memory_used_bytes, true, false, Merge::kMeanByHours, Unit::kBytes},
    {"filesystem_bytes", &R::filesystem_bytes, true, false, Merge::kLatest, Unit::kBytes},
    {"filesystem_used_bytes", &R::filesystem_used_bytes, true, false, Merge::kMeanByHours, Unit::kBytes},
    {"network_receive_bytes", &R::network_receive_bytes, true, false, Merge::kDropped, Unit::kBytes},
    {"network_transmit_bytes", &R::network_transmit_bytes, true, false, Merge::kDropped, Unit::kBytes},
    {"gpus", &R::gpus, true, false, Merge::kLatest, Unit::kCount},
    {"labels", &R::labels, true, true, Merge::kLatest, Unit::kText},
    {"priced", &R::priced, true, true, Merge::kSame, Unit::kFlag},
    {"error", &R::error, true, true, Merge::kSame, Unit::kText, unpriced},
    {"price_set", &R::price_set, true, false, Merge::kLatest, Unit::kText},
    {"spot", &R::spot, true, false, Merge::kLatest, Unit::kFlag},
    {"gpu_node", &R::gpu_node, true, false, Merge::kLatest, Unit::kFlag},
    {"gpu_count", &R::gpu_count, true, false, Merge::kLatest, Unit::kCount},
    {"cpu_price", &R::cpu_price, true, false, Merge::kLatest, Unit::kPrice},
    {"ram_price", &R::ram_price, true, false, Merge::kLatest, Unit::kPrice},
    {"gpu_price", &R::gpu_price, true, false, Merge::kLatest, Unit::kPrice},
    {"storage_price", &R::storage_price, true, false, Merge::kLatest, Unit::kPrice},
    {"discount", &R::discount, true, false, Merge::kLatest, Unit::kRatio},
    {"currency", &R::currency, true, true, Merge::kLatest, Unit::kText, has_currency},
    {"cpu_list_cost", &R::cpu_list_cost, true, false, Merge::kSum, Unit::kMoney},
    {"ram_list_cost", &R::ram_list_cost, true, false, Merge::kSum, Unit::kMoney},
    {"cpu_cost", &R::cpu_cost, true, false, Merge::kSum, Unit::kMoney},
    {"ram_cost", &R::ram_cost, true, false, Merge::kSum, Unit::kMoney},
    {"gpu_cost", &R::gpu_cost, true, false, Merge::kSum, Unit::kMoney},
    {"storage_cost", &R::storage_cost, true, false, Merge::kSum, Unit::kMoney},
    {"total_cost", &R::total_cost, true, false, Merge::kSum, Unit::kMoney},
    {"cpu_used_cost", &R::cpu_used_cost, true, false, Merge::kSum, Unit::kMoney},
    {"ram_used_cost", &R::ram_used_cost, true, false, Merge::kSum, Unit::kMoney},
    {"storage_used_cost", &R::storage_used_cost, true, false, Merge::kSum, Unit::kMoney},
    {"used_cost", &R::used_cost, true, false, Merge::kSum, Unit::kMoney},
    {"idle_cost", &R::idle_cost, true, false, Merge::kSum, Unit::kMoney},
    {"cpu_efficiency", &R::cpu_efficiency, true, false, Merge::kRecomputed, Unit::kRatio},
    {"ram_efficiency", &R::ram_efficiency, true, false, Merge::kRecomputed, Unit::kRatio},
    {"total_efficiency", &R::total_efficiency, true, false, Merge::kRecomputed, Unit::kRatio},
    {"hourly_cost", &R::hourly_cost, true, false, Merge::kLatest, Unit::kMoney},
    {"daily_cost", &R::daily_cost, true, false, Merge::kLatest, Unit::kMoney},
    {"monthly_cost", &R::monthly_cost, true, false, Merge::kLatest, Unit::kMoney},
    // Not written by json and csv: what FOCUS, the ledger's rebuild and the totals work from.
    {"cpu_core_hours", &R::cpu_core_hours, false, false, Merge::kSum, Unit::kHours},
    {"cpu_busy_core_hours", &R::cpu_busy_core_hours, false, false, Merge::kSum, Unit::kHours},
    {"ram_gib_hours", &R::ram_gib_hours, false, false, Merge::kSum, Unit::kHours},
    {"ram_used_gib_hours", &R::ram_used_gib_hours, false, false, Merge::kSum, Unit::kHours},
    {"gpu_hours", &R::gpu_hours, false, false, Merge::kSum, Unit::kHours},
    {"storage_gib_hours", &R::storage_gib_hours, false, false, Merge::kSum, Unit::kHours},
    {"storage_used_gib_hours", &R::storage_used_gib_hours, false, false, Merge::kSum, Unit::kHours},
    {"cpu_hourly", &R::cpu_hourly, false, false, Merge::kLatest, Unit::kMoney},
    {"ram_hourly", &R::ram_hourly, false, false, Merge::kLatest, Unit::kMoney},
    {"gpu_hourly", &R::gpu_hourly, false, false, Merge::kLatest, Unit::kMoney},
    {"storage_hourly", &R::storage_hourly, false, false, Merge::kLatest, Unit::kMoney},
};

}  // namespace

std::span<const RowField> row_fields() { return kFields; }

const RowField& row_field(std::string_view name) { return field_named<CostRow>(kFields, name); }

std::string labels_to_json(const LabelList& labels) { return json::labels_json(labels); }

void append_json_field(json::ObjectWriter& o, const RowField& f, const CostRow& r) {
  // "\"name\":" for every field, made once: the key is most of the work on a million lines.
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const RowField& field : kFields) {
      std::string key;
      json::append_string(key, field.name);
      out.push_back(key + ":");
    }
    return out;
  }();
  append_json_value(o.prepared_key(keys[static_cast<size_t>(&f - kFields)]), f, r);
}

bool same_fields(const CostRow& a, const CostRow& b) { return pc::same_fields<CostRow>(kFields, a, b); }

void reset_row(CostRow& r, const LabelList& labels) {
  // Copy-assigning a default row resets every member, whatever members CostRow gains, and
  // std::string's copy assignment reuses each string's buffer: nothing stale, no allocation.
  // The labels are the one container: assigned here, element by element, into the old buffers.
  static const CostRow kDefault;
  LabelList buffers = std::move(r.labels);
  r = kDefault;
  buffers = labels;
  r.labels = std::move(buffers);
}

void merge_windows(CostRow& a, const CostRow& b) {
  const bool later = b.end >= a.end;
  const double hours_a = a.hours, hours_b = b.hours, hours = hours_a + hours_b;  // before kSum adds them
  for (const RowField& f : kFields) {
    switch (f.merge) {
      case Merge::kSame:
      case Merge::kRecomputed:
        break;
      case Merge::kEarliest:
        if (b.start < a.start) {
          copy_field(f, a, b);
          a.start = b.start;
        }
        break;
      case Merge::kLatestEnd:
        if (later) {
          copy_field(f, a, b);
          a.end = b.end;
        }
        break;
      case Merge::kLatest:
        if (later) copy_field(f, a, b);
        break;
      case Merge::kSum:
        std::visit(Overload{
                       [&](double R::*m) { a.*m += b.*m; },
                       [&](size_t R::*m) { a.*m += b.*m; },
                       [&](auto) { throw std::logic_error(cat("row field ", f.name, ": only numbers sum")); },
                   },
                   f.member);
        break;
      case Merge::kMeanByHours: {
        // Averaged over the hours; a plain "latest" when both windows are zero-length.
        auto mean = [&](double x, double y) { return hours > 0 ? (x * hours_a + y * hours_b) / hours : (later ? y : x); };
        std::visit(Overload{
                       [&](double R::*m) { a.*m = mean(a.*m, b.*m); },
                       [&](std::optional<double> R::*m) {
                         if (a.*m && b.*m) a.*m = mean(*(a.*m), *(b.*m));
                         else (a.*m).reset();
                       },
                       [&](auto) { throw std::logic_error(cat("row field ", f.name, ": only numbers average")); },
                   },
                   f.member);
        break;
      }
      case Merge::kDropped:
        std::visit(Overload{
                       [&](std::string R::*m) { (a.*m).clear(); },
                       [&](std::optional<double> R::*m) { (a.*m).reset(); },
                       [&](auto) { throw std::logic_error(cat("row field ", f.name, ": cannot be dropped")); },
                   },
                   f.member);
        break;
    }
  }
  // kSum added the hours already; the efficiencies come from the summed resource-hours.
  if (a.hours > 0) {
    a.ram_efficiency = opencost_efficiency(a.ram_used_gib_hours, a.ram_gib_hours, a.ram_cost);
    if (a.cpu_usage_known()) {
      a.cpu_efficiency = opencost_efficiency(a.cpu_busy_core_hours, a.cpu_core_hours, a.cpu_cost);
      a.total_efficiency = total_efficiency(*a.cpu_efficiency, a.cpu_cost, a.ram_efficiency, a.ram_cost);
    } else {
      a.cpu_efficiency.reset();
      a.total_efficiency.reset();
    }
  } else if (later) {
    a.ram_efficiency = b.ram_efficiency;
    a.cpu_efficiency = a.cpu_usage_known() ? b.cpu_efficiency : std::nullopt;
    a.total_efficiency = a.cpu_usage_known() ? b.total_efficiency : std::nullopt;
  }
}

}  // namespace sf::pc
