#include "scrape-nodes/targets.h"

#include <charconv>

#include "common/error.h"
#include "common/kube_client.h"
#include "common/log.h"
#include "common/strings.h"

namespace sf::scrape {

Target parse_target_text(std::string_view text, const TargetDefaults& defaults, const std::string& where) {
  text = trim(text);
  if (text.empty()) throw UsageError(cat(where, ": empty target"));
  Target target;
  if (text.find("://") != std::string_view::npos) {
    if (text.rfind("http://", 0) != 0 && text.rfind("https://", 0) != 0)
      throw UsageError(cat(where, ": '", text, "': only http:// and https:// targets can be scraped"));
    target.url = std::string(text);
    return target;
  }
  // host, host:port, [v6], [v6]:port; a bare v6 address without brackets is ambiguous.
  std::string host;
  std::string port = std::to_string(defaults.port);
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) throw UsageError(cat(where, ": '", text, "': missing ']' in IPv6 address"));
    host = std::string(text.substr(0, close + 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw UsageError(cat(where, ": '", text, "': expected ':port' after ']'"));
      port = std::string(rest.substr(1));
    }
  } else {
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
      throw UsageError(cat(where, ": '", text, "': write IPv6 addresses in brackets, like [::1]:9100"));
    host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(text.substr(colon + 1));
  }
  int port_number = 0;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (host.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || port_number < 1 ||
      port_number > 65535)
    throw UsageError(cat(where, ": '", text, "' is not a target; write a URL, host:port or host"));
  const std::string path = defaults.path.empty() || defaults.path.front() == '/' ? defaults.path : "/" + defaults.path;
  target.url = cat(defaults.scheme, "://", host, ":", port_number, path);
  return target;
}

Target target_from_node(const NodeRecord& node, const TargetDefaults& defaults, const std::string& where) {
  if (node.internal_ip.empty())
    throw UsageError(cat(where, ": node \"", node.name, "\" has no internal_ip to scrape"));
  const bool v6 = node.internal_ip.find(':') != std::string::npos;
  Target target = parse_target_text(v6 ? cat("[", node.internal_ip, "]") : node.internal_ip, defaults, where);
  target.node_name = node.name;
  target.labels = node.labels;
  target.gpus = node.capacity.gpus;
  return target;
}

std::vector<Target> read_targets(LineReader& reader, const TargetDefaults& defaults, bool names_only) {
  std::vector<Target> targets;
  std::string_view line;
  while (reader.next(line)) {
    const std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    const std::string where = reader.where();
    if (text.front() == '{') {
      const rapidjson::Document doc = parse_json_object(text, where);
      const std::string kind = kind_of(doc);
      if (kind != "node") {
        log::debug(cat(where, ": skipping a \"", kind, "\" line (only \"node\" lines are targets)"));
        continue;
      }
      const NodeRecord node = read_node_record(doc, where);
      if (names_only) {
        targets.push_back(Target{"", node.name, node.labels, node.capacity.gpus});
      } else {
        targets.push_back(target_from_node(node, defaults, where));
      }
    } else if (names_only) {
      targets.push_back(Target{"", std::string(text), {}, 0});
    } else {
      targets.push_back(parse_target_text(text, defaults, where));
    }
  }
  return targets;
}

void route_through_apiserver(Target& target, const std::string& server, const TargetDefaults& defaults) {
  if (target.node_name.empty())
    throw UsageError(cat("'", target.url, "': through the API server, targets are node names or node lines"));
  const std::string scheme = defaults.scheme == "https" ? "https" : "";
  target.url = server + kube::node_proxy_path(target.node_name, std::to_string(defaults.port), defaults.path, scheme);
}

}  // namespace sf::scrape
