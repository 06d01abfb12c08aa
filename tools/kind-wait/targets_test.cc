#include "kind-wait/targets.h"

#include <catch2/catch.hpp>

#include "kind-wait/test_support.h"

#include "common/error.h"

using namespace sf::kw;
using sf::kube::Store;

namespace {

using sf::kw::testing::json;

std::string node(const std::string& name, const std::string& ready) {
  return R"({"metadata":{"name":")" + name + R"("},"status":{"conditions":[{"type":"Ready","status":")" + ready +
         R"(","reason":"KubeletNotReady","message":"cni plugin not initialized"}]}})";
}

std::string app(const std::string& name, const std::string& sync, const std::string& health) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"argocd"},"status":{"sync":{"status":")" + sync +
         R"("},"health":{"status":")" + health + R"("}}})";
}

Store synced_store() {
  Store s;
  s.synced = true;
  s.ever_answered = true;
  return s;
}

}  // namespace

TEST_CASE("target forms accepted by --for", "[targets]") {
  Target t = parse_target("nodes=3");
  CHECK(t.kind == TargetKind::kNodes);
  CHECK(t.count == 3);
  CHECK(t.collection() == "/api/v1/nodes");
  t = parse_target("deployment/argocd/argocd-server");
  CHECK(t.kind == TargetKind::kDeployment);
  CHECK(t.collection() == "/apis/apps/v1/namespaces/argocd/deployments");
  t = parse_target("pod/vault/vault-0=Running");
  CHECK(t.want == PodWant::kRunning);
  CHECK(t.collection() == "/api/v1/namespaces/vault/pods");
  CHECK(parse_target("pod/vault/vault-0").want == PodWant::kReady);
  t = parse_target("application/argocd/root");
  CHECK(t.collection() == "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications");
  t = parse_target("applications/argocd=root,vault,,root");
  CHECK(t.expected == std::vector<std::string>{"root", "vault"});
  CHECK(parse_target("applications/argocd").expected.empty());
  t = parse_target("crd/applications.argoproj.io");
  CHECK(t.collection() == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
  CHECK(t.name == "applications.argoproj.io");

  for (const char* bad : {"nodes", "nodes=0", "nodes=two", "nodes=1.5", "deployment/argocd", "deployment/a/b/c",
                          "pod/ns/p=Succeeded", "service/ns/x", "crd/", "application/Argo/root", "whatever"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_target(bad), sf::UsageError);
  }
  CHECK_THROWS_WITH(parse_target("nodes=two"), Catch::Contains("--for 'nodes=two'") && Catch::Contains("use nodes=N"));
}

TEST_CASE("nodes=N: count and readiness, with the reason of every laggard", "[targets]") {
  const Target t = parse_target("nodes=3");
  Store s = synced_store();
  s.objects["kind-control-plane"] = json(node("kind-control-plane", "True"));
  s.objects["kind-worker"] = json(node("kind-worker", "False"));
  TargetStatus st = evaluate(t, s);
  CHECK_FALSE(st.ready());
  CHECK(st.summary == "1 of 3 nodes Ready (2 of 3 registered); kind-worker: NotReady: KubeletNotReady: cni plugin not initialized");
  REQUIRE(st.objects.size() == 2);
  CHECK_FALSE(st.objects[1].ready);
  s.objects["kind-worker"] = json(node("kind-worker", "True"));
  s.objects["kind-worker2"] = json(node("kind-worker2", "True"));
  st = evaluate(t, s);
  CHECK(st.ready());
  CHECK(st.summary == "3 nodes Ready");
  // More nodes than asked: every one must be Ready.
  s.objects["kind-worker3"] = json(node("kind-worker3", "False"));
  CHECK_FALSE(evaluate(t, s).ready());
}

TEST_CASE("objects and resource types that do not exist yet are waited for", "[targets]") {
  Store none;
  CHECK(evaluate(parse_target("nodes=1"), none).summary == "waiting for the first answer from the API server");
  none.last_error = "cannot connect";
  CHECK_THAT(evaluate(parse_target("nodes=1"), none).summary, Catch::Contains("cannot connect"));

  Store not_served = synced_store();
  not_served.served = false;
  CHECK(evaluate(parse_target("application/argocd/root"), not_served).summary ==
        "the API server does not serve argoproj.io/v1alpha1 applications (Argo CD) yet (CRD not installed)");

  Store empty = synced_store();
  CHECK(evaluate(parse_target("deployment/argocd/argocd-server"), empty).summary ==
        "deployment argocd/argocd-server does not exist yet");
  CHECK(evaluate(parse_target("crd/applications.argoproj.io"), empty).summary ==
        "crd applications.argoproj.io does not exist yet");
  CHECK(evaluate(parse_target("applications/argocd"), empty).summary == "no Applications in namespace argocd yet");
}

TEST_CASE("applications/NS: every one, and the named ones must exist", "[targets]") {
  Store s = synced_store();
  s.objects["argocd/root"] = json(app("root", "Synced", "Healthy"));
  s.objects["argocd/vault"] = json(app("vault", "OutOfSync", "Progressing"));
  TargetStatus st = evaluate(parse_target("applications/argocd"), s);
  CHECK_FALSE(st.ready());
  CHECK(st.summary == "1 of 2 Applications Synced/Healthy; vault: OutOfSync/Progressing");
  s.objects["argocd/vault"] = json(app("vault", "Synced", "Healthy"));
  CHECK(evaluate(parse_target("applications/argocd"), s).ready());
  st = evaluate(parse_target("applications/argocd=root,vault,opencost"), s);
  CHECK_FALSE(st.ready());
  CHECK_THAT(st.summary, Catch::Contains("opencost: does not exist yet"));
  CHECK(evaluate(parse_target("application/argocd/vault"), s).ready());
}
