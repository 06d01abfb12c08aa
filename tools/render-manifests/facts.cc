#include "render-manifests/facts.h"

#include <algorithm>

#include "common/error.h"
#include "common/json_lines.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace sf::rm {

std::vector<FactField> fact_fields(const NetworkFacts& f, const std::vector<Ipv4Range>& ranges) {
  std::string joined;
  uint64_t size = 0;
  for (const auto& r : ranges) {
    if (!joined.empty()) joined += ',';
    joined += format_range(r);
    size += r.size();
  }
  std::string control_planes;
  for (const auto& a : f.control_planes) {
    if (!control_planes.empty()) control_planes += ',';
    control_planes += format_ipv4(a) + "/32";
  }
  return {
      {"network", f.network, false},
      {"ipv4_subnet", format_cidr(f.subnet), false},
      {"ipv4_gateway", format_ipv4(f.gateway), false},
      {"ipv6_subnet", f.ipv6_subnet, false},
      {"ipv6_gateway", f.ipv6_gateway, false},
      {"containers", cat(f.containers), true},
      {"highest_container_ip", f.highest_container ? format_ipv4(*f.highest_container) : "", false},
      {"control_plane_cidrs", control_planes, false},
      {"metallb_range", joined, false},
      {"metallb_size", cat(size), true},
  };
}

FactsFormat parse_facts_format(const std::string& text) {
  if (text == "json") return FactsFormat::kJson;
  if (text == "env") return FactsFormat::kEnv;
  throw UsageError(cat("--format '", text, "': use json (one JSON object) or env (KEY=value lines)"));
}

namespace {

// Values go into Makefiles and shells unquoted: only characters that need no quoting there.
bool env_safe(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == ':' || c == '/' || c == ',';
  });
}

}  // namespace

void write_facts(Output& out, const std::vector<FactField>& fields, FactsFormat format) {
  if (format == FactsFormat::kEnv) {
    std::string text;
    for (const auto& field : fields) {
      if (!env_safe(field.value))
        throw UsageError(cat(field.key, ": the value has characters a Makefile or shell would need quoted; use --format json"));
      std::string key = field.key;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
      text += key + "=" + field.value + "\n";
    }
    out.write(text);
    return;
  }
  std::string line;
  json::ObjectWriter o(line);
  o.text("kind", "network_facts");
  for (const auto& field : fields) {
    if (field.number)
      json::append_number(o.escaped_key(field.key), static_cast<double>(std::stoull(field.value)), field.key);
    else
      json::append_string(o.escaped_key(field.key), field.value, field.key);
  }
  o.close();
  JsonLineWriter(out).write_line(line);
}

}  // namespace sf::rm
