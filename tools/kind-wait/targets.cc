#include "kind-wait/targets.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/strings.h"

namespace sf::kw {
namespace {

const char* kForms =
    "use nodes=N, deployment/NS/NAME, pod/NS/NAME=Running|Ready, application/NS/NAME, "
    "applications/NS[=NAME,...] or crd/NAME";

UsageError bad(std::string_view spec, const std::string& why) {
  return UsageError(cat("--for '", spec, "': ", why, "; ", kForms));
}

std::string check_name(std::string_view spec, std::string_view value, const char* what) {
  if (!is_kubernetes_name(value))
    throw bad(spec, cat(what, " '", value, "' is not a Kubernetes name (lower-case letters, digits, '-', '.')"));
  return std::string(value);
}

ObjectState state_of(const std::string& name, const Verdict& v) { return {name, v.ready(), v.message, v.degraded}; }

}  // namespace

bool is_kubernetes_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  return true;
}

std::string Target::collection() const {
  switch (kind) {
    case TargetKind::kNodes: return kube::collection_path("v1", "nodes");
    case TargetKind::kDeployment: return kube::collection_path("apps/v1", "deployments", ns);
    case TargetKind::kPod: return kube::collection_path("v1", "pods", ns);
    case TargetKind::kApplication:
    case TargetKind::kApplications: return kube::collection_path("argoproj.io/v1alpha1", "applications", ns);
    case TargetKind::kCrd: return kube::collection_path("apiextensions.k8s.io/v1", "customresourcedefinitions");
  }
  return {};
}

std::string Target::resource() const {
  switch (kind) {
    case TargetKind::kNodes: return "nodes";
    case TargetKind::kDeployment: return "apps/v1 deployments";
    case TargetKind::kPod: return "pods";
    case TargetKind::kApplication:
    case TargetKind::kApplications: return "argoproj.io/v1alpha1 applications (Argo CD)";
    case TargetKind::kCrd: return "apiextensions.k8s.io/v1 customresourcedefinitions";
  }
  return {};
}

Target parse_target(std::string_view spec_in) {
  const std::string_view spec = trim(spec_in);
  Target t;
  t.spec = std::string(spec);
  if (spec.rfind("nodes", 0) == 0) {
    t.kind = TargetKind::kNodes;
    if (spec.size() < 7 || spec[5] != '=') throw bad(spec, "say how many nodes, like nodes=3");
    double n = 0;
    if (!parse_double(spec.substr(6), n) || n < 1 || n > 100000 || n != static_cast<double>(static_cast<long>(n)))
      throw bad(spec, cat("'", spec.substr(6), "' is not a node count (a whole number, at least 1)"));
    t.count = static_cast<long>(n);
    return t;
  }
  const auto slash = spec.find('/');
  if (slash == std::string_view::npos) throw bad(spec, "unknown condition");
  const std::string_view kind = spec.substr(0, slash);
  std::string_view rest = spec.substr(slash + 1);
  std::string_view value;
  if (const auto eq = rest.find('='); eq != std::string_view::npos) {
    value = rest.substr(eq + 1);
    rest = rest.substr(0, eq);
  }
  const std::vector<std::string> parts = split(rest, '/');
  auto need_parts = [&](size_t n, const char* form) {
    if (parts.size() != n) throw bad(spec, cat("write it as ", form));
  };
  if (kind == "deployment" || kind == "deploy" || kind == "deployments") {
    need_parts(2, "deployment/NAMESPACE/NAME");
    if (!value.empty()) throw bad(spec, "a deployment takes no =VALUE");
    t.kind = TargetKind::kDeployment;
    t.ns = check_name(spec, parts[0], "namespace");
    t.name = check_name(spec, parts[1], "name");
  } else if (kind == "pod" || kind == "pods") {
    need_parts(2, "pod/NAMESPACE/NAME=Running|Ready");
    t.kind = TargetKind::kPod;
    t.ns = check_name(spec, parts[0], "namespace");
    t.name = check_name(spec, parts[1], "name");
    if (value.empty() || iequals(value, "Ready")) t.want = PodWant::kReady;
    else if (iequals(value, "Running")) t.want = PodWant::kRunning;
    else throw bad(spec, cat("a pod can wait for Running or Ready, not '", value, "'"));
  } else if (kind == "application" || kind == "app") {
    need_parts(2, "application/NAMESPACE/NAME");
    if (!value.empty()) throw bad(spec, "an application takes no =VALUE (use applications/NS=A,B for several)");
    t.kind = TargetKind::kApplication;
    t.ns = check_name(spec, parts[0], "namespace");
    t.name = check_name(spec, parts[1], "name");
  } else if (kind == "applications" || kind == "apps") {
    need_parts(1, "applications/NAMESPACE or applications/NAMESPACE=NAME,NAME");
    t.kind = TargetKind::kApplications;
    t.ns = check_name(spec, parts[0], "namespace");
    std::set<std::string> seen;
    for (const auto& n : split(value, ',')) {
      const std::string_view name = trim(n);
      if (name.empty()) continue;
      if (seen.insert(std::string(name)).second) t.expected.push_back(check_name(spec, name, "application"));
    }
  } else if (kind == "crd" || kind == "customresourcedefinition") {
    need_parts(1, "crd/NAME (like applications.argoproj.io)");
    if (!value.empty()) throw bad(spec, "a crd takes no =VALUE");
    t.kind = TargetKind::kCrd;
    t.name = check_name(spec, parts[0], "name");
  } else {
    throw bad(spec, cat("unknown kind '", kind, "'"));
  }
  return t;
}

