#include "kind-wait/conditions.h"

#include <catch2/catch.hpp>

#include "kind-wait/test_support.h"

#include <string>

using namespace sf::kw;

namespace {

using sf::kw::testing::json;

// A kind worker as the API shows it before the CNI is up, and after.
const std::string kWorkerNotReady = R"({"kind":"Node","metadata":{"name":"kind-worker"},
  "spec":{"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"}]},
  "status":{"conditions":[
    {"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory"},
    {"type":"Ready","status":"False","reason":"KubeletNotReady","message":"container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"},
    {"type":"PIDPressure","status":"False"}]}})";

std::string node(const std::string& ready_status, const std::string& spec = "{}") {
  return R"({"metadata":{"name":"n"},"spec":)" + spec +
         R"(,"status":{"conditions":[{"type":"Ready","status":")" + ready_status +
         R"(","reason":"KubeletReady","message":"kubelet is posting ready status"},{"type":"DiskPressure","status":"False"}]}})";
}

std::string deployment(int generation, int observed, int replicas, int updated, int current, int available,
                       const std::string& progressing_reason = "NewReplicaSetAvailable") {
  return R"({"kind":"Deployment","metadata":{"name":"argocd-server","namespace":"argocd","generation":)" +
         std::to_string(generation) + R"(},"spec":{"replicas":)" + std::to_string(replicas) +
         R"(},"status":{"observedGeneration":)" + std::to_string(observed) + R"(,"replicas":)" +
         std::to_string(current) + R"(,"updatedReplicas":)" + std::to_string(updated) +
         R"(,"availableReplicas":)" + std::to_string(available) +
         R"(,"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"},{"type":"Progressing","status":")" +
         (progressing_reason == "ProgressDeadlineExceeded" ? "False" : "True") + R"(","reason":")" +
         progressing_reason + R"(","message":"ReplicaSet has timed out progressing."}]}})";
}

}  // namespace

TEST_CASE("node readiness: by condition type, taints and cordons", "[conditions]") {
  Verdict v = node_verdict(json(kWorkerNotReady));
  CHECK(v.state == State::kPending);
  CHECK(v.message == "NotReady: KubeletNotReady: container runtime network not ready: NetworkReady=false "
                     "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized");
  CHECK(node_verdict(json(node("True"))).ready());
  CHECK(node_verdict(json(node("true"))).ready());  // case-insensitive, like kubectl
  CHECK_THAT(node_verdict(json(node("Unknown"))).message, Catch::StartsWith("Ready=Unknown"));
  CHECK(node_verdict(json(node("True", R"({"taints":[{"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}]})"))).message ==
        "tainted node.kubernetes.io/unreachable:NoExecute");
  // The control-plane taint of a multi-node kind cluster is normal.
  CHECK(node_verdict(json(node("True", R"({"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]})"))).ready());
  CHECK(node_verdict(json(node("True", R"({"unschedulable":true})"))).message == "cordoned (spec.unschedulable)");
  CHECK_THAT(node_verdict(json(R"({"metadata":{"name":"x"},"status":{}})")).message, Catch::Contains("no Ready condition"));
}

TEST_CASE("deployment rollout: kubectl's rule, in kubectl's order", "[conditions]") {
  CHECK(deployment_verdict(json(deployment(1, 1, 1, 1, 1, 1))).ready());
  CHECK(deployment_verdict(json(deployment(5, 4, 1, 1, 1, 1))).message == "Waiting for deployment spec update to be observed...");
  Verdict dead = deployment_verdict(json(deployment(4, 4, 1, 1, 2, 1, "ProgressDeadlineExceeded")));
  CHECK(dead.state == State::kFailed);
  CHECK(dead.message == "deployment \"argocd-server\" exceeded its progress deadline");
  CHECK(deployment_verdict(json(deployment(2, 2, 3, 1, 3, 3))).message ==
        "Waiting for deployment \"argocd-server\" rollout to finish: 1 out of 3 new replicas have been updated...");
  // Mid-rollout: Available=True holds but an old pod is still terminating (argo-cd's testdata shape).
  CHECK(deployment_verdict(json(deployment(4, 4, 1, 1, 2, 1))).message ==
        "Waiting for deployment \"argocd-server\" rollout to finish: 1 old replicas are pending termination...");
  CHECK(deployment_verdict(json(deployment(4, 4, 2, 2, 2, 1))).message ==
        "Waiting for deployment \"argocd-server\" rollout to finish: 1 of 2 updated replicas are available...");
  // spec.replicas absent: the API defaults it to 1.
  CHECK_FALSE(deployment_verdict(json(R"({"metadata":{"name":"d","generation":1},"spec":{},"status":{"observedGeneration":1}})")).ready());
  CHECK(deployment_verdict(json(R"({"metadata":{"name":"d","generation":1},"spec":{},"status":{"observedGeneration":1,"replicas":1,"updatedReplicas":1,"availableReplicas":1}})")).ready());
  // Scaled to zero is rolled out.
  CHECK(deployment_verdict(json(deployment(3, 3, 0, 0, 0, 0))).ready());
}

TEST_CASE("pod phase and readiness", "[conditions]") {
  const auto running_unready = json(R"({"metadata":{"name":"vault-0"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False","reason":"ContainersNotReady","message":"containers with unready status: [vault]"}]}})");
  CHECK(pod_verdict(running_unready, PodWant::kRunning).ready());
  const Verdict v = pod_verdict(running_unready, PodWant::kReady);
  CHECK_FALSE(v.ready());
  CHECK(v.message == "phase Running, not Ready (ContainersNotReady: containers with unready status: [vault])");
  CHECK(pod_verdict(json(R"({"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})"), PodWant::kReady).ready());
  CHECK(pod_verdict(json(R"({"status":{"phase":"Pending"}})"), PodWant::kRunning).message == "phase Pending");
  CHECK(pod_verdict(json(R"({"status":{}})"), PodWant::kRunning).message == "phase Pending");
  CHECK_THAT(pod_verdict(json(R"({"status":{"phase":"Failed","reason":"Evicted"}})"), PodWant::kRunning).message,
             Catch::Contains("will not run again") && Catch::Contains("Evicted"));
}

