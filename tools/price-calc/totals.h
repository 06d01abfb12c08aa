// Totals over every row a run priced (or a report read): sums of costs and resource-hours,
// overall efficiencies, and projections for the whole set of nodes. The set's hourly rate is
// the sum of each distinct node's latest hourly rate, so a node seen in many windows counts
// once; memory grows with the number of distinct nodes only, never with the number of lines.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "price-calc/cost_model.h"

namespace sf::pc {

class Totals {
 public:
  void add(const CostRow& row);
  void add_unpriced(const CostRow& row);
  void add_invalid() { ++invalid; }

  size_t priced = 0;
  size_t unpriced = 0;
  size_t invalid = 0;  // lines that could not be read
  std::string currency;
  double hours = 0;  // summed over rows
  double cpu_cost = 0, ram_cost = 0, gpu_cost = 0, storage_cost = 0, total_cost = 0;
  double cpu_list_cost = 0, ram_list_cost = 0;
  double used_cost = 0, idle_cost = 0;
  double cpu_core_hours = 0, cpu_busy_core_hours = 0, ram_gib_hours = 0, ram_used_gib_hours = 0;
  double gpu_hours = 0, storage_gib_hours = 0;
  bool cpu_usage_known = true;
  std::string first_start, last_end;  // RFC 3339, over priced rows
  Clock::time_point first{}, last{};

  size_t nodes() const { return latest_.size(); }
  double hourly() const;
  double daily() const { return hourly() * kHoursPerDay; }
  double monthly() const { return hourly() * kHoursPerMonth; }
  std::optional<double> cpu_efficiency() const;
  double ram_efficiency() const;
  std::optional<double> total_efficiency() const;

 private:
  struct Latest {
    Clock::time_point end;
    double hourly = 0;
  };
  std::unordered_map<std::string, Latest> latest_;
  // Instant figures, for when no row has any hours (zero-length windows only).
  double busy_cores_ = 0, cores_ = 0, used_bytes_ = 0, bytes_ = 0, cpu_rate_ = 0, ram_rate_ = 0;
};

}  // namespace sf::pc
