// The one retry loop of kind-wait's writes (--sync, --force-sync-secrets): run an attempt until
// it returns, retrying what kube::judge_failure calls transient (refused, reset, 5xx, 429, a 404
// while the object does not exist yet) with a backoff of 200 ms doubling to 2 s, at least what
// the server asked for (Retry-After) up to 10 s, and never past the deadline.
#pragma once

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>

#include "common/deadline.h"
#include "common/kube_client.h"
#include "common/log.h"
#include "common/strings.h"

namespace sf::kw {

// give_up(last_message) must throw (it names the culprit in the caller's words); sleep(delay)
// waits (tests pass a fake clock's).
template <typename Attempt, typename GiveUp, typename Sleep>
auto retry_transient(const Deadline& deadline, const std::string& doing, Attempt attempt, GiveUp give_up,
                     Sleep sleep) {
  using std::chrono::milliseconds;
  milliseconds backoff(200);
  for (;;) {
    try {
      return attempt();
    } catch (...) {
      const kube::RetryVerdict verdict = kube::judge_failure(std::current_exception());
      if (verdict.fatal) throw;
      const milliseconds delay = std::max(backoff, std::min(verdict.at_least, milliseconds(10'000)));
      if (deadline.expired() || delay >= deadline.remaining()) give_up(verdict.message);
      log::debug(cat(doing, ": retrying in ", delay.count(), " ms: ", verdict.message));
      sleep(delay);
      backoff = std::min(backoff * 2, milliseconds(2'000));
    }
  }
}

}  // namespace sf::kw
