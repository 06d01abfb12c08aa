// libFuzzer target for the `docker network inspect` reader and the MetalLB range planner:
// parse, pick a network, compute facts and a pool, check the pool, and check the range given
// after a last line "#check RANGE" when there is one. sf::Error (bad input, a full subnet) is the expected outcome for junk;
// a crash, a sanitizer report or any other exception is a bug. A planned pool must always pass
// the checker.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.h"
#include "render-manifests/docker_network.h"
#include "render-manifests/metallb_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view check;
  if (const auto at = text.rfind("\n#check "); at != std::string_view::npos) {
    check = text.substr(at + 8);
    text = text.substr(0, at);
  }
  try {
    const auto networks = sf::rm::parse_docker_networks(text, "fuzz");
    const auto& network = sf::rm::pick_network(networks, "kind", "fuzz");
    const sf::rm::NetworkFacts facts = sf::rm::network_facts(network);
    sf::rm::RangeOptions options;
    options.max_size = 1 + size % 300;
    try {
      const sf::rm::Ipv4Range pool = sf::rm::plan_metallb_range(facts, options);
      if (!sf::rm::check_metallb_range(facts, pool).empty()) std::abort();  // the planner's pool must be clear
      if (pool.size() > options.max_size) std::abort();
    } catch (const sf::Error&) {
    }
    if (const auto range = sf::rm::parse_ipv4_range(check)) (void)sf::rm::check_metallb_range(facts, *range);
  } catch (const sf::Error&) {
  }
  return 0;
}
