#include "kind-wait/pod_inventory.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "common/pod.h"
#include "common/redact.h"
#include "kind-wait/inventory.h"
#include "kind-wait/test_support.h"

using namespace sf;
using sf::kw::testing::json;

namespace {

// A Deployment's pod as the API serves it (LIST items carry no kind): an app with requests and
// a memory limit, a GPU container requested by its limit, a plain init container, a native
// sidecar, RuntimeClass overhead.
const std::string kPod = R"({"metadata":{"name":"api-7d9f8c6b5d-x2b4q","namespace":"team-a","uid":"u-1",
  "creationTimestamp":"2026-11-26T07:00:00Z","labels":{"app":"api","pod-template-hash":"7d9f8c6b5d"},
  "ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"other","controller":false},
                     {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"api-7d9f8c6b5d","uid":"rs-1","controller":true}]},
  "spec":{"nodeName":"kind-worker","overhead":{"cpu":"250m","memory":"120Mi"},
    "containers":[{"name":"app","resources":{"requests":{"cpu":"500m","memory":"256Mi"},"limits":{"memory":"512Mi"}}},
                  {"name":"cuda","resources":{"limits":{"nvidia.com/gpu":"1","cpu":"2"},"requests":{"cpu":"2"}}},
                  {"name":"bare"}],
    "initContainers":[{"name":"migrate","resources":{"requests":{"cpu":"3","memory":"1Gi"}}},
                      {"name":"log","restartPolicy":"Always","resources":{"requests":{"cpu":"20m","memory":"32Mi"}}}]},
  "status":{"phase":"Running"}})";

}  // namespace

TEST_CASE("pod lines: identity, owner, labels, requests and limits of every container", "[pod-inventory]") {
  const PodRecord p = kw::pod_record(json(kPod));
  CHECK(p.namespace_name == "team-a");
  CHECK(p.name == "api-7d9f8c6b5d-x2b4q");
  CHECK(p.uid == "u-1");
  CHECK(p.node == "kind-worker");
  CHECK(p.phase == "Running");
  CHECK(p.created == "2026-11-26T07:00:00Z");
  CHECK(p.owner_kind == "ReplicaSet");  // the controller reference, not the first one
  CHECK(p.owner_name == "api-7d9f8c6b5d");
  CHECK(p.controller_kind == "ReplicaSet");
  CHECK(p.controller_from == "owner");
  CHECK(p.labels.size() == 2);
  REQUIRE(p.containers.size() == 3);
  CHECK(p.containers[0].cpu_request_cores == 0.5);
  CHECK(p.containers[0].memory_request_bytes == 256.0 * 1024 * 1024);
  CHECK(p.containers[0].memory_limit_bytes == 512.0 * 1024 * 1024);
  CHECK_FALSE(p.containers[0].cpu_limit_cores.has_value());
  CHECK(p.containers[1].gpu_request == 1);
  CHECK(p.containers[1].cpu_limit_cores == 2);
  CHECK(p.containers[2].cpu_request_cores == 0);
  CHECK_FALSE(p.containers[2].memory_limit_bytes.has_value());
  REQUIRE(p.init_containers.size() == 2);
  CHECK_FALSE(p.init_containers[0].sidecar);
  CHECK(p.init_containers[1].sidecar);
  CHECK(p.overhead.cpu_cores == 0.25);
  CHECK(p.overhead.memory_bytes == 120.0 * 1024 * 1024);
  // Containers + sidecar = 2.52 cores, the init container 3 cores: 3 + 0.25 overhead.
  CHECK(p.scheduling_requests.cpu_cores == Approx(3.25));
  CHECK(p.scheduling_requests.memory_bytes == Approx((1024.0 + 120) * 1024 * 1024));
  CHECK(p.scheduling_requests.gpus == 1);
}

TEST_CASE("pod lines: a ReplicaSet resolves to its Deployment, by a LIST or by the name pattern", "[pod-inventory]") {
  const PodRecord base = kw::pod_record(json(kPod));
  kw::ReplicaSetOwners owners{{"team-a/api-7d9f8c6b5d", {"Deployment", "api"}}, {"team-a/solo", {"", ""}}};
  PodRecord p = base;
  kw::resolve_controller(p, &owners);
  CHECK(p.controller_kind == "Deployment");
  CHECK(p.controller == "api");
  CHECK(p.controller_from == "replicaset");
  // A ReplicaSet nobody owns is the workload itself.
  p = base;
  p.owner_name = "solo";
  p.controller = "solo";
  kw::resolve_controller(p, &owners);
  CHECK(p.controller_kind == "ReplicaSet");
  CHECK(p.controller == "solo");
  CHECK(p.controller_from == "replicaset");
  // Without the LIST (RBAC): NAME-<pod-template-hash>.
  p = base;
  kw::resolve_controller(p, nullptr);
  CHECK(p.controller_kind == "Deployment");
  CHECK(p.controller == "api");
  CHECK(p.controller_from == "name-pattern");
  // A name that does not end in the hash stays the ReplicaSet.
  p = base;
  p.owner_name = p.controller = "handmade";
  kw::resolve_controller(p, nullptr);
  CHECK(p.controller_kind == "ReplicaSet");
  CHECK(p.controller_from == "owner");
  // Other owners (StatefulSet, DaemonSet, Job) are the workload as they are.
  p = base;
  p.owner_kind = p.controller_kind = "StatefulSet";
  kw::resolve_controller(p, &owners);
  CHECK(p.controller_kind == "StatefulSet");
}

