#include "render-manifests/metallb_range.h"

#include <algorithm>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::rm {
namespace {

constexpr int kSmallestPrefix = 29;  // gateway + 3 nodes + a pool of at least 1 need 8 addresses

std::string container_label(const Endpoint& e) {
  return cat("container ", printable(e.name.empty() ? e.id.substr(0, 12) : e.name, 80));
}

}  // namespace

bool kind_control_plane(const std::string& container, const std::string& cluster) {
  constexpr std::string_view kSuffix = "-control-plane";
  const size_t at = container.rfind(kSuffix);
  if (at == std::string::npos || at == 0) return false;
  for (size_t i = at + kSuffix.size(); i < container.size(); ++i)
    if (container[i] < '0' || container[i] > '9') return false;
  return cluster.empty() || container.substr(0, at) == cluster;
}

NetworkFacts network_facts(const DockerNetwork& network, const std::string& subnet, const std::string& cluster) {
  const IpamConfig* v4 = nullptr;
  const IpamConfig* v6 = nullptr;
  size_t v4_count = 0;
  for (const auto& c : network.ipam) {
    if (c.ipv6) {
      if (v6 == nullptr) v6 = &c;
      continue;
    }
    ++v4_count;
    if (v4 == nullptr && (subnet.empty() || c.subnet == subnet)) v4 = &c;
  }
  const std::string label = cat("network '", printable(network.name, 64), "'");
  if (v4 == nullptr) {
    if (!subnet.empty()) throw UsageError(cat(label, " has no IPv4 subnet ", subnet, "; see its IPAM.Config"));
    throw UsageError(cat(label, " has no IPv4 subnet", v6 ? " (only IPv6)" : "",
                         ": MetalLB's pool for kind must come from an IPv4 subnet; recreate the network "
                         "with one (docker network rm ", printable(network.name, 64), ", then kind create cluster)"));
  }
  NetworkFacts f;
  f.network = network.name;
  f.subnet = *parse_ipv4_cidr(v4->subnet);
  if (v4->gateway.empty()) {
    f.gateway = Ipv4{f.subnet.base.value + (f.subnet.prefix < 32 ? 1u : 0u)};
    f.gateway_assumed = true;
  } else {
    f.gateway = *parse_ipv4(v4->gateway);
  }
  if (!v4->ip_range.empty()) f.ip_range = parse_ipv4_cidr(v4->ip_range);
  if (v6 != nullptr) {
    f.ipv6_subnet = v6->subnet;
    f.ipv6_gateway = v6->gateway;
  }
  if (f.subnet.contains(f.gateway))
    f.reserved.push_back({f.gateway, f.gateway_assumed ? "the gateway (assumed: Docker's first address)" : "the gateway"});
  std::vector<ReservedAddress> others;
  for (const auto& [name, address] : v4->aux_addresses) {
    const Ipv4 a = *parse_ipv4(address);
    if (f.subnet.contains(a)) others.push_back({a, cat("aux address ", printable(name, 64))});
  }
  for (const auto& e : network.containers) {
    if (e.ipv4.empty()) continue;
    const Ipv4 a = parse_ipv4_cidr(e.ipv4, true)->base;
    if (!f.subnet.contains(a)) continue;
    ++f.containers;
    others.push_back({a, container_label(e)});
    if (!f.highest_container || *f.highest_container < a) f.highest_container = a;
    if (kind_control_plane(e.name, cluster)) f.control_planes.push_back(a);
  }
  std::stable_sort(others.begin(), others.end(),
                   [](const ReservedAddress& a, const ReservedAddress& b) { return a.address < b.address; });
  f.reserved.insert(f.reserved.end(), others.begin(), others.end());
  f.ipv4_subnets = v4_count;
  std::sort(f.control_planes.begin(), f.control_planes.end());
  return f;
}

