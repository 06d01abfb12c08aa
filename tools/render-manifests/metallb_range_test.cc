#include "render-manifests/metallb_range.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/strings.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;
using sf::cat;
using sf::rm::test::fixture;

namespace {

NetworkFacts facts_of(const std::string& name) {
  const auto networks = parse_docker_networks(fixture("docker/" + name), "stdin");
  return network_facts(pick_network(networks, "kind", "stdin"));
}

// A network with `subnet`, gateway at its first host and `nodes` containers from the bottom.
DockerNetwork synthetic(const std::string& subnet, int nodes, bool gateway = true) {
  DockerNetwork n;
  n.name = "kind";
  IpamConfig c;
  c.subnet = subnet;
  const Ipv4Cidr cidr = *parse_ipv4_cidr(subnet);
  if (gateway) c.gateway = format_ipv4(Ipv4{cidr.base.value + 1});
  n.ipam.push_back(c);
  for (int i = 0; i < nodes; ++i) {
    Endpoint e;
    e.id = cat("id", i);
    e.name = cat("node", i);
    e.ipv4 = cat(format_ipv4(Ipv4{cidr.base.value + 2 + static_cast<uint32_t>(i)}), '/', cidr.prefix);
    n.containers.push_back(e);
  }
  return n;
}

std::string plan(const DockerNetwork& n, size_t max_size = 50) {
  RangeOptions o;
  o.max_size = max_size;
  return format_range(plan_metallb_range(network_facts(n), o));
}

}  // namespace

TEST_CASE("metallb range: the kind network's top, as kind's old docs placed it", "[range]") {
  const NetworkFacts f = facts_of("kind-3-nodes-ipv6.json");
  CHECK(format_cidr(f.subnet) == "172.18.0.0/16");  // the IPv4 entry, though IPv6 is listed first
  CHECK(format_ipv4(f.gateway) == "172.18.0.1");
  CHECK(f.ipv6_subnet == "fc00:f853:ccd:e793::/64");
  CHECK(f.containers == 3);
  CHECK(format_ipv4(*f.highest_container) == "172.18.0.4");
  const Ipv4Range r = plan_metallb_range(f);
  CHECK(format_range(r) == "172.18.255.205-172.18.255.254");
  CHECK(r.size() == 50);
  CHECK(check_metallb_range(f, r).empty());
  CHECK(range_warnings(f, r).empty());
}

TEST_CASE("metallb range: subnets from /8 to /29", "[range]") {
  CHECK(plan(synthetic("10.0.0.0/8", 3)) == "10.255.255.205-10.255.255.254");
  CHECK(plan(synthetic("172.18.0.0/16", 3)) == "172.18.255.205-172.18.255.254");
  CHECK(plan(synthetic("172.19.0.0/16", 0)) == "172.19.255.205-172.19.255.254");
  CHECK(plan(synthetic("192.168.48.0/20", 3)) == "192.168.63.205-192.168.63.254");
  CHECK(plan(synthetic("192.168.1.0/24", 3)) == "192.168.1.205-192.168.1.254");
  // /26: 64 addresses, .1 gateway, .2-.4 nodes, 58 free above: half of them, 29, for the pool.
  CHECK(plan(synthetic("192.168.1.64/26", 3)) == "192.168.1.98-192.168.1.126");
  // /27: 26 free above .4, 13 for the pool.
  CHECK(plan(synthetic("192.168.1.32/27", 3)) == "192.168.1.50-192.168.1.62");
  // /28: 10 free above .4 -> 5.
  CHECK(plan(synthetic("192.168.1.16/28", 3)) == "192.168.1.26-192.168.1.30");
  // /29: .1 gateway, .2-.4 nodes, .5-.6 free -> 1 address (half rounded up), .5 left for Docker.
  CHECK(plan(synthetic("192.168.1.8/29", 3)) == "192.168.1.14-192.168.1.14");
  CHECK(plan(synthetic("192.168.1.8/29", 4)) == "192.168.1.14-192.168.1.14");  // .6 free only
  // Every plan is clear by the checker's own rules, for every prefix and node count.
  for (int prefix = 8; prefix <= 29; ++prefix) {
    for (int nodes : {0, 1, 3}) {
      const uint32_t base = prefix <= 16 ? 0x0a000000u : 0xac120000u;
      const DockerNetwork n = synthetic(cat(format_ipv4(Ipv4{base}), '/', prefix), nodes);
      const NetworkFacts f = network_facts(n);
      const Ipv4Range r = plan_metallb_range(f);
      INFO(format_cidr(f.subnet) << " with " << nodes << " nodes: " << format_range(r));
      CHECK(check_metallb_range(f, r).empty());
      CHECK(r.last == Ipv4{f.subnet.last().value - 1});
      CHECK(r.size() >= 1);
      CHECK(r.size() <= 50);
    }
  }
}

