#include "kind-wait/pod_inventory.h"

#include <algorithm>
#include <optional>

#include "common/error.h"
#include "common/json_lines.h"
#include "common/kube_client.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "kind-wait/inventory.h"
#include "kind-wait/quantity.h"

namespace sf::kw {
namespace {


constexpr const char* kGpuResource = "nvidia.com/gpu";

// The ownerReference marked controller: true (the one that manages the object), if any.
const rapidjson::Value* controller_ref(const rapidjson::Value& object) {
  const rapidjson::Value* refs = kube::path_value(object, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->IsArray()) return nullptr;
  for (const auto& ref : refs->GetArray())
    if (const rapidjson::Value* c = kube::path_value(ref, {"controller"}); c != nullptr && c->IsBool() && c->GetBool())
      return &ref;
  return nullptr;
}

LabelList labels_of(const rapidjson::Value& object) {
  LabelList out;
  const rapidjson::Value* labels = kube::path_value(object, {"metadata", "labels"});
  if (labels == nullptr || !labels->IsObject()) return out;
  for (const auto& m : labels->GetObject())
    if (m.value.IsString())
      out.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                       std::string(m.value.GetString(), m.value.GetStringLength()));
  return out;
}

// One resources map (requests, limits, overhead): its CPU in cores (milli precision), memory in
// bytes and GPUs; absent entries are nullopt.
struct Quantities {
  std::optional<double> cpu, memory, gpus;
};

Quantities quantities(const rapidjson::Value* list, const std::string& where) {
  Quantities q;
  if (list == nullptr || !list->IsObject()) return q;
  auto get = [&](const char* key) -> std::optional<Quantity> {
    const auto it = list->FindMember(key);
    if (it == list->MemberEnd() || !it->value.IsString()) return std::nullopt;
    return parse_quantity_or_throw(it->value.GetString(), cat(where, ".", key));
  };
  if (const auto cpu = get("cpu")) q.cpu = static_cast<double>(cpu->milli_value()) / 1000.0;
  if (const auto memory = get("memory")) q.memory = static_cast<double>(memory->value());
  if (const auto gpus = get(kGpuResource)) q.gpus = static_cast<double>(gpus->value());
  return q;
}

ContainerSpec container_spec(const rapidjson::Value& c, const std::string& where) {
  ContainerSpec spec;
  spec.name = kube::path_string(c, {"name"});
  const std::string at = cat(where, "[", spec.name, "].resources");
  const Quantities requests = quantities(kube::path_value(c, {"resources", "requests"}), at + ".requests");
  const Quantities limits = quantities(kube::path_value(c, {"resources", "limits"}), at + ".limits");
  spec.cpu_request_cores = requests.cpu.value_or(0);
  spec.memory_request_bytes = requests.memory.value_or(0);
  // Extended resources such as GPUs are requested by their limit (requests default to it).
  spec.gpu_request = requests.gpus ? *requests.gpus : limits.gpus.value_or(0);
  spec.cpu_limit_cores = limits.cpu;
  spec.memory_limit_bytes = limits.memory;
  spec.sidecar = kube::path_string(c, {"restartPolicy"}) == "Always";
  return spec;
}

std::vector<ContainerSpec> containers(const rapidjson::Value& pod, const char* field, const std::string& where) {
  std::vector<ContainerSpec> out;
  const rapidjson::Value* list = kube::path_value(pod, {"spec", field});
  if (list == nullptr || !list->IsArray()) return out;
  for (const auto& c : list->GetArray())
    if (c.IsObject()) out.push_back(container_spec(c, cat(where, " spec.", field)));
  if (std::string_view(field) == "containers")
    for (ContainerSpec& c : out) c.sidecar = false;  // restartPolicy on a regular container is not a sidecar
  return out;
}

std::string label(const PodRecord& pod, std::string_view key) {
  for (const auto& [k, v] : pod.labels)
    if (k == key) return v;
  return {};
}

// "api-7d9f" with pod-template-hash "7d9f" -> "api": how the deployment controller names a
// Deployment's ReplicaSets (pkg/controller/deployment/sync.go: Name = deployment.Name + "-" + hash).
std::optional<std::string> deployment_by_name(const PodRecord& pod) {
  const std::string hash = label(pod, "pod-template-hash");
  const std::string& rs = pod.owner_name;
  if (hash.empty() || rs.size() <= hash.size() + 1) return std::nullopt;
  if (rs.compare(rs.size() - hash.size(), hash.size(), hash) != 0 || rs[rs.size() - hash.size() - 1] != '-')
    return std::nullopt;
  return rs.substr(0, rs.size() - hash.size() - 1);
}


// Runs `list` until it answers, while the API server is unreachable or answers 429/5xx, within
// the deadline; other answers (401, 403, 404...) are not retried.

}  // namespace

