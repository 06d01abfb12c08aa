#include "render-manifests/docker_network.h"

#include <arpa/inet.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <tuple>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "render-manifests/ipv4.h"

namespace sf::rm {
namespace {

constexpr size_t kMaxInput = 16u << 20;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw ParseError(source_, cat(field, ": ", what));
  }

  std::string optional_string(const rapidjson::Value& object, const char* key, const std::string& field) const {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) return "";
    if (!it->value.IsString()) fail(cat(field, '.', key), "expected a string");
    return std::string(it->value.GetString(), it->value.GetStringLength());
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

bool valid_ipv6(const std::string& text) {
  in6_addr out{};
  return inet_pton(AF_INET6, text.c_str(), &out) == 1;
}

// "address/prefix" as Docker writes container addresses; host bits allowed.
bool valid_address_with_prefix(const std::string& text, bool ipv6) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  if (!ipv6) return parse_ipv4_cidr(text, true).has_value();
  const std::string prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 || !std::all_of(prefix.begin(), prefix.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) return false;
  return std::stoi(prefix) <= 128 && valid_ipv6(text.substr(0, slash));
}

bool valid_ipv6_subnet(const std::string& text) { return valid_address_with_prefix(text, true); }

void parse_ipam(const Reader& r, const rapidjson::Value& network, const std::string& field, DockerNetwork& out) {
  const auto ipam = network.FindMember("IPAM");
  if (ipam == network.MemberEnd() || ipam->value.IsNull()) return;
  if (!ipam->value.IsObject()) r.fail(field + ".IPAM", "expected an object");
  const auto config = ipam->value.FindMember("Config");
  if (config == ipam->value.MemberEnd() || config->value.IsNull()) return;
  if (!config->value.IsArray()) r.fail(field + ".IPAM.Config", "expected an array");
  int index = 0;
  for (const auto& entry : config->value.GetArray()) {
    const std::string where = cat(field, ".IPAM.Config[", index++, ']');
    if (!entry.IsObject()) r.fail(where, "expected an object");
    IpamConfig c;
    c.subnet = r.optional_string(entry, "Subnet", where);
    c.gateway = r.optional_string(entry, "Gateway", where);
    c.ip_range = r.optional_string(entry, "IPRange", where);
    if (c.subnet.empty()) r.fail(where + ".Subnet", "missing; every IPAM entry names its subnet");
    c.ipv6 = looks_like_ipv6(c.subnet);
    const bool subnet_ok = c.ipv6 ? valid_ipv6_subnet(c.subnet) : parse_ipv4_cidr(c.subnet).has_value();
    if (!subnet_ok) r.fail(where + ".Subnet", cat("'", printable(c.subnet, 64), "' is not a subnet"));
    if (!c.gateway.empty()) {
      const bool ok = c.ipv6 ? valid_ipv6(c.gateway) : parse_ipv4(c.gateway).has_value();
      if (!ok) r.fail(where + ".Gateway", cat("'", printable(c.gateway, 64), "' is not an address"));
    }
    if (!c.ip_range.empty()) {
      const bool ok = c.ipv6 ? valid_ipv6_subnet(c.ip_range) : parse_ipv4_cidr(c.ip_range).has_value();
      if (!ok) r.fail(where + ".IPRange", cat("'", printable(c.ip_range, 64), "' is not a subnet"));
    }
    const auto aux = entry.FindMember("AuxiliaryAddresses");
    if (aux != entry.MemberEnd() && !aux->value.IsNull()) {
      if (!aux->value.IsObject()) r.fail(where + ".AuxiliaryAddresses", "expected an object");
      for (const auto& m : aux->value.GetObject()) {
        const std::string name(m.name.GetString(), m.name.GetStringLength());
        const std::string key = cat(where, ".AuxiliaryAddresses.", printable(name, 64));
        if (!m.value.IsString()) r.fail(key, "expected a string");
        const std::string address(m.value.GetString(), m.value.GetStringLength());
        const bool ok = c.ipv6 ? valid_ipv6(address) : parse_ipv4(address).has_value();
        if (!ok) r.fail(key, cat("'", printable(address, 64), "' is not an address"));
        c.aux_addresses.emplace_back(name, address);
      }
    }
    out.ipam.push_back(std::move(c));
  }
}