TEST_CASE("metallb range: the size option caps it", "[range]") {
  CHECK(plan(synthetic("172.18.0.0/16", 3), 1) == "172.18.255.254-172.18.255.254");
  CHECK(plan(synthetic("172.18.0.0/16", 3), 255) == "172.18.255.0-172.18.255.254");
  CHECK(plan(synthetic("172.18.0.0/16", 3), 256) == "172.18.254.255-172.18.255.254");
  RangeOptions o;
  o.max_size = 20;
  o.min_size = 10;
  CHECK_THROWS_WITH(plan_metallb_range(network_facts(synthetic("192.168.1.16/28", 3)), o),
                    Catch::Contains("room for 5 pool addresses") && Catch::Contains("fewer than --min-size 10"));
  o.max_size = 0;
  o.min_size = 0;
  CHECK_THROWS_AS(plan_metallb_range(network_facts(synthetic("172.18.0.0/16", 3)), o), sf::UsageError);
}

TEST_CASE("metallb range: a full subnet and a too small one are clear errors", "[range]") {
  const NetworkFacts full = facts_of("small-29-full.json");
  CHECK(full.containers == 5);
  CHECK_THROWS_WITH(plan_metallb_range(full), Catch::Contains("subnet 172.30.5.0/29 is full") &&
                                                  Catch::Contains("172.30.5.6 (container tiny-proxy)"));
  CHECK_THROWS_AS(plan_metallb_range(network_facts(synthetic("192.168.1.0/30", 1))), sf::UsageError);
  CHECK_THROWS_WITH(plan_metallb_range(network_facts(synthetic("192.168.1.0/30", 1))),
                    Catch::Contains("too small") && Catch::Contains("/29"));
  CHECK_THROWS_AS(plan_metallb_range(network_facts(synthetic("192.168.1.0/32", 0, false))), sf::UsageError);
}

TEST_CASE("metallb range: no IPv4 subnet is a clear error", "[range]") {
  const auto v6 = parse_docker_networks(fixture("docker/ipv6-only.json"), "stdin");
  CHECK_THROWS_WITH(network_facts(v6[0]), Catch::Contains("has no IPv4 subnet (only IPv6)"));
  DockerNetwork empty;
  empty.name = "kind";
  CHECK_THROWS_WITH(network_facts(empty), Catch::Contains("network 'kind' has no IPv4 subnet"));
  CHECK_THROWS_WITH(network_facts(synthetic("172.18.0.0/16", 1), "10.0.0.0/8"),
                    Catch::Contains("has no IPv4 subnet 10.0.0.0/8"));
}

TEST_CASE("metallb range: a container at the top pushes nothing below it", "[range]") {
  // A registry container with a static address high up: the pool still goes above it, or the
  // subnet is full at the top.
  DockerNetwork n = synthetic("172.18.0.0/16", 3);
  Endpoint registry;
  registry.id = "r";
  registry.name = "kind-registry";
  registry.ipv4 = "172.18.255.100/16";
  n.containers.push_back(registry);
  CHECK(plan(n) == "172.18.255.205-172.18.255.254");
  registry.ipv4 = "172.18.255.240/16";
  n.containers.back() = registry;
  CHECK(plan(n) == "172.18.255.248-172.18.255.254");  // 14 free above .240, half of them
}

TEST_CASE("metallb range: Docker's --ip-range and aux addresses", "[range]") {
  const NetworkFacts f = facts_of("ip-range-aux.json");
  REQUIRE(f.ip_range.has_value());
  // Containers get addresses in 10.89.0.0/25 only; the aux address .250 is taken: the pool is
  // everything above .250 (no headroom needed, Docker never allocates outside --ip-range).
  CHECK(format_range(plan_metallb_range(f)) == "10.89.0.251-10.89.0.254");
  const auto problems = check_metallb_range(f, *parse_ipv4_range("10.89.0.100-10.89.0.130"));
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("overlaps Docker's --ip-range 10.89.0.0/25"));
  const auto aux = check_metallb_range(f, *parse_ipv4_range("10.89.0.200-10.89.0.254"));
  REQUIRE(aux.size() == 1);
  CHECK_THAT(aux[0], Catch::Contains("holds 10.89.0.250, used by aux address nas"));
}