PodRecord pod_record(const rapidjson::Value& pod) {
  PodRecord r;
  r.namespace_name = kube::path_string(pod, {"metadata", "namespace"});
  r.name = kube::path_string(pod, {"metadata", "name"});
  r.uid = kube::path_string(pod, {"metadata", "uid"});
  r.created = kube::path_string(pod, {"metadata", "creationTimestamp"});
  r.node = kube::path_string(pod, {"spec", "nodeName"});
  r.phase = kube::path_string(pod, {"status", "phase"});
  if (const rapidjson::Value* ref = controller_ref(pod)) {
    r.owner_kind = kube::path_string(*ref, {"kind"});
    r.owner_name = kube::path_string(*ref, {"name"});
    r.controller_kind = r.owner_kind;
    r.controller = r.owner_name;
    r.controller_from = "owner";
  }
  r.labels = labels_of(pod);
  const std::string where = cat("pod ", r.namespace_name, "/", r.name);
  r.containers = containers(pod, "containers", where);
  r.init_containers = containers(pod, "initContainers", where);
  const Quantities overhead = quantities(kube::path_value(pod, {"spec", "overhead"}), where + " spec.overhead");
  r.overhead = {overhead.cpu.value_or(0), overhead.memory.value_or(0), overhead.gpus.value_or(0)};
  r.scheduling_requests = scheduling_requests(r);
  return r;
}

void resolve_controller(PodRecord& pod, const ReplicaSetOwners* owners) {
  if (pod.owner_kind != "ReplicaSet") return;
  if (owners != nullptr) {
    const auto it = owners->find(cat(pod.namespace_name, "/", pod.owner_name));
    if (it != owners->end()) {
      if (!it->second.first.empty()) {
        pod.controller_kind = it->second.first;
        pod.controller = it->second.second;
      }
      pod.controller_from = "replicaset";
      return;
    }
  }
  if (const auto deployment = deployment_by_name(pod)) {
    pod.controller_kind = "Deployment";
    pod.controller = *deployment;
    pod.controller_from = "name-pattern";
  }
}

int list_pods(const kube::RestConfig& config, const WaitOptions& options, std::FILE* out) {
  kube::KubeClient client(config, list_client_options(options));

  // ReplicaSets first: their owners resolve the pods' controllers.
  ReplicaSetOwners owners;
  bool have_owners = false;
  until_listed(config, options, "ReplicaSet list", [&] {
    owners.clear();
    try {
      const kube::ListResult rs = client.list_each(
          kube::collection_path("apps/v1", "replicasets"), {},
          [&](const rapidjson::Value& item) {
            std::pair<std::string, std::string> owner;
            if (const rapidjson::Value* ref = controller_ref(item))
              owner = {kube::path_string(*ref, {"kind"}), kube::path_string(*ref, {"name"})};
            owners[kube::object_key(item)] = std::move(owner);
          },
          [&] { owners.clear(); });
      have_owners = rs.found;
    } catch (const kube::ApiError& e) {
      if (e.http_status() != 403) throw;
      log::warn(cat("cannot list ReplicaSets (", e.what(), "); Deployments are taken from ReplicaSet names ",
                    "(NAME-<pod-template-hash>) instead"));
    }
  });

  std::vector<PodRecord> pods;
  bool found = true;
  until_listed(config, options, "pod list", [&] {
    pods.clear();
    const kube::ListResult list = client.list_each(
        kube::collection_path("v1", "pods"), {},
        [&](const rapidjson::Value& item) { pods.push_back(pod_record(item)); }, [&] { pods.clear(); });
    found = list.found;
  });
  if (!found) throw Error(cat("GET ", redact_url(client.url("/api/v1/pods")), ": 404; is this a Kubernetes API server?"));
  for (PodRecord& p : pods) resolve_controller(p, have_owners ? &owners : nullptr);
  std::sort(pods.begin(), pods.end(), [](const PodRecord& a, const PodRecord& b) {
    return a.namespace_name != b.namespace_name ? a.namespace_name < b.namespace_name : a.name < b.name;
  });
  JsonLineWriter writer(out);
  bool all = true;
  for (const PodRecord& p : pods)
    all = write_item_line(writer, cat("pod ", printable(p.namespace_name, 80), "/", printable(p.name, 80)),
                          [&] { return pod_record_json(p); }) && all;
  writer.flush();
  log::debug(cat(pods.size(), " pod(s), ", owners.size(), " ReplicaSet(s)"));
  return all ? kExitOk : kExitPartial;
}

std::vector<std::string> list_kinds(const std::string& value) {
  if (value.empty()) return {};
  bool nodes = false, pods = false;
  for (const std::string& part : split(value, ',')) {
    const std::string kind(trim(part));
    if (kind == "nodes") nodes = true;
    else if (kind == "pods") pods = true;
    else throw UsageError(cat("--list '", printable(value, 80), "': list 'nodes', 'pods' or 'nodes,pods'"));
  }
  std::vector<std::string> out;
  if (nodes) out.emplace_back("nodes");
  if (pods) out.emplace_back("pods");
  return out;
}

}  // namespace sf::kw
