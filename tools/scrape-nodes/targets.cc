#include "scrape-nodes/targets.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <charconv>
#include <memory>

#include "common/error.h"
#include "common/kube_client.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::scrape {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// A URL target checked before anything is scraped: http(s), a host, a port that is a port, no
// blanks or control characters. Throws UsageError naming `where` and the (redacted) target.
void check_url(std::string_view text, const std::string& where) {
  const std::string shown = printable(redact_url(text), 120);
  auto bad = [&](const std::string& why) {
    return UsageError(cat(where, ": '", shown, "' is not a URL to scrape: ", why));
  };
  for (const char c : text) {
    if (c == ' ') throw bad("it holds a space (write it as %20)");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) throw bad("it holds a control character");
  }
  const size_t sep = text.find("://");
  const std::string scheme = to_lower(text.substr(0, sep));
  if (scheme != "http" && scheme != "https") throw bad("only http:// and https:// targets can be scraped");
  std::string_view authority = text.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.empty() || authority.front() == ':') throw bad("it has no host; write it like http://10.0.0.5:9100/metrics");
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url) throw Error("libcurl: cannot allocate a URL (out of memory?)");
  const std::string copy(text);
  const CURLUcode rc = curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), 0);
  if (rc != CURLUE_OK) throw bad(cat(curl_url_strerror(rc), " (as libcurl reads it)"));
  char* port = nullptr;
  if (curl_url_get(url.get(), CURLUPART_PORT, &port, 0) == CURLUE_OK && port != nullptr) {
    const std::string p = port;
    curl_free(port);
    if (p == "0") throw bad("port 0 is not a port");
  }
}

}  // namespace

Target parse_target_text(std::string_view text, const TargetDefaults& defaults, const std::string& where) {
  text = trim(text);
  if (text.empty()) throw UsageError(cat(where, ": empty target"));
  Target target;
  if (text.find("://") != std::string_view::npos) {
    check_url(text, where);
    target.url = std::string(text);
    return target;
  }
  const std::string shown = printable(text, 120);
  for (const char c : text)
    if (c == ' ' || c == '/' || c == '@' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw UsageError(cat(where, ": '", shown, "' is not a target; write a URL, host:port or host"));
  // host, host:port, [v6], [v6]:port; a bare v6 address without brackets is ambiguous.
  std::string host;
  std::string port = std::to_string(defaults.port);
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) throw UsageError(cat(where, ": '", shown, "': missing ']' in IPv6 address"));
    host = std::string(text.substr(0, close + 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw UsageError(cat(where, ": '", shown, "': expected ':port' after ']'"));
      port = std::string(rest.substr(1));
    }
  } else {
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
      throw UsageError(cat(where, ": '", shown, "': write IPv6 addresses in brackets, like [::1]:9100"));
    host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(text.substr(colon + 1));
  }
  int port_number = 0;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (host.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || port_number < 1 ||
      port_number > 65535)
    throw UsageError(cat(where, ": '", shown, "' is not a target; write a URL, host:port or host"));
  const std::string path = defaults.path.empty() || defaults.path.front() == '/' ? defaults.path : "/" + defaults.path;
  target.url = cat(defaults.scheme, "://", host, ":", port_number, path);
  return target;
}

Target target_from_node(const NodeRecord& node, const TargetDefaults& defaults, const std::string& where) {
  const std::string name = printable(node.name, 80);
  if (node.internal_ip.empty())
    throw UsageError(cat(where, ": node \"", name, "\" has no internal_ip to scrape"));
  // An address, nothing else: "127.0.0.1/../x" or "10.0.0.1:1@evil" would change the URL.
  in6_addr address{};
  const bool v4 = inet_pton(AF_INET, node.internal_ip.c_str(), &address) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, node.internal_ip.c_str(), &address) == 1;
  if (!v4 && !v6)
    throw UsageError(cat(where, ": node \"", name, "\": internal_ip \"", printable(node.internal_ip, 80),
                         "\" is not an IP address (IPv4 or IPv6)"));
  Target target = parse_target_text(v6 ? cat("[", node.internal_ip, "]") : node.internal_ip, defaults, where);
  target.node_name = node.name;
  target.labels = node.labels;
  target.gpus = node.capacity.gpus;
  target.has_capacity = true;
  target.cpu_cores = node.capacity.cpu_cores;
  target.memory_bytes = node.capacity.memory_bytes;
  return target;
}

std::vector<Target> read_targets(LineReader& reader, const TargetDefaults& defaults, bool names_only,
                                 std::vector<std::string>* pod_lines) {
  std::vector<Target> targets;
  std::string_view line;
  while (reader.next(line)) {
    const std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    const std::string where = reader.where();
    if (text.front() == '{') {
      const rapidjson::Document doc = parse_json_object(text, where);
      const std::string kind = kind_of(doc);
      if (kind == "pod" && pod_lines != nullptr) {
        pod_lines->emplace_back(text);
        continue;
      }
      if (kind != "node") {
        log::debug(cat(where, ": skipping a \"", kind, "\" line (only \"node\" lines are targets)"));
        continue;
      }
      const NodeRecord node = read_node_record(doc, where);
      if (names_only) {
        targets.push_back(Target{"", node.name, node.labels, node.capacity.gpus, true, node.capacity.cpu_cores,
                                 node.capacity.memory_bytes});
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

void route_to_kubelet(Target& target, const std::string& server, const std::string& path) {
  if (target.node_name.empty())
    throw UsageError(cat("'", target.url, "': through the API server, targets are node names or node lines"));
  target.url = server + kube::node_proxy_path(target.node_name, "", path);
}

}  // namespace sf::scrape
