#include "price-calc/pricing.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using namespace sf::pc;
using Catch::Contains;

namespace {
const char* const kMinimal = R"({"CPU": "0.031611", "RAM": "0.004237"})";
}

TEST_CASE("pricing: OpenCost's default.json loads, every value a string, hourly") {
  const Pricing p = parse_pricing(R"({
    "provider": "custom",
    "description": "Default prices based on GCP us-central1",
    "CPU": "0.031611",
    "spotCPU": "0.006655",
    "RAM": "0.004237",
    "spotRAM": "0.000892",
    "GPU": "0.95",
    "storage": "0.00005479452",
    "zoneNetworkEgress": "0.01",
    "regionNetworkEgress": "0.01",
    "internetNetworkEgress": "0.12",
    "natGatewayEgress": "0.045",
    "natGatewayIngress": "0.045",
    "firstFiveForwardingRulesCost": "0.0",
    "additionalForwardingRuleCost": "0.0",
    "LBIngressDataCost": "0.0"
  })", "default.json", PriceUnit::kHour);
  CHECK(p.format == "json");
  CHECK(*p.cpu == 0.031611);
  CHECK(*p.spot_cpu == 0.006655);
  CHECK(*p.ram == 0.004237);
  CHECK(*p.spot_ram == 0.000892);
  CHECK(*p.gpu == 0.95);
  CHECK(!p.spot_gpu);
  CHECK(*p.storage == 0.00005479452);
  CHECK(p.currency == "USD");
  CHECK(p.combined_discount() == 0);
  CHECK(p.fields.size() == 16);
}

TEST_CASE("pricing: the project's opencost/pricing.json is valid") {
  const Pricing p = load_pricing(std::string(SF_SOURCE_DIR) + "/opencost/pricing.json", PriceUnit::kHour);
  CHECK(*p.cpu > 0);
  CHECK(*p.ram > 0);
  CHECK(p.currency.size() == 3);
}

TEST_CASE("pricing: discounts as OpenCost's ParsePercentString reads them") {
  CHECK(parse_percent("20%", "f:1", "discount") == Approx(0.20));
  CHECK(parse_percent("20", "f:1", "discount") == Approx(0.20));
  CHECK(parse_percent("0.2", "f:1", "discount") == Approx(0.002));  // a bare number is a percentage
  CHECK(parse_percent("", "f:1", "discount") == 0.0);
  CHECK(parse_percent("100%", "f:1", "discount") == 1.0);
  CHECK_THROWS_WITH(parse_percent("twenty", "p.json:4", "discount"), Contains("p.json:4") && Contains("discount"));
  CHECK_THROWS_WITH(parse_percent("120%", "p.json:4", "negotiatedDiscount"), Contains("0..100"));
  CHECK_THROWS_WITH(parse_percent("-5", "p.json:4", "discount"), Contains("outside"));

  // Discount = 1 - (1 - 0.20)(1 - 0.10) = 0.28
  const Pricing p = parse_pricing(R"({"CPU":"1","RAM":"0.5","discount":"20%","negotiatedDiscount":"10"})", "p.json",
                                  PriceUnit::kHour);
  CHECK(p.discount == Approx(0.20));
  CHECK(p.negotiated_discount == Approx(0.10));
  CHECK(p.combined_discount() == Approx(0.28));
}

TEST_CASE("pricing: monthly prices convert as OpenCost's ConfigMap path: /730, 6 decimals") {
  CHECK(monthly_to_hourly(23.07603) == 0.031611);   // 23.07603 / 730 = 0.031611
  CHECK(monthly_to_hourly(1.25) == 0.001712);       // 0.00171232876... -> 0.001712
  CHECK(monthly_to_hourly(0.50) == 0.000685);       // 0.00068493150... -> 0.000685
  CHECK(monthly_to_hourly(0.04) == 0.000055);       // 0.0000547945...  -> 0.000055 (not 0.00005479452)
  CHECK(monthly_to_hourly(0.25) == 0.000342);       // 0.00034246575... -> 0.000342
  CHECK(monthly_to_hourly(0.0001) == 0.0);          // below half a millionth: rounds to 0, as OpenCost
  CHECK(monthly_to_hourly(730) == 1.0);

  // The Helm chart's default costModel, read as monthly.
  const Pricing p = parse_pricing("CPU: 1.25\nspotCPU: 0.006655\nRAM: 0.50\nspotRAM: 0.000892\nGPU: 0.95\nstorage: 0.25\n",
                                  "values.yaml", PriceUnit::kMonth);
  CHECK(*p.cpu == 0.001712);
  CHECK(*p.spot_cpu == 0.000009);  // 0.006655 / 730 = 0.00000911... -> 0.000009
  CHECK(*p.ram == 0.000685);
  CHECK(*p.spot_ram == 0.000001);  // 0.000892 / 730 = 0.00000122... -> 0.000001
  CHECK(*p.gpu == 0.001301);       // 0.95 / 730 = 0.00130136... -> 0.001301
  CHECK(*p.storage == 0.000342);
  CHECK(p.fields[0].value == "0.001712");  // stored as OpenCost's %f text
}

