// The wait: one LIST+WATCH reflector per watched collection (each on its own thread, blocked in
// the stream while nothing changes), all targets judged together on every change, so they hold
// at the same moment; one global deadline. Also the node inventory listing.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/kubeconfig.h"
#include "kind-wait/targets.h"

namespace sf::kw {

struct WaitOptions {
  std::vector<Target> targets;
  std::chrono::milliseconds timeout{300'000};
  bool jsonl = false;  // final state as JSON lines on `out`
};

// Waits; returns the exit code (0 all hold, 1 timed out or a target failed). Prints the result:
// a line on stderr (unless -q), and with jsonl the final state on `out`. Throws for fatal
// problems (TLS verification, rejected credentials) with their exit code.
int wait_for(const kube::RestConfig& config, const WaitOptions& options, std::FILE* out);

// kind-wait --list nodes: the node lines, retrying while the API server does not answer.
int list_nodes(const kube::RestConfig& config, std::chrono::milliseconds timeout, std::FILE* out);

// "850ms", "12.3s", "5m0s", "1h30m0s" (Go's style, tenths below a minute).
std::string format_duration(std::chrono::milliseconds d);

}  // namespace sf::kw
