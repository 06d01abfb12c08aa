// Readiness predicates on Kubernetes objects, each the rule the ecosystem already uses:
//  - Node: condition Ready=True (looked up by type, case-insensitive like kubectl), no
//    node.kubernetes.io/not-ready or /unreachable taint, not cordoned.
//  - Deployment: kubectl's rollout status (pkg/polymorphichelpers/rollout_status.go), not just
//    Available=True, which can hold mid-rollout.
//  - Pod: phase Running, or condition Ready=True.
//  - Argo CD Application: `argocd app wait` (health Healthy, sync Synced, no operation in flight,
//    reconciled after the last sync finished, both times in whole seconds as the CLI sees
//    them); a missing status counts as Progressing.
//  - CustomResourceDefinition: condition Established=True.
// Every verdict carries a message that says why it is not ready, in the words kubectl/Argo CD use.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace sf::kw {

enum class State { kPending, kReady, kFailed };

struct Verdict {
  State state = State::kPending;
  std::string message;
  bool degraded = false;  // an Application whose health is Degraded (degraded.h judges how long)
  bool ready() const { return state == State::kReady; }
};

// status.conditions[] entry with this type, or nullptr.
const rapidjson::Value* find_condition(const rapidjson::Value& object, std::string_view type);

Verdict node_verdict(const rapidjson::Value& node);
Verdict deployment_verdict(const rapidjson::Value& deployment);

enum class PodWant { kRunning, kReady };
Verdict pod_verdict(const rapidjson::Value& pod, PodWant want);

Verdict application_verdict(const rapidjson::Value& application);
Verdict crd_verdict(const rapidjson::Value& crd);

}  // namespace sf::kw