TEST_CASE("pricing: spotGPU is not divided in month mode, like OpenCost's UpdateFromMap") {
  const Pricing p = parse_pricing(R"({"CPU":"730","RAM":"73","spotGPU":"0.5"})", "p.json", PriceUnit::kMonth);
  CHECK(*p.cpu == 1.0);
  CHECK(*p.ram == 0.1);
  CHECK(*p.spot_gpu == 0.5);
}

TEST_CASE("pricing: the ConfigMap form") {
  const Pricing p = parse_pricing(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: custom-pricing-model
data:
  CPU: "0.031611"
  RAM: "0.004237"
  GPU: "0.95"
  provider: custom
  currencyCode: EUR
)", "cm.yaml", PriceUnit::kHour);
  CHECK(p.format == "configmap");
  CHECK(*p.cpu == 0.031611);
  CHECK(*p.gpu == 0.95);
  CHECK(p.currency == "EUR");
}

TEST_CASE("pricing: the Helm values form") {
  const Pricing p = parse_pricing(R"(opencost:
  customPricing:
    enabled: true
    configmapName: custom-pricing-model
    provider: custom
    costModel:
      description: test
      CPU: 1.25
      spotCPU: 0.006655
      RAM: 0.50
      spotRAM: 0.000892
      GPU: 0.95
      storage: 0.25
)", "values.yaml", PriceUnit::kMonth);
  CHECK(p.format == "helm");
  CHECK(*p.cpu == 0.001712);
  CHECK(p.description == "test");
}

TEST_CASE("pricing: bad input names the file, the line and the field") {
  auto fails = [](const std::string& text, const std::string& what) {
    CHECK_THROWS_WITH(parse_pricing(text, "prices.json", PriceUnit::kHour), Contains(what));
  };
  // A number where OpenCost wants a string, on line 3.
  fails("{\n  \"CPU\": \"0.03\",\n  \"RAM\": 0.004\n}", "prices.json:3: field \"RAM\" must be a JSON string");
  fails("{\n\"CPU\": \"abc\",\n\"RAM\": \"1\"}", "prices.json:2: field \"CPU\": \"abc\" is not a number");
  fails("{\n\"CPU\": \"-0.5\",\n\"RAM\": \"1\"}", "prices.json:2: field \"CPU\": -0.5 is negative");
  fails("{\"CPU\": \"NaN\", \"RAM\": \"1\"}", "is not a number");
  fails("{\"CPU\": \"Inf\", \"RAM\": \"1\"}", "is not a number");
  fails("{\"CPU\": \" 1\", \"RAM\": \"1\"}", "is not a number");
  fails("{\n\"CPU\": \"1\",\n\"RAM\": \"1\",\n\"CPUU\": \"2\"}", "prices.json:4: unknown pricing field \"CPUU\"; did you mean \"CPU\"?");
  fails("{\"CPU\": \"1\", \"RAM\": \"1\", \"cpu\": \"2\"}", "given twice");
  fails("{\"CPU\": \"1\"}", "no RAM price");
  fails("{\"RAM\": \"1\", \"CPU\": \"\"}", "no CPU price");
  fails("{\"CPU\": \"1\", \"RAM\": \"1\", \"currencyCode\": \"usd\"}", "ISO 4217");
  fails("{\"CPU\": \"1\", \"RAM\": \"1\", \"spotLabel\": \"lifecycle\", \"spotLabelValue\": \"spot\"}",
        "spotCPU or spotRAM is missing");
  fails("{\"CPU\": \"1\", \"RAM\": \"1\", \"gpuLabel\": \"gpu\"}", "GPU is missing");
  fails("{\n\"CPU\": \"1\",\n\"RAM\": \"1\",\n", "prices.json:4: invalid JSON");  // truncated
  fails("{\"CPU\": \"1\", \"RAM\": \"1\", \"nested\": {}}", "must be a JSON string, not an object");
  fails("[1, 2]", "expected a price list");
  fails("", "empty");
  fails("CPU: 1\nRAM: [1, 2]\n", "prices.json:2: field \"RAM\" must be a single value");
  fails("CPU: 1\nRAM: 1\n  bad: indentation\n", "prices.json:");
  fails("kind: Deployment\n", "not a price list");
}

