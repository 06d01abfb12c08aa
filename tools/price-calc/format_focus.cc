#include "price-calc/format_focus.h"

#include "common/csv.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "price-calc/format_csv.h"

namespace sf::pc {
namespace {

std::string n(double v) { return format_number(v); }

struct Resource {
  const char* what;        // "CPU"
  const char* sku;         // OpenCost price field
  const char* unit;        // FOCUS unit
  const char* category;    // ServiceCategory
  const char* service;     // ServiceName
  double quantity;         // PricingQuantity
  double list_unit_price;
  double contracted_unit_price;
  double cost;             // our cost, for used/idle shares
  double used_cost;
  double utilisation;
};

class FocusSink : public Sink {
 public:
  FocusSink(Output& out, SinkOptions options) : out_(out), options_(std::move(options)) {
    line_.clear();
    csv::append_record(line_, focus_columns());
    out_.write(line_);
  }
  void row(const CostRow& r) override {
    if (r.hours <= 0) {
      ++zero_length_;
      return;
    }
    for (const auto& record : focus_records(r, options_)) {
      line_.clear();
      csv::append_record(line_, record);
      out_.write(line_);
    }
  }
  void unpriced(const CostRow&) override { ++unpriced_; }
  void finish(const Totals&) override {
    out_.flush();
    if (zero_length_ > 0)
      log::warn(cat("focus: left out ", zero_length_, " zero-length window(s) (single-sample scrapes have no ",
                    "quantity); scrape with an interval or price with --period"));
    if (unpriced_ > 0) log::warn(cat("focus: left out ", unpriced_, " unpriced node window(s)"));
  }

