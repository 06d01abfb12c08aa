// libFuzzer target: price-calc's price-list loader (OpenCost pricing JSON, ConfigMap and Helm
// YAML, --price-unit month) and its re-emission. Malformed input must end in sf::Error (a message
// naming the file and line), never in a crash, a hang or another exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "price-calc/pricing.h"
#include "price-calc/pricing_export.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    sf::log::set_level(sf::log::Level::kQuiet);
    return true;
  }();
  (void)quiet;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto unit : {sf::pc::PriceUnit::kHour, sf::pc::PriceUnit::kMonth}) {
    try {
      const sf::pc::Pricing p = sf::pc::parse_pricing(text, "fuzz.json", unit);
      // A list that loads has usable prices.
      if (!p.cpu || !p.ram || *p.cpu < 0 || *p.ram < 0) __builtin_trap();
      if (p.combined_discount() < 0 || p.combined_discount() > 1) __builtin_trap();
      std::vector<std::string> warnings;
      for (const char* form : {"json", "helm", "configmap"}) {
        sf::pc::ExportOptions o;
        o.form = form;
        o.opencost_unit = unit;
        const std::string out = sf::pc::export_pricing(p, o, warnings);
        // What we emit in OpenCost's JSON form must load again.
        if (o.form == "json") sf::pc::parse_pricing(out, "round-trip.json", sf::pc::PriceUnit::kHour);
      }
    } catch (const sf::Error&) {
    }
  }
  return 0;
}