TEST_CASE("pricing: empty prices mean unset, as OpenCost keeps the old value on \"\"") {
  const Pricing p = parse_pricing(R"({"CPU":"1","RAM":"2","GPU":"","storage":""})", "p.json", PriceUnit::kHour);
  CHECK(!p.gpu);
  CHECK(!p.storage);
}

TEST_CASE("pricing: keys match case-insensitively like Go's encoding/json, cloud settings are accepted") {
  const Pricing p = parse_pricing(R"({"cpu":"1","ram":"2","customPricesEnabled":"true","awsSpotDataRegion":"x"})",
                                  "p.json", PriceUnit::kHour);
  CHECK(*p.cpu == 1);
  CHECK(*p.ram == 2);
  CHECK(p.fields[0].name == "CPU");  // canonical spelling
}

TEST_CASE("pricing: default path resolution reports what it tried") {
  CHECK(resolve_pricing_path(std::string("x.json")) == "x.json");
  CHECK(installed_pricing_path().find("sovereign-finops/pricing.json") != std::string::npos);
  CHECK_THROWS_AS(parse_price_unit("week"), sf::UsageError);
  CHECK(parse_price_unit("month") == PriceUnit::kMonth);
  (void)kMinimal;
}

TEST_CASE("pricing: hostile YAML is a ParseError, never a crash") {
  auto fails = [](const std::string& text, const std::string& what) {
    CHECK_THROWS_WITH(parse_pricing(text, "p.yaml", PriceUnit::kHour), Contains("p.yaml:") && Contains(what));
  };
  fails("CPU: " + std::string(100000, '[') + std::string(100000, ']'), "nested too deeply");
  std::string indented;
  for (int i = 0; i < 200; ++i) indented += std::string(static_cast<size_t>(i), ' ') + "k" + std::to_string(i) + ":\n";
  fails(indented, "nested too deeply");
  fails("? [a, b]\n: 1\n", "plain word");
  fails("CPU: &a 1\nRAM: *a\nGPU: *b\n", "");
}

TEST_CASE("pricing: absurd prices are refused in the price list, not blamed on the input later") {
  CHECK_THROWS_WITH(parse_pricing(R"({"CPU": "1e308", "RAM": "1"})", "p.json", PriceUnit::kHour),
                    Contains("p.json:1") && Contains("\"CPU\"") && Contains("not a plausible price"));
  CHECK_THROWS_WITH(parse_pricing("{\n\"CPU\": \"1\",\n\"RAM\": \"1e309\"}", "p.json", PriceUnit::kHour),
                    Contains("p.json:3") && Contains("too large for a number") && !Contains("not a number"));
  CHECK_NOTHROW(parse_pricing(R"({"CPU": "1e9", "RAM": "0.5"})", "p.json", PriceUnit::kMonth));
}

TEST_CASE("pricing: an unterminated YAML quote is named as such, on its line") {
  CHECK_THROWS_WITH(parse_pricing("CPU: \"0.03\nRAM: 0.004\n", "p.yaml", PriceUnit::kHour),
                    Contains("p.yaml:1") && Contains("quote") && Contains("never closed") && !Contains("number"));
  CHECK_THROWS_WITH(parse_pricing("# prices\nCPU: 0.03\nRAM: '0.004\n", "p.yaml", PriceUnit::kHour),
                    Contains("p.yaml:3") && Contains("single quote"));
  // Quotes that close, apostrophes inside plain text and comments are fine.
  const Pricing p = parse_pricing("description: it's fine # don't worry\nCPU: \"0.03\"\nRAM: '0.004'\n", "p.yaml",
                                  PriceUnit::kHour);
  CHECK(*p.ram == 0.004);
}

TEST_CASE("pricing: a directory is not 'an empty price list'") {
  CHECK_THROWS_WITH(load_pricing("/tmp", PriceUnit::kHour), Contains("/tmp: is a directory"));
  CHECK_THROWS_WITH(load_pricing("/nonexistent/p.json", PriceUnit::kHour), Contains("price list (--pricing) /nonexistent/p.json: no such file"));
}
