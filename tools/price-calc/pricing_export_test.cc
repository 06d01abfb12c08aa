#include "price-calc/pricing_export.h"

#include <catch2/catch.hpp>

using namespace sf::pc;
using Catch::Contains;

namespace {
Pricing list() {
  return parse_pricing(R"({"provider":"custom","CPU":"0.031611","RAM":"0.004237","storage":"0.00005479452",
    "awsServiceKeySecret":"hunter2","currencyCode":"EUR"})", "p.json", PriceUnit::kHour);
}
}  // namespace

TEST_CASE("pricing export: json round-trips and drops credentials") {
  std::vector<std::string> warnings;
  const std::string json = export_pricing(list(), ExportOptions{}, warnings);
  CHECK(json.find("hunter2") == std::string::npos);
  CHECK(json.find("awsServiceKeySecret") == std::string::npos);
  const Pricing back = parse_pricing(json, "out.json", PriceUnit::kHour);
  CHECK(*back.cpu == 0.031611);
  CHECK(back.currency == "EUR");
  CHECK(warnings.empty());
}

TEST_CASE("pricing export: helm values read back as the same hourly prices") {
  std::vector<std::string> warnings;
  ExportOptions o;
  o.form = "helm";
  const std::string yaml = export_pricing(list(), o, warnings);
  CHECK_THAT(yaml, Contains("customPricing:") && Contains("costModel:") && Contains("CPU: \"0.031611\""));
  const Pricing back = parse_pricing(yaml, "values.yaml", PriceUnit::kHour);
  CHECK(back.format == "helm");
  CHECK(*back.cpu == 0.031611);
  CHECK(*back.storage == 0.00005479452);
}

TEST_CASE("pricing export: monthly ConfigMap for OpenCost before #3830, with the rounding it will apply") {
  std::vector<std::string> warnings;
  ExportOptions o;
  o.form = "configmap";
  o.opencost_unit = PriceUnit::kMonth;
  const std::string yaml = export_pricing(list(), o, warnings);
  CHECK_THAT(yaml, Contains("kind: ConfigMap") && Contains("CPU: \"23.07603\"") && Contains("RAM: \"3.09301\""));
  // Reading it the way OpenCost does (/730, 6 decimals) gives back CPU and RAM, not storage.
  const Pricing back = parse_pricing(yaml, "cm.yaml", PriceUnit::kMonth);
  CHECK(*back.cpu == 0.031611);
  CHECK(*back.ram == 0.004237);
  CHECK(*back.storage == 0.000055);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Contains("storage"));
}