 private:
  Output& out_;
  SinkOptions options_;
  std::string line_;
  size_t zero_length_ = 0;
  size_t unpriced_ = 0;
};

double share(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

}  // namespace

const std::vector<std::string>& focus_columns() {
  static const std::vector<std::string> columns = {
      // The 21 mandatory columns of FOCUS 1.0.
      "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
      "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
      "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
      "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
      // Conditional and recommended columns.
      "ChargeFrequency", "ConsumedQuantity", "ConsumedUnit", "ContractedUnitPrice", "ListUnitPrice",
      "PricingCategory", "ResourceId", "ResourceName", "ResourceType", "SkuId", "SkuPriceId", "Tags",
      // Custom columns (FOCUS: prefixed x_).
      "x_UsedCost", "x_IdleCost", "x_Utilization", "x_PriceSet"};
  return columns;
}

std::string focus_time(Clock::time_point t, bool ceil) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  if (ceil && secs < t) secs += std::chrono::seconds(1);
  return format_rfc3339(Clock::time_point(secs), false);
}

std::pair<Clock::time_point, Clock::time_point> billing_month(Clock::time_point t) {
  return {month_start(t), next_month_start(t)};
}

std::vector<std::vector<std::string>> focus_records(const CostRow& r, const SinkOptions& o) {
  const double keep = 1.0 - r.discount;
  // Unit prices: the list's for one window; over many windows (reports), the averages.
  const bool single = r.windows == 1;
  auto unit_price = [&](double price, double cost, double qty) { return single ? price : share(cost, qty); };
  std::vector<Resource> resources;
  if (r.cpu_core_hours > 0) {
    const double list = unit_price(r.cpu_price, r.cpu_list_cost, r.cpu_core_hours);
    resources.push_back({"CPU", r.spot ? "spotCPU" : "CPU", "Core-Hours", "Compute", "Kubernetes Node Compute",
                         r.cpu_core_hours, list, single ? list * keep : share(r.cpu_cost, r.cpu_core_hours),
                         r.cpu_cost, r.cpu_used_cost, share(r.cpu_busy_core_hours, r.cpu_core_hours)});
  }
  if (r.ram_gib_hours > 0) {
    const double list = unit_price(r.ram_price, r.ram_list_cost, r.ram_gib_hours);
    resources.push_back({"RAM", r.spot ? "spotRAM" : "RAM", "GiB-Hours", "Compute", "Kubernetes Node Compute",
                         r.ram_gib_hours, list, single ? list * keep : share(r.ram_cost, r.ram_gib_hours),
                         r.ram_cost, r.ram_used_cost, share(r.ram_used_gib_hours, r.ram_gib_hours)});
  }
  if (r.gpu_hours > 0) {
    const double list = unit_price(r.gpu_price, r.gpu_cost, r.gpu_hours);
    resources.push_back({"GPU", "GPU", "GPU-Hours", "Compute", "Kubernetes Node Compute",
                         r.gpu_hours, list, list, r.gpu_cost, 0.0, 0.0});
  }
  if (r.storage_priced() && r.storage_gib_hours > 0) {
    const double list = unit_price(*r.storage_price, r.storage_cost, r.storage_gib_hours);
    resources.push_back({"Storage", "storage", "GiB-Hours", "Storage", "Kubernetes Node Storage",
                         r.storage_gib_hours, list, list, r.storage_cost, r.storage_used_cost,
                         share(r.storage_used_gib_hours, r.storage_gib_hours)});
  }

  const auto [period_start, period_end] = billing_month(r.start);
  const std::string tags = labels_to_json(r.labels);
  std::vector<std::vector<std::string>> records;
  for (const Resource& res : resources) {
    const double list_cost = res.list_unit_price * res.quantity;
    const double contracted_cost = res.contracted_unit_price * res.quantity;
    const std::string description =
        cat(res.what, " of node ", r.node, " for ", format_fixed(r.hours, 6), " h (", r.price_set, " prices",
            r.discount > 0 ? cat(", ", format_number(r.discount * 100), " % discount on CPU and RAM") : std::string(),
            ")");
    records.push_back({
        n(contracted_cost),                       // BilledCost
        o.account,                                // BillingAccountId
        o.account,                                // BillingAccountName
        r.currency,                               // BillingCurrency
        focus_time(period_end),                   // BillingPeriodEnd
        focus_time(period_start),                 // BillingPeriodStart
        "Usage",                                  // ChargeCategory
        "",                                       // ChargeClass (null: not a correction)
        description,                              // ChargeDescription
        focus_time(r.end, true),                  // ChargePeriodEnd (exclusive)
        focus_time(r.start),                      // ChargePeriodStart (inclusive)
        n(contracted_cost),                       // ContractedCost
        n(contracted_cost),                       // EffectiveCost
        o.provider_name,                          // InvoiceIssuerName
        n(list_cost),                             // ListCost
        n(res.quantity),                          // PricingQuantity
        res.unit,                                 // PricingUnit
        o.provider_name,                          // ProviderName
        o.provider_name,                          // PublisherName
        res.category,                             // ServiceCategory
        res.service,                              // ServiceName
        "Usage-Based",                            // ChargeFrequency
        n(res.quantity),                          // ConsumedQuantity
        res.unit,                                 // ConsumedUnit
        n(res.contracted_unit_price),             // ContractedUnitPrice
        n(res.list_unit_price),                   // ListUnitPrice
        r.spot ? "Dynamic" : "Standard",          // PricingCategory
        r.node,                                   // ResourceId
        r.node,                                   // ResourceName
        "Node",                                   // ResourceType
        res.sku,                                  // SkuId
        cat(res.sku, "@", n(res.list_unit_price)),  // SkuPriceId
        tags,                                     // Tags
        n(res.used_cost),                         // x_UsedCost
        n(std::max(0.0, res.cost - res.used_cost)),  // x_IdleCost
        n(res.utilisation),                       // x_Utilization
        r.price_set,                              // x_PriceSet
    });
  }
  return records;
}

std::unique_ptr<Sink> make_focus_sink(Output& out, const SinkOptions& options) {
  return std::make_unique<FocusSink>(out, options);
}

}  // namespace sf::pc
