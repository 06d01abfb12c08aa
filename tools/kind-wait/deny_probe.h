// kind-wait --expect-denied service/NS/NAME:PORT: evidence that a NetworkPolicy denies a
// connection, without kubectl or a probe pod. The request goes through the API server's
// service proxy, which dials the Service's endpoint from the control-plane node; a policy that
// does not allow that node's address (ipBlock) denies it. kind's kindnetd enforces policies
// with kube-network-policies, which DROPS a denied packet (nfqueue verdict NfDrop, no reset,
// no ICMP): the proxy's dial hangs until its 30 s dial timeout and then answers 503 "error
// trying to reach service: dial tcp IP:PORT: i/o timeout". A connection that is made answers
// at once instead: the backend's own reply, or 503 with "EOF", "malformed HTTP response",
// "connection refused" (reached, nothing listens). So the verdict is:
//   denied      the proxy's dial timed out, or no answer at all within the window (the dial
//               is still hanging: a made connection answers in milliseconds)
//   not denied  any other answer from the backend or the proxy: kindnetd fails open when its
//               policy controller is not running, and then everything connects
//   retried     until the deadline: no endpoints yet (the pod is not ready), the API server
//               unreachable or answering 5xx of its own
// Facts: kubernetes/apimachinery pkg/util/proxy/transport.go ("error trying to reach service:
// %v", 503 ServiceUnavailable); kubernetes-sigs/kube-network-policies controller.go (NfDrop).
#pragma once

#include <chrono>
#include <string>

#include "common/deadline.h"
#include "common/kube_client.h"

namespace sf::kw {

struct DenyTarget {
  std::string ns, name, port;
  std::string describe() const { return "service/" + ns + "/" + name + ":" + port; }
};

// "service/NS/NAME:PORT" (PORT a number or a port name); UsageError otherwise.
DenyTarget parse_deny_target(const std::string& text);

enum class DenyVerdict { kDenied, kNotDenied, kRetry };

struct DenyJudgement {
  DenyVerdict verdict = DenyVerdict::kRetry;
  std::string detail;  // one sentence, printable
};

// One answer of the service proxy (status and its body).
DenyJudgement judge_proxy_answer(const DenyTarget& target, long status, const std::string& body);
// A transfer that got no answer: `waiting` is true when the request was sent (the API server
// took it) and the window ended before any answer.
DenyJudgement judge_no_answer(const DenyTarget& target, bool waiting, std::chrono::milliseconds window,
                              const std::string& message);

// Probes until a verdict or the deadline. Returns the denial's detail; throws Error naming the
// target when the connection was made, or when no verdict came before the deadline.
std::string expect_denied(const kube::RestConfig& config, const DenyTarget& target, std::chrono::milliseconds window,
                          const Deadline& deadline);

}  // namespace sf::kw
