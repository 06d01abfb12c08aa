// The price list: OpenCost's custom pricing (pkg/cloud/models CustomPricing) read from the JSON
// file OpenCost mounts (every value a JSON string, hourly units) or from the ConfigMap / Helm
// values form (YAML, one key per price). Validated field by field; errors name file:line and
// the field. Prices are per hour after loading: CPU $/core-hour, RAM $/GiB-hour (GiB = 1024^3
// bytes), GPU $/GPU-hour, storage $/GiB-hour.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::pc {

// The unit of the prices in the file. kMonth converts the six compute/storage prices the way
// OpenCost's ConfigMap path (ProviderConfig.UpdateFromMap) did: fmt.Sprintf("%f", v/730).
enum class PriceUnit { kHour, kMonth };
PriceUnit parse_price_unit(std::string_view text);  // "hour" | "month"; UsageError otherwise

constexpr double kHoursPerMonth = 730.0;  // OpenCost's month everywhere (pkg/costmodel/cluster.go)

// v/730 rounded to 6 decimals, as Go's "%f" prints it (round to nearest on the exact binary value).
double monthly_to_hourly(double monthly);

// OpenCost's ParsePercentString (pkg/costmodel/router.go): "20%" and "20" both mean 0.20 (so
// "0.2" is 0.2 %), "" is 0. Must lie in 0..100 %. Throws ParseError naming where and the field.
double parse_percent(std::string_view text, const std::string& where, std::string_view field);

// One field as read, for messages and for re-emitting the list (price-calc pricing).
struct PricingField {
  std::string name;   // canonical OpenCost spelling ("spotCPU")
  std::string value;  // as written (prices: hourly after conversion)
  size_t line = 0;
};

struct Pricing {
  std::string source;  // the file it came from
  std::string format;  // "json", "configmap", "helm" or "yaml"
  std::string provider = "custom";
  std::string description;
  // Hourly prices; nullopt when the file leaves them out (or empty, as OpenCost treats "").
  std::optional<double> cpu, spot_cpu, ram, spot_ram, gpu, spot_gpu, storage;
  std::string currency = "USD";           // currencyCode (ISO 4217)
  double discount = 0;                    // fractions 0..1
  double negotiated_discount = 0;
  std::string spot_label, spot_label_value;
  std::string gpu_label, gpu_label_value;  // OpenCost uses only the label's presence
  std::string cluster_name;
  std::vector<PricingField> fields;        // every field read, canonical names, file order

  // Discount = 1 - (1 - discount)(1 - negotiatedDiscount) (CustomProvider.CombinedDiscountForNode).
  double combined_discount() const { return 1.0 - (1.0 - discount) * (1.0 - negotiated_discount); }
};

// Parses a price list; the form is detected from the content ('{' first: JSON, else YAML:
// a ConfigMap, Helm values with opencost.customPricing.costModel, or a flat map).
Pricing parse_pricing(std::string_view text, const std::string& source, PriceUnit unit);
Pricing load_pricing(const std::string& path, PriceUnit unit);

// The price list to use: the flag when given; else opencost/pricing.json in the working
// directory; else <datadir>/sovereign-finops/pricing.json of the installation. Throws
// UsageError listing what was tried when none exists.
std::string resolve_pricing_path(const std::optional<std::string>& flag);
std::string installed_pricing_path();

// Every key OpenCost's CustomPricing knows (JSON spelling), for validation and suggestions.
const std::vector<std::string>& known_opencost_fields();

}  // namespace sf::pc
