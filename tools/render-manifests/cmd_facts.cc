// render-manifests facts: the values the bootstrap needs from `docker network inspect kind`.
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/error.h"
#include "common/file_read.h"
#include "common/log.h"
#include "common/output.h"
#include "common/strings.h"
#include "render-manifests/commands.h"
#include "render-manifests/facts.h"

namespace sf::rm {
namespace {

cli::ToolInfo facts_info() {
  return {
      "render-manifests facts",
      "render-manifests facts [options] [FILE|-]",
      "Reads `docker network inspect kind` (a JSON array) from FILE or stdin and prints what the\n"
      "bootstrap needs: the network's IPv4 subnet and gateway, its IPv6 subnet, and a MetalLB\n"
      "address pool at the top of the IPv4 subnet, clear of the gateway, every container address,\n"
      "Docker's aux addresses and --ip-range. With --check it verifies given ranges instead.",
      "The pool: above the highest address in use, ending at the last host address. Docker gives\n"
      "containers addresses from the bottom upwards, so half of the free room above the highest\n"
      "one stays free for future containers (all of it when the network has an --ip-range), and\n"
      "the pool holds at most --size addresses. Subnets from /8 to /29 work; a full subnet, one\n"
      "smaller than /29, or a network without an IPv4 subnet is an error that says what to do.\n"
      "\n"
      "--check RANGE (repeatable, or comma-separated; a-b, a CIDR or one address): exit 0 and\n"
      "print the facts with these ranges when each lies inside the subnet's host addresses and\n"
      "holds no reserved address; exit 1 naming each conflict (address and container) otherwise.\n"
      "\n"
      "Also the control-plane nodes' addresses as /32s (CONTROL_PLANE_CIDRS, containers named\n"
      "CLUSTER-control-plane[N]; --cluster keeps one cluster's), which the NetworkPolicies need\n"
      "(network.controlPlaneCIDRs; network.nodeCIDRs is the IPv4 subnet).\n"
      "\n"
      "Output (--format): json, one {\"kind\":\"network_facts\",...} object; env, KEY=value lines\n"
      "(NETWORK, IPV4_SUBNET, IPV4_GATEWAY, IPV6_SUBNET, IPV6_GATEWAY, CONTAINERS,\n"
      "HIGHEST_CONTAINER_IP, CONTROL_PLANE_CIDRS, METALLB_RANGE, METALLB_SIZE) for a Makefile or\n"
      "a shell.\n",
      "  docker network inspect kind | render-manifests facts\n"
      "  docker network inspect kind | render-manifests facts --format env > build/kind-facts.env\n"
      "  docker network inspect kind | render-manifests facts --size 20 --format env\n"
      "  docker network inspect kind | render-manifests facts --check 172.18.255.200-172.18.255.250\n"
      "  render-manifests facts --network lab --subnet 10.89.0.0/24 networks.json\n"};
}

std::vector<Ipv4Range> parse_checks(const std::vector<std::string>& checks) {
  std::vector<Ipv4Range> out;
  for (const auto& arg : checks) {
    for (const auto& part : split(arg, ',')) {
      const std::string text(trim(part));
      if (text.empty()) continue;
      if (looks_like_ipv6(text))
        throw UsageError(cat("--check '", text, "': only IPv4 ranges are checked (the kind cluster's pool is IPv4)"));
      const auto range = parse_ipv4_range(text);
      if (!range)
        throw UsageError(cat("--check '", text, "': write a range as FIRST-LAST (172.18.255.200-172.18.255.250), "
                             "a CIDR (172.18.255.0/27) or one address"));
      out.push_back(*range);
    }
  }
  if (out.empty() && !checks.empty()) throw UsageError("--check: no range given");
  return out;
}

}  // namespace

int run_facts(int argc, char** argv) {
  cli::App app(facts_info());
  std::string input = "-";
  std::string format = "json";
  std::string network = "kind";
  std::string subnet;
  std::string cluster;
  std::string output;
  long long size = 50;
  long long min_size = 1;
  std::vector<std::string> checks;
  app.options().add_options()
    ("format", cli::po::value(&format)->default_value("json"), "json or env")
    ("check", cli::po::value(&checks), "verify this range instead of choosing one (repeatable)")
    ("size", cli::po::value(&size)->default_value(50), "the pool holds at most this many addresses")
    ("min-size", cli::po::value(&min_size)->default_value(1), "fail when fewer addresses fit")
    ("network", cli::po::value(&network)->default_value("kind"), "which network, when the input holds several")
    ("subnet", cli::po::value(&subnet), "which IPv4 subnet, when the network has several (default: the first)")
    ("cluster", cli::po::value(&cluster), "the kind cluster whose control plane to report (default: every one)")
    ("output,o", cli::po::value(&output), "write to FILE (replaced atomically) instead of stdout")
    ("input", cli::po::value(&input), "docker network inspect output (default: stdin)");
  app.positional().add("input", 1);
  cli::po::variables_map vm;
  app.choices("format", {"json", "env"});
  if (!app.parse(argc, argv, vm)) return kExitOk;
  const FactsFormat fmt = parse_facts_format(format);
  // An IPv4 pool holds at most 2^24 addresses here (a /8): more is a typo, never a wrapped count.
  const auto max_size = static_cast<size_t>(cli::checked_count(size, "--size", 1, 1LL << 24));
  const auto least_size = static_cast<size_t>(cli::checked_count(min_size, "--min-size", 1, 1LL << 24));
  const std::vector<Ipv4Range> wanted = parse_checks(checks);

  const std::string source = input == "-" ? "stdin" : input;
  const auto networks = parse_docker_networks(read_small_input(input, 16u << 20, "docker network inspect output"), source);
  const DockerNetwork& chosen = pick_network(networks, network, source);
  const NetworkFacts f = network_facts(chosen, subnet, cluster);
  if (f.ipv4_subnets > 1 && subnet.empty())
    log::warn(cat("network '", f.network, "' has ", f.ipv4_subnets, " IPv4 subnets; using the first, ",
                  format_cidr(f.subnet), " (--subnet picks another)"));

  std::vector<Ipv4Range> ranges;
  if (wanted.empty()) {
    RangeOptions options;
    options.max_size = max_size;
    options.min_size = least_size;
    ranges.push_back(plan_metallb_range(f, options));
  } else {
    std::vector<std::string> problems;
    for (const auto& r : wanted)
      for (auto& p : check_metallb_range(f, r)) problems.push_back(std::move(p));
    for (size_t i = 0; i < wanted.size(); ++i)
      for (size_t j = i + 1; j < wanted.size(); ++j)
        if (wanted[i].first <= wanted[j].last && wanted[j].first <= wanted[i].last)
          problems.push_back(cat(format_range(wanted[i]), " and ", format_range(wanted[j]), " overlap"));
    if (!problems.empty()) {
      for (const auto& p : problems) log::error(p);
      throw Error(cat(problems.size(), " problem", problems.size() == 1 ? "" : "s", " with the MetalLB range in network '",
                      f.network, "' (", format_cidr(f.subnet), "); choose one with `render-manifests facts`"));
    }
    ranges = wanted;
  }
  for (const auto& r : ranges)
    for (const auto& w : range_warnings(f, r)) log::warn(w);

  OutputFile out(output);
  write_facts(out.out(), fact_fields(f, ranges), fmt);
  out.commit();
  return kExitOk;
}

}  // namespace sf::rm
