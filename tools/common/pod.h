// The pod contract (docs/design.md): one pod as cost allocation needs it, from
// `kind-wait --list pods`, read by price-calc. Defined once, here: the struct, its writer (which
// refuses what the reader refuses) and its one reader. Pods are thousands of lines, not
// millions: the reader is RapidJSON's DOM per line, with every rule of the contract checked.
//
//   {"kind":"pod","namespace":"team-a","name":"api-7d9f-x2b4q","uid":"...","node":"kind-worker",
//    "phase":"Running","created":"2026-11-26T07:00:00Z",
//    "owner_kind":"ReplicaSet","owner_name":"api-7d9f","controller_kind":"Deployment",
//    "controller":"api","controller_from":"replicaset","labels":{"app":"api"},
//    "containers":[{"name":"app","cpu_request_cores":0.25,"memory_request_bytes":268435456,
//                   "gpu_request":0,"cpu_limit_cores":null,"memory_limit_bytes":536870912}],
//    "init_containers":[{"name":"migrate",...,"sidecar":false}],
//    "overhead":{"cpu_cores":0,"memory_bytes":0,"gpus":0},
//    "scheduling_requests":{"cpu_cores":0.5,"memory_bytes":536870912,"gpus":0}}
//
// Requests are 0 when not set (no request); limits null when not set (no limit). node is null
// for a pod not scheduled yet. scheduling_requests is what Kubernetes counts for scheduling
// (scheduling_requests() below); containers' own requests are what OpenCost charges.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/contracts.h"

namespace sf {

struct ContainerSpec {
  std::string name;
  double cpu_request_cores = 0;     // 0: no request
  double memory_request_bytes = 0;
  double gpu_request = 0;           // nvidia.com/gpu
  std::optional<double> cpu_limit_cores;     // null: no limit
  std::optional<double> memory_limit_bytes;
  bool sidecar = false;             // init containers: restartPolicy Always (runs beside the others)
};

struct PodRecord {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string node;                 // "" (null in JSON): not scheduled
  std::string phase;                // Pending, Running, Succeeded, Failed, Unknown
  std::string created;              // metadata.creationTimestamp, RFC 3339 ("" when absent)
  std::string owner_kind, owner_name;        // the controller ownerReference ("" when none)
  std::string controller_kind, controller;   // the workload: a ReplicaSet's Deployment, or the owner
  std::string controller_from;      // how: "owner", "replicaset" (its ownerReference),
                                    // "name-pattern" (documented fallback), "" (no owner)
  LabelList labels;
  std::vector<ContainerSpec> containers;
  std::vector<ContainerSpec> init_containers;
  Resources overhead;               // spec.overhead (RuntimeClass)
  Resources scheduling_requests;    // what the scheduler counts
};

// Kubernetes' effective pod request (k8s.io/component-helpers resource.PodRequests): per
// resource, the larger of (the containers plus the sidecars) and the largest init container
// phase (each init container plus the sidecars started before it), plus the pod overhead.
Resources scheduling_requests(const PodRecord& pod);

// The pod line (without the newline); json::JsonValueError naming the field for what the reader
// would refuse: an empty or control-character namespace, name, node or container name, a figure
// that is not finite or below 0, text that is not UTF-8.
std::string pod_record_json(const PodRecord& pod);

// One line already split off: false for other kinds and blank lines; ParseError naming `where`
// and the field for anything that breaks the contract (what the writer refuses, a key or a
// label given twice, a container named twice, a field of the wrong type).
bool parse_pod_line(std::string_view line, const std::string& where, PodRecord& out);

}  // namespace sf
