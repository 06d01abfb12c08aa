#include "kind-wait/degraded.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using namespace sf::kw;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

namespace {

TargetStatus apps(std::vector<ObjectState> objects) {
  TargetStatus s;
  s.summary = "waiting";
  s.objects = std::move(objects);
  return s;
}

ObjectState degraded(const std::string& name) {
  return {name, false, "Synced/Degraded: Deployment \"vault\" exceeded its progress deadline", true};
}
ObjectState healthy(const std::string& name) { return {name, true, "Synced/Healthy", false}; }

}  // namespace

TEST_CASE("Degraded rule: a Degraded spell longer than the grace fails its target", "[degraded]") {
  const std::vector<Target> targets{parse_target("applications/argocd"), parse_target("nodes=3")};
  DegradedRule rule(milliseconds(120'000));
  const auto t0 = Steady::now();
  std::vector<TargetStatus> statuses{apps({degraded("vault"), healthy("root")}), apps({})};
  rule.apply(targets, statuses, t0);
  CHECK(statuses[0].state == State::kPending);
  REQUIRE(rule.next_expiry());
  CHECK(*rule.next_expiry() == t0 + seconds(120));

  statuses = {apps({degraded("vault"), healthy("root")}), apps({})};
  rule.apply(targets, statuses, t0 + seconds(119));
  CHECK(statuses[0].state == State::kPending);

  statuses = {apps({degraded("vault"), healthy("root")}), apps({})};
  rule.apply(targets, statuses, t0 + seconds(120));
  CHECK(statuses[0].state == State::kFailed);
  CHECK(statuses[0].summary ==
        "vault: Degraded for 2m0s, longer than the 2m0s --degraded-grace: Synced/Degraded: Deployment \"vault\" "
        "exceeded its progress deadline");
  CHECK(statuses[1].state == State::kPending);  // other targets are not touched
}

TEST_CASE("Degraded rule: leaving Degraded restarts the spell", "[degraded]") {
  const std::vector<Target> targets{parse_target("application/argocd/vault")};
  DegradedRule rule(milliseconds(60'000));
  const auto t0 = Steady::now();
  std::vector<TargetStatus> s{apps({degraded("argocd/vault")})};
  rule.apply(targets, s, t0);
  s = {apps({healthy("argocd/vault")})};
  rule.apply(targets, s, t0 + seconds(50));
  CHECK_FALSE(rule.next_expiry());
  s = {apps({degraded("argocd/vault")})};
  rule.apply(targets, s, t0 + seconds(70));  // 70 s after the first spell began, 0 s into this one
  CHECK(s[0].state == State::kPending);
  CHECK(*rule.next_expiry() == t0 + seconds(130));
}

TEST_CASE("Degraded rule: grace 0 fails at once, none never", "[degraded]") {
  const std::vector<Target> targets{parse_target("application/argocd/vault")};
  const auto t0 = Steady::now();
  DegradedRule now(milliseconds(0));
  std::vector<TargetStatus> s{apps({degraded("argocd/vault")})};
  now.apply(targets, s, t0);
  CHECK(s[0].state == State::kFailed);

  DegradedRule off(std::nullopt);
  s = {apps({degraded("argocd/vault")})};
  off.apply(targets, s, t0 + std::chrono::hours(10));
  CHECK(s[0].state == State::kPending);
  CHECK_FALSE(off.next_expiry());
}

TEST_CASE("Degraded rule: --degraded-grace values", "[degraded]") {
  CHECK(parse_degraded_grace("5m") == milliseconds(300'000));
  CHECK(parse_degraded_grace("0") == milliseconds(0));
  CHECK_FALSE(parse_degraded_grace("none"));
  CHECK_THROWS_AS(parse_degraded_grace("soon"), sf::UsageError);
}
