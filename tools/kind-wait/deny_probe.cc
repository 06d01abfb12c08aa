#include "kind-wait/deny_probe.h"

#include <algorithm>
#include <thread>

#include "common/error.h"
#include "common/http_client.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/watch_decoder.h"
#include "kind-wait/targets.h"

namespace sf::kw {

namespace {

using std::chrono::milliseconds;

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string seconds_text(milliseconds d) { return cat(format_fixed(static_cast<double>(d.count()) / 1000.0, 1), " s"); }

}  // namespace

DenyTarget parse_deny_target(const std::string& text) {
  const auto parts = split(text, '/');
  const auto bad = [&] {
    return UsageError(cat("--expect-denied '", printable(text, 100),
                          "': write it as service/NAMESPACE/NAME:PORT, e.g. service/demo/demo-db:6379"));
  };
  if (parts.size() != 3 || parts[0] != "service") throw bad();
  const auto colon = parts[2].rfind(':');
  if (parts[1].empty() || colon == std::string::npos || colon == 0 || colon + 1 == parts[2].size()) throw bad();
  DenyTarget t{parts[1], parts[2].substr(0, colon), parts[2].substr(colon + 1)};
  for (const std::string* s : {&t.ns, &t.name, &t.port})  // a port name or number: the same alphabet
    if (!is_kubernetes_name(*s)) throw bad();
  return t;
}

DenyJudgement judge_proxy_answer(const DenyTarget& target, long status, const std::string& body) {
  kube::ApiStatus st;
  const bool is_status = kube::parse_status_body(body, st);
  const std::string message = is_status ? printable(st.message, 300) : std::string();
  const std::string where = target.describe();
  if (is_status && status == 503 && contains(st.message, "error trying to reach service:")) {
    if (contains(st.message, "i/o timeout"))
      return {DenyVerdict::kDenied,
              cat(where, ": the API server's dial timed out (", message, "): the packets were dropped, as a NetworkPolicy does")};
    if (contains(st.message, "connection refused"))
      return {DenyVerdict::kNotDenied,
              cat(where, ": ", message, ": the connection reached the pod, which refused it (a NetworkPolicy drops, it does "
                  "not refuse): is PORT the one the pod listens on?")};
    return {DenyVerdict::kNotDenied,
            cat(where, ": ", message, ": the API server connected to the pod, so no NetworkPolicy denied it (kindnetd lets "
                "everything through when its policy controller is not running)")};
  }
  if (is_status && (status == 503 || status == 404) &&
      (contains(st.message, "no endpoints available") || st.reason == "NotFound"))
    return {DenyVerdict::kRetry, cat(where, ": HTTP ", status, ": ", message)};
  if (is_status && (status == 401 || status == 403))
    return {DenyVerdict::kNotDenied, cat(where, ": the API server answered HTTP ", status, ": ", message,
                                         " (the kubeconfig's user needs get on services/proxy)")};
  if (is_status && status >= 500) return {DenyVerdict::kRetry, cat(where, ": HTTP ", status, ": ", message)};
  return {DenyVerdict::kNotDenied,
          cat(where, ": the pod answered HTTP ", status, " through the API server's proxy: the connection was made, so no "
              "NetworkPolicy denied it (kindnetd lets everything through when its policy controller is not running)")};
}

DenyJudgement judge_no_answer(const DenyTarget& target, bool waiting, milliseconds window, const std::string& message) {
  if (waiting)
    return {DenyVerdict::kDenied,
            cat(target.describe(), ": no answer within ", seconds_text(window),
                " while the API server dials the pod (a connection that is made answers at once): the packets are dropped, "
                "as a NetworkPolicy does")};
  return {DenyVerdict::kRetry, message};
}

std::string expect_denied(const kube::RestConfig& config, const DenyTarget& target, milliseconds window,
                          const Deadline& deadline) {
  kube::ClientOptions options;
  options.max_attempts = 1;
  options.request_timeout = window;
  options.deadline = deadline;
  options.user_agent = "kind-wait/" SF_VERSION;
  kube::KubeClient client(config, options);
  http::Request request;
  request.url = client.url(kube::service_proxy_path(target.ns, target.name, target.port, "/"));
  milliseconds backoff(500);
  std::string last;
  for (;;) {
    DenyJudgement j;
    const bool whole_window = deadline.remaining() >= window;
    try {
      const http::Response r = client.send(request);
      j = judge_proxy_answer(target, r.status, r.body);
    } catch (const http::HttpError& e) {
      if (http::is_tls_failure(e.failure())) throw;
      const bool waiting = e.failure() == http::Failure::kTimeout && e.detail().phase == http::Phase::kWaiting &&
                           !e.detail().deadline_reached && whole_window;
      j = judge_no_answer(target, waiting, window, e.what());
    }
    if (j.verdict == DenyVerdict::kDenied) return j.detail;
    if (j.verdict == DenyVerdict::kNotDenied) throw Error(cat("not denied: ", j.detail));
    last = j.detail;
    if (deadline.expired() || deadline.remaining() <= backoff)
      throw Error(cat(target.describe(), ": no verdict within ", deadline.what(), "; last: ", last));
    log::debug(cat(target.describe(), ": retrying in ", backoff.count(), " ms: ", last));
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, milliseconds(5'000));
  }
}

}  // namespace sf::kw