TEST_CASE("pod lines: a pod without owner or node, and a quantity that does not parse", "[pod-inventory]") {
  const PodRecord p = kw::pod_record(
      json(R"({"metadata":{"name":"solo","namespace":"default"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Pending"}})"));
  CHECK(p.node.empty());
  CHECK(p.owner_kind.empty());
  CHECK(p.controller_from.empty());
  CHECK(p.phase == "Pending");
  try {
    kw::pod_record(json(
        R"({"metadata":{"name":"x","namespace":"ns"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"lots"}}}]}})"));
    FAIL("no error");
  } catch (const ParseError& e) {
    CHECK(std::string(e.what()).find("pod ns/x spec.containers[c].resources.requests.cpu") != std::string::npos);
  }
}

TEST_CASE("list kinds: nodes, pods or both, nodes first", "[pod-inventory]") {
  CHECK(kw::list_kinds("nodes") == std::vector<std::string>{"nodes"});
  CHECK(kw::list_kinds("pods") == std::vector<std::string>{"pods"});
  CHECK(kw::list_kinds("pods,nodes") == std::vector<std::string>{"nodes", "pods"});
  CHECK(kw::list_kinds("").empty());
  CHECK_THROWS_AS(kw::list_kinds("deployments"), UsageError);
}

TEST_CASE("pod lines: names with control characters or not UTF-8 are refused, each alone, by name",
          "[pod-inventory]") {
  // The pod_line contract refuses control characters in its names (price-calc groups by them):
  // the item is refused with the field named, and write_item_line leaves its line out.
  const PodRecord esc = kw::pod_record(json(
      R"({"metadata":{"name":"api-\u001b]0;owned\u0007","namespace":"team-\r\na"},"spec":{"containers":[{"name":"c"}]}})"));
  CHECK_THROWS_WITH(pod_record_json(esc), Catch::Contains("field \"namespace\" (\"team-\\r\\na\")") &&
                                              Catch::Contains("control characters"));  // shown escaped
  const PodRecord esc_name = kw::pod_record(
      json(R"({"metadata":{"name":"api-\u001b]0;owned\u0007","namespace":"a"},"spec":{"containers":[]}})"));
  CHECK_THROWS_WITH(pod_record_json(esc_name), Catch::Contains("field \"name\"") && !Catch::Contains("\x1b"));
  for (const char* text : {"{\"metadata\":{\"name\":\"api-\xff\",\"namespace\":\"a\"},\"spec\":{\"containers\":[]}}",
                           "{\"metadata\":{\"name\":\"api\",\"namespace\":\"a\"},\"spec\":{\"nodeName\":\"w\xe2\x82\",\"containers\":[]}}"}) {
    const PodRecord bad = kw::pod_record(json(text));
    CHECK_THROWS_WITH(pod_record_json(bad), Catch::Contains("UTF-8"));
  }
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&buffer, &size);
  {
    JsonLineWriter writer(mem);
    const PodRecord good = kw::pod_record(json(R"({"metadata":{"name":"ok","namespace":"a"},"spec":{"containers":[]}})"));
    CHECK_FALSE(kw::write_item_line(writer, "pod x", [&] { return pod_record_json(esc); }));
    CHECK(kw::write_item_line(writer, "pod a/ok", [&] { return pod_record_json(good); }));
    writer.flush();
  }
  std::fclose(mem);
  const std::string text(buffer, size);
  std::free(buffer);
  CHECK(valid_utf8(text));
  CHECK(text.find('\x1b') == std::string::npos);
  PodRecord back;
  REQUIRE(text.size() > 1);
  CHECK(text.find('\n') == text.size() - 1);  // only the good pod's line, whole
  REQUIRE(parse_pod_line(std::string_view(text).substr(0, text.size() - 1), "line", back));
  CHECK(back.name == "ok");
}