Ipv4Range plan_metallb_range(const NetworkFacts& f, const RangeOptions& options) {
  const std::string subnet = format_cidr(f.subnet);
  if (f.subnet.prefix > kSmallestPrefix)
    throw UsageError(cat("subnet ", subnet, " is too small: the gateway, three nodes and a pool need at least a /",
                         kSmallestPrefix, "; recreate the kind network with a larger subnet"));
  if (options.max_size == 0 || options.min_size > options.max_size)
    throw UsageError(cat("--size ", options.max_size, " and --min-size ", options.min_size,
                         ": the size must be at least 1 and at least the minimum"));
  const Ipv4 top{f.subnet.last().value - 1};  // the broadcast address is not a host
  // Everything at or below `floor` is taken (or Docker's to hand out); the pool lives above it.
  Ipv4 floor = f.subnet.first();
  std::string floor_what = "the network address";
  for (const auto& r : f.reserved)
    if (floor < r.address) {
      floor = r.address;
      floor_what = r.what;
    }
  if (f.ip_range && floor < f.ip_range->last()) {
    floor = std::min(f.ip_range->last(), f.subnet.last());
    floor_what = cat("Docker's --ip-range ", format_cidr(*f.ip_range));
  }
  const uint64_t free = floor < top ? uint64_t{top.value} - floor.value : 0;
  if (free == 0)
    throw Error(cat("subnet ", subnet, " is full: ", format_ipv4(floor), " (", floor_what,
                    ") is at its top, so no address above every assigned one is left for MetalLB; "
                    "remove unused containers from the network or recreate it with a larger subnet"));
  // Without an --ip-range Docker keeps handing out addresses upwards: leave it half of the room.
  const uint64_t room = f.ip_range ? free : (free + 1) / 2;
  const uint64_t size = std::min<uint64_t>(room, options.max_size);
  if (size < options.min_size)
    throw Error(cat("subnet ", subnet, " has room for ", size, " pool address", size == 1 ? "" : "es",
                    " above ", format_ipv4(floor), " (", floor_what, "), fewer than --min-size ", options.min_size,
                    "; recreate the kind network with a larger subnet"));
  return Ipv4Range{Ipv4{static_cast<uint32_t>(top.value - size + 1)}, top};
}

std::vector<std::string> check_metallb_range(const NetworkFacts& f, const Ipv4Range& range) {
  std::vector<std::string> problems;
  const std::string text = format_range(range);
  const std::string subnet = format_cidr(f.subnet);
  if (!f.subnet.contains(range.first) || !f.subnet.contains(range.last)) {
    problems.push_back(cat(text, " is not inside the network's IPv4 subnet ", subnet));
    return problems;
  }
  if (range.contains(f.subnet.first()))
    problems.push_back(cat(text, " holds ", format_ipv4(f.subnet.first()), ", the network address of ", subnet));
  if (f.subnet.prefix < 32 && range.contains(f.subnet.last()))
    problems.push_back(cat(text, " holds ", format_ipv4(f.subnet.last()), ", the broadcast address of ", subnet));
  for (const auto& r : f.reserved)
    if (range.contains(r.address))
      problems.push_back(cat(text, " holds ", format_ipv4(r.address), ", used by ", r.what));
  if (f.ip_range) {
    const Ipv4Range docker{f.ip_range->first(), f.ip_range->last()};
    if (range.first <= docker.last && docker.first <= range.last)
      problems.push_back(cat(text, " overlaps Docker's --ip-range ", format_cidr(*f.ip_range),
                             ", where it gives containers their addresses"));
  }
  return problems;
}

std::vector<std::string> range_warnings(const NetworkFacts& f, const Ipv4Range& range) {
  std::vector<std::string> out;
  if (!f.ip_range && f.highest_container && range.first < *f.highest_container)
    out.push_back(cat(format_range(range), " lies below ", format_ipv4(*f.highest_container),
                      ", the highest container address: Docker gives new containers addresses from the bottom "
                      "upwards and may hand one from this range to the next container"));
  return out;
}

}  // namespace sf::rm
