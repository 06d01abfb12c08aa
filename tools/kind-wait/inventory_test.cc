#include "kind-wait/inventory.h"

#include <catch2/catch.hpp>

#include "kind-wait/test_support.h"

#include <cstdio>
#include <functional>
#include <utility>
#include <string>

#include "common/error.h"
#include "common/json_lines.h"
#include "common/redact.h"

using namespace sf;

namespace {

using sf::kw::testing::json;

// A kind control-plane with a GPU, shaped like the API's Node objects.
const std::string kControlPlane = R"({"kind":"Node","apiVersion":"v1","metadata":{"name":"kind-control-plane",
  "labels":{"beta.kubernetes.io/arch":"amd64","ingress-ready":"true","kubernetes.io/hostname":"kind-control-plane",
            "node-role.kubernetes.io/control-plane":"","node.kubernetes.io/exclude-from-external-load-balancers":""}},
  "spec":{"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]},
  "status":{"capacity":{"cpu":"8","ephemeral-storage":"16954240Ki","memory":"16384Ki","nvidia.com/gpu":"2","pods":"110"},
            "allocatable":{"cpu":"7500m","memory":"8063156Ki","nvidia.com/gpu":"2","pods":"110"},
            "conditions":[{"type":"Ready","status":"True"},{"type":"MemoryPressure","status":"False"}],
            "addresses":[{"type":"Hostname","address":"kind-control-plane"},{"type":"InternalIP","address":"172.18.0.3"},{"type":"InternalIP","address":"fc00:f853:ccd:e793::3"}]}})";

}  // namespace

TEST_CASE("node lines: roles, readiness, address, resources, labels", "[inventory]") {
  const NodeRecord r = kw::node_record(json(kControlPlane));
  CHECK(r.name == "kind-control-plane");
  CHECK(r.roles == std::vector<std::string>{"control-plane"});
  CHECK(r.ready);
  CHECK(r.internal_ip == "172.18.0.3");
  CHECK(r.capacity.cpu_cores == 8);
  CHECK(r.capacity.memory_bytes == 16384.0 * 1024);
  CHECK(r.capacity.gpus == 2);
  CHECK(r.allocatable.cpu_cores == 7.5);
  CHECK(r.allocatable.memory_bytes == 8063156.0 * 1024);
  REQUIRE(r.labels.size() == 5);
  CHECK(r.labels[1] == std::make_pair(std::string("ingress-ready"), std::string("true")));

  // The line as scrape-nodes reads it.
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&buffer, &size);
  JsonLineWriter writer(mem);
  write_node_record(writer, r);
  writer.flush();
  std::fclose(mem);
  const std::string line(buffer, size);
  std::free(buffer);
  CHECK_THAT(line, Catch::StartsWith(R"({"kind":"node","name":"kind-control-plane","roles":["control-plane"],"ready":true,"internal_ip":"172.18.0.3","capacity":{"cpu_cores":8,"memory_bytes":16777216,"gpus":2},"allocatable":{"cpu_cores":7.5,"memory_bytes":8256671744,"gpus":2})"));
  const auto doc = parse_json_object(std::string_view(line).substr(0, line.size() - 1), "line");
  CHECK(read_node_record(doc, "line").allocatable.cpu_cores == 7.5);
}

TEST_CASE("node lines: workers, legacy role label, missing fields, bad quantities", "[inventory]") {
  const NodeRecord worker = kw::node_record(json(R"({"metadata":{"name":"w","labels":{"kubernetes.io/role":"worker","node-role.kubernetes.io/worker":"","node-role.kubernetes.io/gpu":"true"}},"status":{"conditions":[{"type":"Ready","status":"False"}]}})"));
  CHECK(worker.roles == std::vector<std::string>{"gpu", "worker"});
  CHECK_FALSE(worker.ready);
  CHECK(worker.internal_ip.empty());
  CHECK(worker.capacity.cpu_cores == 0);
  CHECK(worker.capacity.gpus == 0);
  CHECK_THROWS_WITH(kw::node_record(json(R"({"metadata":{"name":"w"},"status":{"capacity":{"memory":"lots"}}})")),
                    Catch::Contains("node w status.capacity.memory"));
}

namespace {

// What write_item_line puts on a stream for the item `make` builds, and whether it wrote it.
std::pair<bool, std::string> written(const std::function<std::string()>& make) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&buffer, &size);
  bool wrote = false;
  {
    JsonLineWriter writer(mem);
    wrote = kw::write_item_line(writer, "node \"x\"", make);
    writer.flush();
  }
  std::fclose(mem);
  std::string text(buffer, size);
  std::free(buffer);
  return {wrote, text};
}

}  // namespace

TEST_CASE("node lines: control characters in a name are escaped, a name that is not UTF-8 is refused alone",
          "[inventory]") {
  // ESC and CR LF, as JSON escapes from the API: one line, escaped, the name read back whole.
  const NodeRecord esc = kw::node_record(json(R"({"metadata":{"name":"kind-\u001b[2J\r\nworker"}})"));
  REQUIRE(esc.name == "kind-\x1b[2J\r\nworker");
  const auto [wrote, line] = written([&] { return node_record_json(esc); });
  CHECK(wrote);
  REQUIRE(line.size() > 1);
  CHECK(line.find('\n') == line.size() - 1);  // one line: the CR LF is escaped
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(valid_utf8(line));
  const auto doc = parse_json_object(std::string_view(line).substr(0, line.size() - 1), "line");
  CHECK(read_node_record(doc, "line").name == esc.name);

  // A raw 0xFF (no JSON escape stands for it): refused with the field named, nothing written.
  const NodeRecord bad = kw::node_record(json("{\"metadata\":{\"name\":\"kind-\xff-worker\"}}"));
  CHECK_THROWS_WITH(node_record_json(bad), Catch::Contains("name") && Catch::Contains("UTF-8"));
  const auto [refused_wrote, refused_text] = written([&] { return node_record_json(bad); });
  CHECK_FALSE(refused_wrote);
  CHECK(refused_text.empty());  // never a cut or invalid line

  // A label value that is not UTF-8 spoils its node's line the same way.
  const NodeRecord bad_label = kw::node_record(json("{\"metadata\":{\"name\":\"w\",\"labels\":{\"pool\":\"\xc3\"}}}"));
  CHECK_FALSE(written([&] { return node_record_json(bad_label); }).first);
}
