#include "render-manifests/facts.h"

#include <catch2/catch.hpp>

#include <cstdio>

#include "common/error.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;

namespace {

std::string render(const std::vector<FactField>& fields, FactsFormat format) {
  sf::rm::test::ScratchDir dir;
  const std::string path = (dir.path() / "facts").string();
  sf::OutputFile out(path);
  write_facts(out.out(), fields, format);
  out.commit();
  return sf::rm::test::read_text(path);
}

NetworkFacts kind_facts() {
  const auto networks = parse_docker_networks(sf::rm::test::fixture("docker/kind-3-nodes-ipv6.json"), "stdin");
  return network_facts(networks[0]);
}

}  // namespace

TEST_CASE("facts: one field table, as JSON and as KEY=value lines", "[facts]") {
  const NetworkFacts f = kind_facts();
  const auto fields = fact_fields(f, {plan_metallb_range(f)});
  CHECK(render(fields, FactsFormat::kJson) ==
        R"({"kind":"network_facts","network":"kind","ipv4_subnet":"172.18.0.0/16","ipv4_gateway":"172.18.0.1",)"
        R"("ipv6_subnet":"fc00:f853:ccd:e793::/64","ipv6_gateway":"fc00:f853:ccd:e793::1","containers":3,)"
        R"("highest_container_ip":"172.18.0.4","control_plane_cidrs":"172.18.0.2/32","metallb_range":"172.18.255.205-172.18.255.254","metallb_size":50})"
        "\n");
  CHECK(render(fields, FactsFormat::kEnv) ==
        "NETWORK=kind\nIPV4_SUBNET=172.18.0.0/16\nIPV4_GATEWAY=172.18.0.1\nIPV6_SUBNET=fc00:f853:ccd:e793::/64\n"
        "IPV6_GATEWAY=fc00:f853:ccd:e793::1\nCONTAINERS=3\nHIGHEST_CONTAINER_IP=172.18.0.4\n"
        "CONTROL_PLANE_CIDRS=172.18.0.2/32\n"
        "METALLB_RANGE=172.18.255.205-172.18.255.254\nMETALLB_SIZE=50\n");
}

TEST_CASE("facts: several checked ranges are joined, their sizes added", "[facts]") {
  const NetworkFacts f = kind_facts();
  const auto fields = fact_fields(f, {*parse_ipv4_range("172.18.255.200-172.18.255.209"),
                                      *parse_ipv4_range("172.18.254.0/28")});
  CHECK_THAT(render(fields, FactsFormat::kEnv),
             Catch::Contains("METALLB_RANGE=172.18.255.200-172.18.255.209,172.18.254.0-172.18.254.15\nMETALLB_SIZE=26\n"));
}

TEST_CASE("facts: formats and unsafe values", "[facts]") {
  CHECK(parse_facts_format("json") == FactsFormat::kJson);
  CHECK(parse_facts_format("env") == FactsFormat::kEnv);
  CHECK_THROWS_AS(parse_facts_format("yaml"), sf::UsageError);
  NetworkFacts f = kind_facts();
  f.network = "kind net";
  CHECK_THROWS_WITH(render(fact_fields(f, {}), FactsFormat::kEnv), Catch::Contains("use --format json"));
  f.network = "kind\xff";
  CHECK_THROWS_WITH(render(fact_fields(f, {}), FactsFormat::kJson), Catch::Contains("field \"network\" is not valid UTF-8"));
}
