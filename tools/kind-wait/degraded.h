// The Degraded rule. `argocd app wait` (its default includes --health) fails at once when a
// resource's health turns Degraded during the wait (cmd/argocd/commands/app.go,
// waitOnApplicationStatus: "application '%s' health state has transitioned from %s to %s"),
// while a plain wait would sit out its whole timeout on a broken app (a 15-minute wait on a
// Vault that will not come up). kind-wait fails the wait once an Application has been
// Degraded, without a break, for longer than a grace period, with the Application's own health
// and condition messages. The grace exists because a platform booting through sync waves
// passes through Degraded on the way to Healthy (a ClusterSecretStore until Vault is seeded,
// a child whose sync failed and waits for its retry, at most 3 minutes in this tree), where
// failing at once would stop a boot that is about to succeed.
//
// The clock is kind-wait's own: an app counts as Degraded from the first moment this wait saw
// it so, not from status.health.lastTransitionTime, which for an app the controller has not
// re-assessed yet (vault-config right after vault-seed) lies far in the past.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kind-wait/targets.h"

namespace sf::kw {

class DegradedRule {
 public:
  using Steady = std::chrono::steady_clock;
  // nullopt: the rule is off (wait to the timeout); zero: fail at the first Degraded verdict.
  explicit DegradedRule(std::optional<std::chrono::milliseconds> grace) : grace_(grace) {}

  // Turns a target Failed when one of its Applications has been Degraded for longer than the
  // grace at `now`; forgets objects that are no longer Degraded (a Degraded spell restarts).
  void apply(const std::vector<Target>& targets, std::vector<TargetStatus>& statuses, Steady::time_point now);
  // When the earliest grace still running ends (the wait wakes then to judge again).
  std::optional<Steady::time_point> next_expiry() const;

 private:
  std::optional<std::chrono::milliseconds> grace_;
  std::map<std::string, Steady::time_point> since_;  // "<target spec>\n<object>" -> first seen Degraded
};

// Parses --degraded-grace: a duration ("5m", "0s"), or "none" for no rule.
std::optional<std::chrono::milliseconds> parse_degraded_grace(const std::string& text);

}  // namespace sf::kw
