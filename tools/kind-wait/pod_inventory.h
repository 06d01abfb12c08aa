// kind-wait --list pods: every pod of the cluster as a `pod` line (common/pod.h), which
// price-calc allocates costs to. One paged LIST of /api/v1/pods (items handed over page by page,
// only their pod records kept), and one of /apis/apps/v1/replicasets to resolve a pod's
// ReplicaSet to the Deployment that owns it, as kubectl and OpenCost name workloads. When
// ReplicaSets cannot be listed (RBAC), the Deployment is taken from the ReplicaSet's name
// instead (NAME-<pod-template-hash>, the deployment controller's naming), and the line says so
// ("controller_from":"name-pattern").
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/kubeconfig.h"
#include "common/pod.h"
#include "kind-wait/waiter.h"

namespace sf::kw {

// A Pod object as a pod record: identity, node, phase, its controller ownerReference (as the
// controller too, until resolve_controller), labels, every container's and init container's CPU,
// memory and nvidia.com/gpu requests and limits, the overhead, and the requests Kubernetes
// schedules by. ParseError on a quantity that does not parse, naming the pod and the field.
PodRecord pod_record(const rapidjson::Value& pod);

// "namespace/name" of a ReplicaSet -> the kind and name of its controller ("" when none).
using ReplicaSetOwners = std::unordered_map<std::string, std::pair<std::string, std::string>>;

// The ReplicaSet's controller from `owners` (from a LIST of ReplicaSets); when `owners` is null
// (they could not be listed) or does not hold it, from the name pattern.
void resolve_controller(PodRecord& pod, const ReplicaSetOwners* owners);

// Lists the pods (and ReplicaSets) under the wait's one retry policy and deadline (until_listed)
// and writes their lines to `out`, sorted by namespace and name. Returns the exit code.
int list_pods(const kube::RestConfig& config, const WaitOptions& options, std::FILE* out);

// --list's value: "nodes", "pods", or both comma-separated ("nodes,pods"), nodes first whatever
// the order given; "" is nothing to list. UsageError for anything else.
std::vector<std::string> list_kinds(const std::string& value);

}  // namespace sf::kw
