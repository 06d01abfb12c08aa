// Where MetalLB's address pool goes inside the Docker `kind` network: at the top of the IPv4
// subnet, clear of the gateway, every container address, Docker's auxiliary addresses and its
// --ip-range (where it would put future containers). Docker hands addresses out from the
// bottom upwards, so without an --ip-range half of the free space above the highest assigned
// address is left to future containers (a registry, another node).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "render-manifests/docker_network.h"
#include "render-manifests/ipv4.h"

namespace sf::rm {

struct ReservedAddress {
  Ipv4 address;
  std::string what;  // "the gateway", "container kind-worker", "aux address host1"
};

// The IPv4 side of a network, validated, plus its IPv6 subnet for the record.
struct NetworkFacts {
  std::string network;
  Ipv4Cidr subnet;
  Ipv4 gateway;
  bool gateway_assumed = false;           // Docker left Gateway out: the first address is assumed
  std::optional<Ipv4Cidr> ip_range;       // Docker's --ip-range inside the subnet
  std::vector<ReservedAddress> reserved;  // inside the subnet, gateway first, then by address
  std::optional<Ipv4> highest_container;  // highest container address in the subnet
  size_t containers = 0;                  // containers with an address in the subnet
  size_t ipv4_subnets = 0;                // IPv4 entries in IPAM.Config (the first is used)
  std::vector<Ipv4> control_planes;       // kind's control-plane containers, by address
  std::string ipv6_subnet;                // "" when the network has none
  std::string ipv6_gateway;
};

// Picks the IPv4 subnet (the first, or the one equal to `subnet` when given) and collects the
// reserved addresses and the control-plane nodes (kind names them CLUSTER-control-plane, then
// CLUSTER-control-plane2...; `cluster` keeps one cluster's, "" every one). Throws UsageError
// when there is no IPv4 subnet (or not the one asked for).
NetworkFacts network_facts(const DockerNetwork& network, const std::string& subnet = "",
                           const std::string& cluster = "");

// True when `container` is a control-plane node of kind cluster `cluster` ("" = of any).
bool kind_control_plane(const std::string& container, const std::string& cluster);

struct RangeOptions {
  size_t max_size = 50;  // addresses in the pool at most
  size_t min_size = 1;   // fewer than this is an error
};

// The pool at the top of the subnet. Throws Error naming the subnet and what fills it when no
// room is left (a full subnet) and UsageError for subnets smaller than /29.
Ipv4Range plan_metallb_range(const NetworkFacts& facts, const RangeOptions& options = {});

// Problems with a given range, each one sentence naming the address and who holds it; empty
// when the range is inside the subnet's host addresses and clear.
std::vector<std::string> check_metallb_range(const NetworkFacts& facts, const Ipv4Range& range);

// Advice that is not an error: a range below the highest container address may be handed to
// the next container Docker starts.
std::vector<std::string> range_warnings(const NetworkFacts& facts, const Ipv4Range& range);

}  // namespace sf::rm
