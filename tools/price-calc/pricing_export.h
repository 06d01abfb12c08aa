// price-calc pricing: the validated price list written back in one of OpenCost's forms, so
// the OpenCost deployment is generated from the same opencost/pricing.json price-calc reads:
//   json       the custom pricing file (CONFIG_PATH/default.json), hourly, values as strings
//   helm       Helm values for the opencost chart: opencost.customPricing.{enabled, provider,
//              configmapName, costModel}
//   configmap  the ConfigMap the chart would create (one data key per price)
// OpenCost's ConfigMap path divided CPU, spotCPU, RAM, spotRAM, GPU and storage by 730 before
// PR opencost/opencost#3830 (2026); --opencost-unit month multiplies them by 730 for such
// releases and warns when the /730 + 6-decimal rounding OpenCost applies will change a price.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "price-calc/pricing.h"

namespace sf::pc {

struct ExportOptions {
  std::string form = "json";         // json | helm | configmap
  PriceUnit opencost_unit = PriceUnit::kHour;  // the unit the target OpenCost expects (helm, configmap)
  std::string configmap_name = "custom-pricing-model";
  std::string namespace_name = "opencost";
};

// The (name, value) pairs OpenCost should get, in file order, credentials and cloud-only
// settings left out; prices converted to `unit`. Adds a warning per price the round trip changes.
std::vector<std::pair<std::string, std::string>> export_fields(const Pricing& pricing, PriceUnit unit,
                                                               std::vector<std::string>& warnings);

std::string export_pricing(const Pricing& pricing, const ExportOptions& options, std::vector<std::string>& warnings);

}  // namespace sf::pc
