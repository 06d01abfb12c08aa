// `docker network inspect NAME` output: a JSON array of network objects (Docker Engine API
// NetworkResource: Name, Driver, EnableIPv6, IPAM.Config[] {Subnet, Gateway, IPRange,
// AuxiliaryAddresses}, Containers {id: {Name, IPv4Address, IPv6Address}}). Only what the
// bootstrap needs is kept; every address is validated, and errors name the field
// ("stdin: [0].IPAM.Config[1].Gateway: ...").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::rm {

struct IpamConfig {
  std::string subnet;    // "172.18.0.0/16" or "fc00:f853:ccd:e793::/64"
  std::string gateway;   // "" when Docker left it out
  std::string ip_range;  // "" unless the network was created with --ip-range
  std::vector<std::pair<std::string, std::string>> aux_addresses;  // --aux-address name=ip
  bool ipv6 = false;
};

struct Endpoint {
  std::string id;    // the container ID (the key of Containers)
  std::string name;  // "finops-control-plane"
  std::string ipv4;  // "172.18.0.3/16" or ""
  std::string ipv6;  // "fc00:f853:ccd:e793::3/64" or ""
};

struct DockerNetwork {
  std::string name;
  std::string driver;
  bool enable_ipv6 = false;
  std::vector<IpamConfig> ipam;
  std::vector<Endpoint> containers;  // sorted by name, then ID (Docker's map order is random)
};

// Parses the whole inspect output. Throws ParseError naming `source`, the line and the field.
// Input over 16 MiB, JSON that is not an array of objects, or a malformed address are errors.
std::vector<DockerNetwork> parse_docker_networks(std::string_view json, const std::string& source);

// The network to use: the only one, else the one named `name`. Throws UsageError otherwise.
const DockerNetwork& pick_network(const std::vector<DockerNetwork>& networks, const std::string& name,
                                  const std::string& source);

}  // namespace sf::rm
