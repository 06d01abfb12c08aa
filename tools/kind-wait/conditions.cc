#include "kind-wait/conditions.h"

#include <chrono>
#include <limits>

#include "common/checked_number.h"

#include "common/kube_client.h"
#include "common/strings.h"
#include "common/time_util.h"

namespace sf::kw {
namespace {

using kube::path_string;
using kube::path_value;

Verdict ready(std::string message) { return {State::kReady, std::move(message)}; }
Verdict pending(std::string message) { return {State::kPending, std::move(message)}; }
Verdict failed(std::string message) { return {State::kFailed, std::move(message)}; }

std::string field(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
}

// An integer field; `fallback` when absent or not a number.
long long integer(const rapidjson::Value& object, std::initializer_list<const char*> path, long long fallback = 0) {
  const rapidjson::Value* v = path_value(object, path);
  if (v == nullptr || !v->IsNumber()) return fallback;
  if (v->IsInt64()) return v->GetInt64();
  // 1e300 or 2^64 in a replica count: clamped, never an undefined cast.
  return clamp_to_int64(v->GetDouble(), std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
}

// "Reason: message" of a condition, whichever parts exist.
std::string explain(const rapidjson::Value& condition) {
  const std::string reason = field(condition, "reason");
  const std::string message = field(condition, "message");
  if (reason.empty()) return message;
  if (message.empty()) return reason;
  return reason + ": " + message;
}

bool is_true(const rapidjson::Value* condition) {
  return condition != nullptr && iequals(field(*condition, "status"), "True");
}

std::string name_of(const rapidjson::Value& object) { return path_string(object, {"metadata", "name"}); }

}  // namespace

const rapidjson::Value* find_condition(const rapidjson::Value& object, std::string_view type) {
  const rapidjson::Value* conditions = path_value(object, {"status", "conditions"});
  if (conditions == nullptr || !conditions->IsArray()) return nullptr;
  for (const auto& c : conditions->GetArray())
    if (c.IsObject() && field(c, "type") == type) return &c;
  return nullptr;
}

Verdict node_verdict(const rapidjson::Value& node) {
  const rapidjson::Value* condition = find_condition(node, "Ready");
  if (condition == nullptr) return pending("no Ready condition yet (kubelet has not reported)");
  if (!is_true(condition)) {
    const std::string status = field(*condition, "status");
    const std::string why = explain(*condition);
    const std::string head = iequals(status, "Unknown") ? "Ready=Unknown (node unreachable)" : "NotReady";
    return pending(why.empty() ? head : head + ": " + why);
  }
  const rapidjson::Value* taints = path_value(node, {"spec", "taints"});
  if (taints != nullptr && taints->IsArray()) {
    for (const auto& t : taints->GetArray()) {
      const std::string key = field(t, "key");
      if (key == "node.kubernetes.io/not-ready" || key == "node.kubernetes.io/unreachable") {
        const std::string effect = field(t, "effect");
        return pending(cat("tainted ", key, effect.empty() ? "" : ":" + effect));
      }
    }
  }
  const rapidjson::Value* unschedulable = path_value(node, {"spec", "unschedulable"});
  if (unschedulable != nullptr && unschedulable->IsBool() && unschedulable->GetBool())
    return pending("cordoned (spec.unschedulable)");
  return ready("Ready");
}

Verdict deployment_verdict(const rapidjson::Value& deployment) {
  const std::string name = name_of(deployment);
  const long long generation = integer(deployment, {"metadata", "generation"});
  const long long observed = integer(deployment, {"status", "observedGeneration"});
  if (generation > observed) return pending("Waiting for deployment spec update to be observed...");
  const rapidjson::Value* progressing = find_condition(deployment, "Progressing");
  if (progressing != nullptr && field(*progressing, "reason") == "ProgressDeadlineExceeded")
    return failed(cat("deployment \"", name, "\" exceeded its progress deadline"));
  const long long replicas = integer(deployment, {"spec", "replicas"}, 1);  // the API defaults it to 1
  const long long updated = integer(deployment, {"status", "updatedReplicas"});
  const long long current = integer(deployment, {"status", "replicas"});
  const long long available = integer(deployment, {"status", "availableReplicas"});
  if (updated < replicas)
    return pending(cat("Waiting for deployment \"", name, "\" rollout to finish: ", updated, " out of ", replicas,
                       " new replicas have been updated..."));
  if (current > updated)
    return pending(cat("Waiting for deployment \"", name, "\" rollout to finish: ", current - updated,
                       " old replicas are pending termination..."));
  if (available < updated)
    return pending(cat("Waiting for deployment \"", name, "\" rollout to finish: ", available, " of ", updated,
                       " updated replicas are available..."));
  return ready(cat("deployment \"", name, "\" successfully rolled out"));
}

Verdict pod_verdict(const rapidjson::Value& pod, PodWant want) {
  const std::string phase = path_string(pod, {"status", "phase"});
  const std::string shown = phase.empty() ? std::string("Pending") : phase;
  const bool terminal = phase == "Succeeded" || phase == "Failed";
  if (want == PodWant::kRunning) {
    if (phase == "Running") return ready("Running");
    std::string message = cat("phase ", shown);
    if (terminal) message += " (it will not run again unless it is replaced)";
    const std::string reason = path_string(pod, {"status", "reason"});
    if (!reason.empty()) message += cat(" (", reason, ")");
    return pending(message);
  }
  const rapidjson::Value* condition = find_condition(pod, "Ready");
  if (is_true(condition)) return ready("Ready");
  std::string message = cat("phase ", shown, ", not Ready");
  if (condition != nullptr) {
    const std::string why = explain(*condition);
    if (!why.empty()) message += " (" + why + ")";
  }
  return pending(message);
}

Verdict application_verdict(const rapidjson::Value& app) {
  const rapidjson::Value* status = path_value(app, {"status"});
  std::string health = path_string(app, {"status", "health", "status"});
  const std::string sync = path_string(app, {"status", "sync", "status"});
  if (health.empty()) health = "Progressing";  // no status yet: the controller has not looked
  const std::string shown_sync = sync.empty() ? std::string("Unknown") : sync;
  std::string why = cat(shown_sync, "/", health);
  const std::string health_message = path_string(app, {"status", "health", "message"});
  // Error conditions (ComparisonError, SyncError, ...) say most about a stuck app.
  std::string condition_message;
  if (status != nullptr) {
    const rapidjson::Value* conditions = path_value(app, {"status", "conditions"});
    if (conditions != nullptr && conditions->IsArray()) {
      for (const auto& c : conditions->GetArray()) {
        const std::string type = field(c, "type");
        if (type.size() > 5 && type.compare(type.size() - 5, 5, "Error") == 0) {
          condition_message = cat(type, ": ", field(c, "message"));
          break;
        }
      }
    }
  }
  const rapidjson::Value* operation = path_value(app, {"operation"});
  const bool operation_requested = operation != nullptr && !operation->IsNull();
  bool in_progress = operation_requested;
  std::string progress_note;
  if (operation_requested) {
    progress_note = "a sync operation was requested";
  } else if (const rapidjson::Value* op_state = path_value(app, {"status", "operationState"});
             op_state != nullptr && op_state->IsObject()) {
    const std::string finished = path_string(app, {"status", "operationState", "finishedAt"});
    const std::string phase = path_string(app, {"status", "operationState", "phase"});
    const rapidjson::Value* dry_run = path_value(app, {"status", "operationState", "operation", "sync", "dryRun"});
    const bool is_dry_run = dry_run != nullptr && dry_run->IsBool() && dry_run->GetBool();
    if (finished.empty()) {
      in_progress = true;
      progress_note = cat("sync operation ", phase.empty() ? std::string("Running") : phase);
    } else if (!is_dry_run) {
      const std::string reconciled = path_string(app, {"status", "reconciledAt"});
      bool before = reconciled.empty();
      if (!before) {
        // metav1.Time travels in whole seconds (RFC 3339 in JSON; apimachinery's ProtoTime drops
        // the nanoseconds on Argo CD's gRPC API), so `argocd app wait`'s ReconciledAt.Before(
        // FinishedAt) compares whole seconds: a reconcile in the same second counts as after.
        try {
          using std::chrono::floor;
          using std::chrono::seconds;
          before = floor<seconds>(parse_rfc3339(reconciled, "status.reconciledAt")) <
                   floor<seconds>(parse_rfc3339(finished, "finishedAt"));
        } catch (const std::exception&) {
          before = reconciled < finished;  // both RFC 3339 UTC: text order is time order
        }
      }
      if (before) {
        in_progress = true;
        progress_note = cat("waiting for the controller to reconcile after the sync that finished at ", finished);
      }
    }
    if (phase == "Failed" || phase == "Error") {
      const std::string op_message = path_string(app, {"status", "operationState", "message"});
      if (!op_message.empty()) condition_message = cat("last sync ", phase, ": ", op_message);
    }
  }
  if (health == "Healthy" && sync == "Synced" && !in_progress) return ready("Synced/Healthy");
  if (!health_message.empty()) why += ": " + health_message;
  if (!condition_message.empty()) why += "; " + condition_message;
  if (in_progress) why += "; " + progress_note;
  Verdict verdict = pending(why);
  verdict.degraded = health == "Degraded";
  return verdict;
}

Verdict crd_verdict(const rapidjson::Value& crd) {
  const rapidjson::Value* established = find_condition(crd, "Established");
  if (is_true(established)) return ready("Established");
  if (established == nullptr) return pending("not Established yet");
  const std::string why = explain(*established);
  return pending(why.empty() ? std::string("Established=False") : "Established=False: " + why);
}

}  // namespace sf::kw