void parse_containers(const Reader& r, const rapidjson::Value& network, const std::string& field,
                      DockerNetwork& out) {
  const auto containers = network.FindMember("Containers");
  if (containers == network.MemberEnd() || containers->value.IsNull()) return;
  if (!containers->value.IsObject()) r.fail(field + ".Containers", "expected an object keyed by container ID");
  for (const auto& m : containers->value.GetObject()) {
    Endpoint e;
    e.id.assign(m.name.GetString(), m.name.GetStringLength());
    const std::string where = cat(field, ".Containers.", printable(e.id, 80));
    if (!m.value.IsObject()) r.fail(where, "expected an object");
    e.name = r.optional_string(m.value, "Name", where);
    e.ipv4 = r.optional_string(m.value, "IPv4Address", where);
    e.ipv6 = r.optional_string(m.value, "IPv6Address", where);
    if (!e.ipv4.empty() && !valid_address_with_prefix(e.ipv4, false))
      r.fail(where + ".IPv4Address", cat("'", printable(e.ipv4, 64), "' is not an IPv4 address/prefix"));
    if (!e.ipv6.empty() && !valid_address_with_prefix(e.ipv6, true))
      r.fail(where + ".IPv6Address", cat("'", printable(e.ipv6, 64), "' is not an IPv6 address/prefix"));
    out.containers.push_back(std::move(e));
  }
  std::sort(out.containers.begin(), out.containers.end(),
            [](const Endpoint& a, const Endpoint& b) { return std::tie(a.name, a.id) < std::tie(b.name, b.id); });
}

size_t line_of_offset(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n'));
}

}  // namespace

std::vector<DockerNetwork> parse_docker_networks(std::string_view json, const std::string& source) {
  if (json.size() > kMaxInput)
    throw ParseError(source, cat("input is ", json.size(), " bytes; docker network inspect prints a few KiB, "
                                 "the limit is 16 MiB"));
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    const std::string where = cat(source, ':', line_of_offset(json, doc.GetErrorOffset()));
    if (doc.GetParseError() == rapidjson::kParseErrorDocumentRootNotSingular)
      throw ParseError(where, "text after the JSON array; pipe the output of one `docker network inspect`");
    throw ParseError(where, cat("invalid JSON: ", rapidjson::GetParseError_En(doc.GetParseError()),
                                "; pipe the output of `docker network inspect kind`"));
  }
  if (!doc.IsArray())
    throw ParseError(source, "expected a JSON array of networks, as `docker network inspect NAME` prints");
  const Reader r(source);
  std::vector<DockerNetwork> out;
  int index = 0;
  for (const auto& network : doc.GetArray()) {
    const std::string field = cat('[', index++, ']');
    if (!network.IsObject()) r.fail(field, "expected a network object");
    DockerNetwork n;
    n.name = r.optional_string(network, "Name", field);
    n.driver = r.optional_string(network, "Driver", field);
    if (const auto v6 = network.FindMember("EnableIPv6"); v6 != network.MemberEnd() && v6->value.IsBool())
      n.enable_ipv6 = v6->value.GetBool();
    parse_ipam(r, network, field, n);
    parse_containers(r, network, field, n);
    out.push_back(std::move(n));
  }
  return out;
}

const DockerNetwork& pick_network(const std::vector<DockerNetwork>& networks, const std::string& name,
                                  const std::string& source) {
  if (networks.empty())
    throw UsageError(cat(source, ": no network in the input; does `docker network inspect ", name,
                         "` find it? (kind creates it with the first cluster)"));
  if (networks.size() == 1) return networks.front();
  for (const auto& n : networks)
    if (n.name == name) return n;
  std::string names;
  for (const auto& n : networks) {
    if (!names.empty()) names += ", ";
    names += printable(n.name, 64);
  }
  throw UsageError(cat(source, ": ", networks.size(), " networks (", names, ") and none is named '", name,
                       "'; pick one with --network NAME"));
}

}  // namespace sf::rm
