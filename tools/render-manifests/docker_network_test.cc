#include "render-manifests/docker_network.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;
using sf::rm::test::fixture;

TEST_CASE("docker network: the kind network with three nodes and IPv6", "[docker]") {
  const auto networks = parse_docker_networks(fixture("docker/kind-3-nodes-ipv6.json"), "stdin");
  REQUIRE(networks.size() == 1);
  const DockerNetwork& n = networks[0];
  CHECK(n.name == "kind");
  CHECK(n.driver == "bridge");
  CHECK(n.enable_ipv6);
  REQUIRE(n.ipam.size() == 2);
  CHECK(n.ipam[0].ipv6);
  CHECK(n.ipam[0].subnet == "fc00:f853:ccd:e793::/64");
  CHECK_FALSE(n.ipam[1].ipv6);
  CHECK(n.ipam[1].subnet == "172.18.0.0/16");
  CHECK(n.ipam[1].gateway == "172.18.0.1");
  REQUIRE(n.containers.size() == 3);
  // Sorted by name, whatever order Docker's map had.
  CHECK(n.containers[0].name == "sovereign-finops-control-plane");
  CHECK(n.containers[0].ipv4 == "172.18.0.2/16");
  CHECK(n.containers[0].ipv6 == "fc00:f853:ccd:e793::2/64");
  CHECK(n.containers[2].name == "sovereign-finops-worker2");
}

TEST_CASE("docker network: IPRange, aux addresses, null Options, empty Containers", "[docker]") {
  const auto with_range = parse_docker_networks(fixture("docker/ip-range-aux.json"), "stdin");
  REQUIRE(with_range[0].ipam.size() == 1);
  CHECK(with_range[0].ipam[0].ip_range == "10.89.0.0/25");
  REQUIRE(with_range[0].ipam[0].aux_addresses.size() == 1);
  CHECK(with_range[0].ipam[0].aux_addresses[0].second == "10.89.0.250");
  CHECK(parse_docker_networks(fixture("docker/kind-before-cluster.json"), "stdin")[0].containers.empty());
  CHECK(parse_docker_networks(fixture("docker/kind-pool-20-registry.json"), "stdin")[0].containers.size() == 2);
  CHECK(parse_docker_networks("[]", "stdin").empty());
  // IPAM null and Config null are networks without subnets, not errors (the caller says so).
  CHECK(parse_docker_networks(R"([{"Name":"x","IPAM":null}])", "stdin")[0].ipam.empty());
  CHECK(parse_docker_networks(R"([{"Name":"x","IPAM":{"Config":null}}])", "stdin")[0].ipam.empty());
}

TEST_CASE("docker network: bad input names the field and the line", "[docker]") {
  auto message = [](const std::string& json) {
    try {
      parse_docker_networks(json, "stdin");
    } catch (const sf::ParseError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message("[\n{\"Name\": \"kind\",\n \"IPAM\": {\"Config\": [ {\"Subnet\": }]}}]"),
             Catch::Contains("stdin:3: invalid JSON"));
  CHECK_THAT(message("{\"Name\":\"kind\"}"), Catch::Contains("expected a JSON array of networks"));
  CHECK_THAT(message("[] junk"), Catch::Contains("text after the JSON array"));
  CHECK_THAT(message("[1]"), Catch::Contains("[0]: expected a network object"));
  CHECK_THAT(message(R"([{"IPAM":{"Config":[{"Subnet":"172.18.0.0/33"}]}}])"),
             Catch::Contains("[0].IPAM.Config[0].Subnet: '172.18.0.0/33' is not a subnet"));
  CHECK_THAT(message(R"([{"IPAM":{"Config":[{"Subnet":"172.18.0.1/16"}]}}])"), Catch::Contains("is not a subnet"));
  CHECK_THAT(message(R"([{"IPAM":{"Config":[{"Gateway":"172.18.0.1"}]}}])"),
             Catch::Contains("[0].IPAM.Config[0].Subnet: missing"));
  CHECK_THAT(message(R"([{"IPAM":{"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.300"}]}}])"),
             Catch::Contains("Gateway: '172.18.0.300' is not an address"));
  CHECK_THAT(message(R"([{"IPAM":{"Config":[{"Subnet":"fc00::/64","Gateway":"fc00::zz"}]}}])"),
             Catch::Contains("Gateway: 'fc00::zz' is not an address"));
  CHECK_THAT(message(R"([{"Containers":{"abc":{"Name":"n","IPv4Address":"172.18.0.2"}}}])"),
             Catch::Contains("[0].Containers.abc.IPv4Address: '172.18.0.2' is not an IPv4 address/prefix"));
  CHECK_THAT(message(R"([{"Containers":{"abc":{"Name":"n","IPv6Address":"fc00::2/129"}}}])"),
             Catch::Contains("IPv6Address"));
  CHECK_THAT(message(R"([{"Containers":[]}])"), Catch::Contains("expected an object keyed by container ID"));
  CHECK_THAT(message(R"([{"Name":7}])"), Catch::Contains("[0].Name: expected a string"));
  CHECK_THAT(message(R"([{"IPAM":{"Config":[{"Subnet":"10.0.0.0/8","AuxiliaryAddresses":{"a":"x"}}]}}])"),
             Catch::Contains("AuxiliaryAddresses.a: 'x' is not an address"));
  // Control characters in a value are shown escaped, never raw on the terminal.
  CHECK_THAT(message("[{\"IPAM\":{\"Config\":[{\"Subnet\":\"\\u001b[31m\"}]}}]"), Catch::Contains("\\x1B"));
  CHECK_THAT(message(std::string(17u << 20, ' ')), Catch::Contains("the limit is 16 MiB"));
}

TEST_CASE("docker network: picking one of several", "[docker]") {
  const auto two = parse_docker_networks(R"([{"Name":"bridge"},{"Name":"kind"}])", "stdin");
  CHECK(pick_network(two, "kind", "stdin").name == "kind");
  CHECK_THROWS_WITH(pick_network(two, "lab", "stdin"), Catch::Contains("pick one with --network NAME"));
  CHECK_THROWS_WITH(pick_network({}, "kind", "stdin"), Catch::Contains("no network in the input"));
  const auto one = parse_docker_networks(R"([{"Name":"other"}])", "stdin");
  CHECK(pick_network(one, "kind", "stdin").name == "other");  // the only one: what was inspected
}