TargetStatus evaluate(const Target& target, const kube::Store& store) {
  TargetStatus status;
  if (!store.synced) {
    status.summary = store.last_error.empty() ? "waiting for the first answer from the API server"
                                              : "no answer from the API server yet: " + store.last_error;
    return status;
  }
  if (!store.served) {
    status.summary = cat("the API server does not serve ", target.resource(), " yet (CRD not installed)");
    return status;
  }
  const std::string stale = store.last_error.empty() ? "" : " (last connection problem: " + store.last_error + ")";
  auto single = [&](const std::string& key, const char* what, auto&& judge) {
    const auto it = store.objects.find(key);
    if (it == store.objects.end()) {
      status.summary = cat(what, " ", key, " does not exist yet") + stale;
      return;
    }
    const Verdict v = judge(it->second);
    status.state = v.state;
    status.summary = v.message + (v.ready() ? "" : stale);
    status.objects.push_back(state_of(key, v));
  };
  switch (target.kind) {
    case TargetKind::kNodes: {
      size_t ready = 0;
      std::vector<std::string> problems;
      for (const auto& [name, node] : store.objects) {
        const Verdict v = node_verdict(node);
        status.objects.push_back(state_of(name, v));
        if (v.ready()) ++ready;
        else problems.push_back(cat(name, ": ", v.message));
      }
      const size_t total = store.objects.size();
      const bool enough = total >= static_cast<size_t>(target.count);
      if (enough && problems.empty()) {
        status.state = State::kReady;
        status.summary = cat(total, " node", total == 1 ? "" : "s", " Ready");
      } else {
        status.summary = cat(ready, " of ", std::max<size_t>(total, static_cast<size_t>(target.count)),
                             " nodes Ready");
        if (!enough) status.summary += cat(" (", total, " of ", target.count, " registered)");
        for (const auto& p : problems) status.summary += "; " + p;
        status.summary += stale;
      }
      break;
    }
    case TargetKind::kDeployment:
      single(target.ns + "/" + target.name, "deployment", [](const auto& o) { return deployment_verdict(o); });
      break;
    case TargetKind::kPod:
      single(target.ns + "/" + target.name, "pod", [&](const auto& o) { return pod_verdict(o, target.want); });
      break;
    case TargetKind::kApplication:
      single(target.ns + "/" + target.name, "application", [](const auto& o) { return application_verdict(o); });
      break;
    case TargetKind::kCrd:
      single(target.name, "crd", [](const auto& o) { return crd_verdict(o); });
      break;
    case TargetKind::kApplications: {
      std::vector<std::string> problems;
      std::set<std::string> present;
      for (const auto& [key, app] : store.objects) {
        const std::string name = kube::path_string(app, {"metadata", "name"});
        present.insert(name);
        const Verdict v = application_verdict(app);
        status.objects.push_back(state_of(name, v));
        if (!v.ready()) problems.push_back(cat(name, ": ", v.message));
      }
      for (const auto& name : target.expected)
        if (present.count(name) == 0) problems.push_back(cat(name, ": does not exist yet"));
      const size_t ready = status.objects.size() - std::count_if(status.objects.begin(), status.objects.end(),
                                                                 [](const ObjectState& o) { return !o.ready; });
      if (store.objects.empty() && target.expected.empty()) {
        status.summary = cat("no Applications in namespace ", target.ns, " yet") + stale;
      } else if (problems.empty()) {
        status.state = State::kReady;
        status.summary = cat(ready, " Application", ready == 1 ? "" : "s", " Synced/Healthy");
      } else {
        status.summary = cat(ready, " of ", status.objects.size(), " Applications Synced/Healthy");
        for (const auto& p : problems) status.summary += "; " + p;
        status.summary += stale;
      }
      break;
    }
  }
  return status;
}

}  // namespace sf::kw
