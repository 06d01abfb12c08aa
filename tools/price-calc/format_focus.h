// --format focus: FOCUS 1.0 cost and usage rows (CSV, RFC 4180), one per node and resource
// (CPU in Core-Hours, RAM in GiB-Hours, GPU in GPU-Hours, node filesystems in GiB-Hours when
// storage is priced). All 21 mandatory columns plus the conditional ones a finance tool needs
// (ConsumedQuantity/Unit, ListUnitPrice, ContractedUnitPrice, PricingCategory, ChargeFrequency,
// ResourceId/Name/Type, SkuId, SkuPriceId, Tags) and x_ custom columns for used and idle cost.
//
//   ListCost       = ListUnitPrice x PricingQuantity          (the price list, before discounts)
//   ContractedCost = ContractedUnitPrice x PricingQuantity    (after Discount, CPU and RAM only)
//   BilledCost     = EffectiveCost = ContractedCost
//   ChargePeriod   = the window, whole seconds (start floored, end ceiled), UTC "…Z"
//   BillingPeriod  = the calendar month (UTC) holding ChargePeriodStart
// Zero-length windows (single-sample scrapes) have no quantity and are left out (counted on
// stderr); failed nodes have no cost and are left out (reported on stderr).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "price-calc/sink.h"

namespace sf::pc {

const std::vector<std::string>& focus_columns();

// "YYYY-MM-DDTHH:mm:ssZ"; ceil=true rounds a fractional second up.
std::string focus_time(Clock::time_point t, bool ceil = false);
// [first day of the month, first day of the next month) in UTC (common/time_util's calendar).
std::pair<Clock::time_point, Clock::time_point> billing_month(Clock::time_point t);

// The records (without header) for one row: 0 to 4 of them.
std::vector<std::vector<std::string>> focus_records(const CostRow& row, const SinkOptions& options);

std::unique_ptr<Sink> make_focus_sink(Output& out, const SinkOptions& options);

}  // namespace sf::pc
