// The wait: one LIST+WATCH reflector per watched collection (each on its own thread, blocked in
// the stream while nothing changes), all targets judged together on every change, so they hold
// at the same moment; one global deadline. Also the node inventory listing.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "common/kube_client.h"
#include "common/kubeconfig.h"
#include "kind-wait/targets.h"

namespace sf::kw {

struct WaitOptions {
  std::vector<Target> targets;
  std::chrono::milliseconds timeout{300'000};  // as given, for messages
  Deadline deadline;                           // the one limit: requests, retries, exec plugins
  bool jsonl = false;  // final state as JSON lines on `out`
  size_t max_list_bytes = kube::kDefaultMaxListBytes;
  // The Degraded rule (degraded.h): an Application Degraded for longer fails the wait; nullopt: off.
  std::optional<std::chrono::milliseconds> degraded_grace;
};

// Waits; returns the exit code (0 all hold, 1 timed out or a target failed: a deployment past its
// progress deadline, an Application Degraded for longer than degraded_grace). Prints the result:
// a line on stderr (unless -q), and with jsonl the final state on `out`. Throws for fatal
// problems (TLS verification, rejected credentials, an exec plugin that failed or hung) with
// their exit code. On timeout the message names the culprit: the API server that never
// answered (and how far each try got), one that answered only with errors, or what is missing.
int wait_for(const kube::RestConfig& config, const WaitOptions& options, std::FILE* out);

// kind-wait --list nodes: the node lines, retrying under the same policy as the wait
// (kube::judge_failure) until `options.deadline`. Targets are ignored.
int list_nodes(const kube::RestConfig& config, const WaitOptions& options, std::FILE* out);

// The client options of every kind-wait request (the deadline, the LIST cap, one attempt per
// call: the caller retries), and that one retry policy for a LIST: runs `list` until it returns,
// retrying what kube::judge_failure does not call fatal, until `options.deadline`; `what` ("node
// list") names it in the timeout message.
kube::ClientOptions list_client_options(const WaitOptions& options);
void until_listed(const kube::RestConfig& config, const WaitOptions& options, const std::string& what,
                  const std::function<void()>& list);

// "850ms", "12.3s", "5m0s", "1h30m0s" (Go's style, tenths below a minute).
std::string format_duration(std::chrono::milliseconds d);

}  // namespace sf::kw