TEST_CASE("Argo CD Application: argocd app wait's rule", "[conditions]") {
  const std::string synced_healthy = R"("sync":{"status":"Synced","revision":"abc"},"health":{"status":"Healthy"})";
  auto app = [](const std::string& status, const std::string& top = "") {
    return json(R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"vault","namespace":"argocd"})" +
                top + R"(,"status":{)" + status + "}}");
  };
  // Never synced by an operation (auto-sync off, nothing to do): ready.
  CHECK(application_verdict(app(synced_healthy + R"(,"reconciledAt":"2026-08-01T10:00:00Z")")).ready());
  // Sync finished and the controller reconciled afterwards: ready.
  CHECK(application_verdict(app(synced_healthy + R"(,"reconciledAt":"2026-08-01T10:00:05Z","operationState":{"phase":"Succeeded","finishedAt":"2026-08-01T10:00:03Z"})")).ready());
  // Reconciled before the sync finished: not yet.
  Verdict stale = application_verdict(app(synced_healthy + R"(,"reconciledAt":"2026-08-01T10:00:01Z","operationState":{"phase":"Succeeded","finishedAt":"2026-08-01T10:00:03Z"})"));
  CHECK_FALSE(stale.ready());
  CHECK_THAT(stale.message, Catch::Contains("waiting for the controller to reconcile"));
  // A dry run does not need the reconcile.
  CHECK(application_verdict(app(synced_healthy + R"(,"reconciledAt":"2026-08-01T10:00:01Z","operationState":{"phase":"Succeeded","finishedAt":"2026-08-01T10:00:03Z","operation":{"sync":{"dryRun":true}}})")).ready());
  // Operation still running.
  CHECK_THAT(application_verdict(app(synced_healthy + R"(,"operationState":{"phase":"Running","startedAt":"2026-08-01T10:00:00Z"})")).message,
             Catch::Contains("sync operation Running"));
  // Operation requested (top-level field).
  CHECK_THAT(application_verdict(app(synced_healthy, R"(,"operation":{"sync":{"revision":"HEAD"}})")).message,
             Catch::Contains("a sync operation was requested"));
  // OutOfSync / Degraded with the health message and the error condition.
  Verdict degraded = application_verdict(app(R"("sync":{"status":"OutOfSync"},"health":{"status":"Degraded","message":"Deployment \"vault\" exceeded its progress deadline"},"conditions":[{"type":"SyncError","message":"one or more objects failed to apply"}])"));
  CHECK(degraded.message == "OutOfSync/Degraded: Deployment \"vault\" exceeded its progress deadline; SyncError: one or more objects failed to apply");
  CHECK(degraded.state == State::kPending);  // Argo CD may still fix it: not a failure
  // The minimal Application of gitops-engine's testdata: only health.
  CHECK(application_verdict(app(R"("health":{"status":"Degraded"})")).message == "Unknown/Degraded");
  // No status at all: Progressing.
  CHECK(application_verdict(json(R"({"metadata":{"name":"new"}})")).message == "Unknown/Progressing");
  // Degraded is flagged for the Degraded rule (degraded.h); other healths are not.
  CHECK(degraded.degraded);
  CHECK_FALSE(stale.degraded);
  CHECK_FALSE(application_verdict(app(R"("health":{"status":"Progressing"})")).degraded);
}

TEST_CASE("Argo CD Application: reconciledAt and finishedAt compared in whole seconds", "[conditions]") {
  auto app = [](const std::string& reconciled, const std::string& finished) {
    return json(R"({"metadata":{"name":"root","namespace":"argocd"},"status":{"sync":{"status":"Synced"},)"
                R"("health":{"status":"Healthy"},"reconciledAt":")" + reconciled +
                R"(","operationState":{"phase":"Succeeded","finishedAt":")" + finished + R"("}}})");
  };
  // The same second is not before (metav1.Time has whole seconds; ReconciledAt.Before is false).
  CHECK(application_verdict(app("2026-08-01T10:00:03Z", "2026-08-01T10:00:03Z")).ready());
  // A writer that keeps fractions: .2 and .9 of the same second are the same second to the CLI.
  CHECK(application_verdict(app("2026-08-01T10:00:03.2Z", "2026-08-01T10:00:03.9Z")).ready());
  // The second before is before, fractions or not.
  CHECK_FALSE(application_verdict(app("2026-08-01T10:00:02.999Z", "2026-08-01T10:00:03Z")).ready());
  CHECK_FALSE(application_verdict(app("2026-08-01T10:00:02Z", "2026-08-01T10:00:03Z")).ready());
  // Offsets count: 12:00:03+02:00 is 10:00:03Z.
  CHECK(application_verdict(app("2026-08-01T12:00:03+02:00", "2026-08-01T10:00:03Z")).ready());
}

TEST_CASE("CRD established", "[conditions]") {
  CHECK(crd_verdict(json(R"({"status":{"conditions":[{"type":"NamesAccepted","status":"True"},{"type":"Established","status":"True"}]}})")).ready());
  CHECK(crd_verdict(json(R"({"status":{"conditions":[{"type":"Established","status":"False","reason":"Installing","message":"the initial names have been accepted"}]}})")).message ==
        "Established=False: Installing: the initial names have been accepted");
  CHECK(crd_verdict(json(R"({"status":{}})")).message == "not Established yet");
}