TEST_CASE("metallb range: checking a given range", "[range]") {
  const NetworkFacts f = facts_of("kind-pool-20-registry.json");
  CHECK(format_cidr(f.subnet) == "192.168.48.0/20");
  CHECK(check_metallb_range(f, *parse_ipv4_range("192.168.63.200-192.168.63.250")).empty());
  CHECK(check_metallb_range(f, *parse_ipv4_range("192.168.60.0/24")).empty());
  const auto outside = check_metallb_range(f, *parse_ipv4_range("172.18.255.200-172.18.255.250"));
  REQUIRE(outside.size() == 1);
  CHECK_THAT(outside[0], Catch::Contains("is not inside the network's IPv4 subnet 192.168.48.0/20"));
  const auto straddles = check_metallb_range(f, *parse_ipv4_range("192.168.63.250-192.168.64.10"));
  REQUIRE(straddles.size() == 1);
  const auto taken = check_metallb_range(f, *parse_ipv4_range("192.168.48.0-192.168.48.9"));
  REQUIRE(taken.size() == 4);
  CHECK_THAT(taken[0], Catch::Contains("the network address"));
  CHECK_THAT(taken[1], Catch::Contains("192.168.48.1, used by the gateway"));
  CHECK_THAT(taken[2], Catch::Contains("192.168.48.2, used by container finops-control-plane"));
  CHECK_THAT(taken[3], Catch::Contains("192.168.48.5, used by container kind-registry"));
  const auto broadcast = check_metallb_range(f, *parse_ipv4_range("192.168.63.250-192.168.63.255"));
  REQUIRE(broadcast.size() == 1);
  CHECK_THAT(broadcast[0], Catch::Contains("the broadcast address"));
  // Clear but below the highest container: a warning, not an error.
  const Ipv4Range low = *parse_ipv4_range("192.168.48.3-192.168.48.4");
  CHECK(check_metallb_range(f, low).empty());
  REQUIRE(range_warnings(f, low).size() == 1);
  CHECK_THAT(range_warnings(f, low)[0], Catch::Contains("below 192.168.48.5"));
}

TEST_CASE("network facts: kind's control-plane nodes", "[range]") {
  CHECK(kind_control_plane("sovereign-finops-control-plane", ""));
  CHECK(kind_control_plane("sovereign-finops-control-plane2", "sovereign-finops"));
  CHECK(kind_control_plane("kind-control-plane", "kind"));
  CHECK_FALSE(kind_control_plane("kind-control-plane", "other"));
  CHECK_FALSE(kind_control_plane("kind-worker", ""));
  CHECK_FALSE(kind_control_plane("-control-plane", ""));
  CHECK_FALSE(kind_control_plane("kind-control-plane-x", ""));
  CHECK_FALSE(kind_control_plane("kind-registry", ""));
  DockerNetwork two = synthetic("172.18.0.0/16", 0);
  for (const auto& [name, ip] : std::vector<std::pair<std::string, std::string>>{
           {"b-control-plane", "172.18.0.7/16"}, {"a-control-plane", "172.18.0.5/16"}, {"a-control-plane2", "172.18.0.3/16"},
           {"a-worker", "172.18.0.4/16"}}) {
    Endpoint e;
    e.id = name;
    e.name = name;
    e.ipv4 = ip;
    two.containers.push_back(e);
  }
  const NetworkFacts all = network_facts(two);
  REQUIRE(all.control_planes.size() == 3);
  CHECK(format_ipv4(all.control_planes[0]) == "172.18.0.3");  // sorted by address
  const NetworkFacts a = network_facts(two, "", "a");
  REQUIRE(a.control_planes.size() == 2);
  CHECK(format_ipv4(a.control_planes[1]) == "172.18.0.5");
  CHECK(network_facts(two, "", "c").control_planes.empty());
}

TEST_CASE("metallb range: a missing gateway is assumed at the first address", "[range]") {
  const NetworkFacts f = network_facts(synthetic("172.20.0.0/16", 2, false));
  CHECK(f.gateway_assumed);
  CHECK(format_ipv4(f.gateway) == "172.20.0.1");
  const auto problems = check_metallb_range(f, *parse_ipv4_range("172.20.0.1"));
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("assumed"));
}
