// What to scrape: plain URLs, host[:port], or `node` JSON lines (internal_ip + a port).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/contracts.h"
#include "common/json_lines.h"

namespace sf::scrape {

struct Target {
  std::string url;        // http(s)://host:port/path
  std::string node_name;  // from a `node` line; empty: taken from node_uname_info
  LabelList labels;       // passed through to node_usage
  double gpus = 0;        // node-exporter knows none; a `node` line may
  // A node line's capacity (--pods prices the node by it: the kubelet's metrics have none).
  bool has_capacity = false;
  double cpu_cores = 0;
  double memory_bytes = 0;
};

struct TargetDefaults {
  std::string scheme = "http";
  int port = 9100;
  std::string path = "/metrics";
};

// "http://a:1/m" stays; "10.0.0.5:9100" and "[::1]:9100" get scheme and path; "node1" gets
// all three. Throws UsageError naming `where` for an empty or malformed target.
Target parse_target_text(std::string_view text, const TargetDefaults& defaults, const std::string& where);
// A `node` line: its internal_ip with the default port; name and labels carried over.
Target target_from_node(const NodeRecord& node, const TargetDefaults& defaults, const std::string& where);
// One target per line: blank lines and '#' comments skipped; lines starting with '{' are JSON
// (`node` objects; `pod` lines are kept in `pod_lines` when given, to be passed on; other kinds
// are skipped with a debug note).
// With `names_only` (scraping through the API server) a plain line is a node name, not a host.
std::vector<Target> read_targets(LineReader& reader, const TargetDefaults& defaults, bool names_only = false,
                                 std::vector<std::string>* pod_lines = nullptr);

// Points a target at the API server's node proxy: SERVER/api/v1/nodes/NAME:PORT/proxy/PATH.
// The API server reaches the node for us, with the kubeconfig's own credentials: no route to
// the node's network (Docker Desktop, macOS) and no port-forward needed.
void route_through_apiserver(Target& target, const std::string& server, const TargetDefaults& defaults);
// The kubelet of the target's node through the API server: SERVER/api/v1/nodes/NAME/proxy/PATH
// (no port: the API server uses the node's kubelet endpoint, over TLS).
void route_to_kubelet(Target& target, const std::string& server, const std::string& path);

}  // namespace sf::scrape
