// What kind-wait waits for (--for), which collection each needs watched, and how a target is
// judged against the client-side copy of that collection.
//   nodes=N                      N nodes (at least), every one Ready, untainted, schedulable
//   deployment/NS/NAME           rollout complete (kubectl rollout status)
//   pod/NS/NAME[=Running|Ready]  phase Running, or Ready (default)
//   application/NS/NAME          Argo CD Application Synced + Healthy, no operation in flight
//   applications/NS[=A,B,...]    every Application in NS (at least one; the named ones must exist)
//   crd/NAME                     CustomResourceDefinition Established
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/kube_client.h"
#include "kind-wait/conditions.h"

namespace sf::kw {

enum class TargetKind { kNodes, kDeployment, kPod, kApplication, kApplications, kCrd };

struct Target {
  TargetKind kind = TargetKind::kNodes;
  std::string spec;                   // as written on the command line
  std::string ns;
  std::string name;
  long count = 0;                     // nodes=N
  PodWant want = PodWant::kReady;
  std::vector<std::string> expected;  // applications/NS=A,B

  std::string collection() const;     // the API path to LIST+WATCH
  std::string resource() const;       // "nodes", "argoproj.io/v1alpha1 applications", ...
};

// Parses one --for value; UsageError with the accepted forms otherwise.
Target parse_target(std::string_view spec);

// A Kubernetes object name (DNS-1123 subdomain): lower-case alphanumerics, '-', '.'; 1 to 253 characters.
bool is_kubernetes_name(std::string_view s);

struct ObjectState {
  std::string name;
  bool ready = false;
  std::string message;
  bool degraded = false;  // an Application with health Degraded (the Degraded rule, degraded.h)
};

struct TargetStatus {
  State state = State::kPending;
  std::string summary;                // one line: what holds or what is missing and why
  std::vector<ObjectState> objects;   // per object, when the target covers several
  bool ready() const { return state == State::kReady; }
};

// Judges a target against the store of its collection (read with the store's mutex held).
TargetStatus evaluate(const Target& target, const kube::Store& store);

}  // namespace sf::kw
