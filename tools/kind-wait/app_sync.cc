#include "kind-wait/app_sync.h"

#include <algorithm>
#include <optional>
#include <random>
#include <thread>

#include "common/json_writer.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "kind-wait/transient_retry.h"

namespace sf::kw {
namespace {

using std::chrono::milliseconds;
using kube::path_string;
using kube::path_value;

constexpr const char* kInitiator = "kind-wait";
constexpr const char* kInfoName = "requested by";

std::string to_json(const rapidjson::Value& value) {
  std::string out;
  json::append_value(out, value);
  return out;
}

rapidjson::Value text(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

bool is_null_or_missing(const rapidjson::Value* v) { return v == nullptr || v->IsNull(); }

void sleep_for(const SyncOptions& options, milliseconds d) {
  if (options.sleep) return options.sleep(d);
  std::this_thread::sleep_for(std::min(d, options.deadline.remaining()));
}

[[noreturn]] void gave_up(const ApplicationApi& api, const SyncOptions& options, const std::string& doing,
                          const std::string& last) {
  throw Error(cat(api.where(), ": ", doing, " did not finish within ", options.deadline.what(),
                  last.empty() ? std::string() : "; last: " + last));
}

template <typename Attempt>
auto with_retries(ApplicationApi& api, const SyncOptions& options, const std::string& doing, Attempt attempt) {
  return retry_transient(
      options.deadline, doing, attempt, [&](const std::string& last) { gave_up(api, options, doing, last); },
      [&](milliseconds d) { sleep_for(options, d); });
}

// One conditional write (it carries the resourceVersion), sent once: after a transient failure
// (the answer may have been lost) the caller reads the object again instead of resending, so a
// write that landed is seen as such. Returns nullopt after such a failure (having waited the
// backoff); fatal failures and the deadline throw.
template <typename Write>
std::optional<WriteResult> write_once(ApplicationApi& api, const SyncOptions& options, milliseconds& backoff,
                                      const std::string& doing, Write write) {
  try {
    WriteResult r = write();
    backoff = milliseconds(200);
    return r;
  } catch (...) {
    const kube::RetryVerdict verdict = kube::judge_failure(std::current_exception());
    if (verdict.fatal) throw;
    const milliseconds delay = std::max(backoff, std::min(verdict.at_least, milliseconds(10'000)));
    if (options.deadline.expired() || delay >= options.deadline.remaining()) gave_up(api, options, doing, verdict.message);
    log::debug(cat(doing, ": ", verdict.message, "; reading the object again in ", delay.count(), " ms"));
    sleep_for(options, delay);
    backoff = std::min(backoff * 2, milliseconds(2'000));
    return std::nullopt;
  }
}

// A write's non-2xx answer other than 409 becomes the error kube::judge_failure understands.
void throw_unless_ok(const WriteResult& r, const std::string& what) {
  if (r.status >= 200 && r.status < 300) return;
  throw kube::ApiError(cat(what, ": HTTP ", r.status, r.message.empty() ? "" : ": " + printable(r.message, 1024)),
                       r.status, kube::ApiStatus{});
}

// One line on what runs now, for messages: phase, since when, retry count, Argo CD's message.
std::string describe_operation_state(const rapidjson::Value& app) {
  const std::string phase = path_string(app, {"status", "operationState", "phase"});
  if (phase.empty()) return "requested, not started by the controller yet";
  std::string out = cat("phase ", phase);
  const std::string started = path_string(app, {"status", "operationState", "startedAt"});
  if (!started.empty()) out += cat(", started ", started);
  const rapidjson::Value* retries = path_value(app, {"status", "operationState", "retryCount"});
  if (retries != nullptr && retries->IsInt64() && retries->GetInt64() > 0) out += cat(", ", retries->GetInt64(), " retries");
  const std::string message = path_string(app, {"status", "operationState", "message"});
  if (!message.empty()) out += cat(": \"", printable(message, 300), "\"");
  return out;
}

enum class Running { kNone, kOurs, kWaitingForRetry, kAttemptRunning, kTerminating, kNotStarted };

Running what_runs(const rapidjson::Value& app, const std::string& marker) {
  const rapidjson::Value* op = path_value(app, {"operation"});
  if (is_null_or_missing(op)) return Running::kNone;
  if (is_our_operation(op, marker)) return Running::kOurs;
  const std::string phase = path_string(app, {"status", "operationState", "phase"});
  const std::string finished = path_string(app, {"status", "operationState", "finishedAt"});
  if (phase == "Terminating") return Running::kTerminating;
  if (phase == "Running" && !finished.empty()) return Running::kWaitingForRetry;
  if (phase == "Running") return Running::kAttemptRunning;
  // No state yet (just requested), or a completed phase the controller has not cleared yet.
  return Running::kNotStarted;
}

// The object with `operation` set and status.operationState dropped (SetAppOperation).
std::string with_operation(const rapidjson::Value& app, const rapidjson::Value& op) {
  rapidjson::Document body;
  body.CopyFrom(app, body.GetAllocator());
  rapidjson::Value op_value;
  op_value.CopyFrom(op, body.GetAllocator());
  body.RemoveMember("operation");
  body.AddMember("operation", op_value, body.GetAllocator());
  if (body.HasMember("status") && body["status"].IsObject()) body["status"].RemoveMember("operationState");
  return to_json(body);
}

// The object with status.operationState.phase = Terminating (server TerminateOperation).
std::string terminating(const rapidjson::Value& app) {
  rapidjson::Document body;
  body.CopyFrom(app, body.GetAllocator());
  rapidjson::Value& state = body["status"]["operationState"];
  state.RemoveMember("phase");
  state.AddMember("phase", "Terminating", body.GetAllocator());
  return to_json(body);
}

std::string revisions_of(const rapidjson::Value& operation) {
  const rapidjson::Value* sync = path_value(operation, {"sync"});
  if (sync == nullptr) return "";
  const std::string one = path_string(*sync, {"revision"});
  if (!one.empty()) return one;
  std::string out;
  const rapidjson::Value* many = path_value(*sync, {"revisions"});
  if (many != nullptr && many->IsArray())
    for (const auto& r : many->GetArray())
      if (r.IsString()) out += (out.empty() ? "" : ", ") + std::string(r.GetString());
  return out;
}

}  // namespace

// ------------------------------------------------------------------ KubeApplicationApi

KubeApplicationApi::KubeApplicationApi(kube::KubeClient& client, std::string ns, std::string name)
    : client_(client), ns_(std::move(ns)), name_(std::move(name)) {
  path_ = kube::collection_path("argoproj.io/v1alpha1", "applications", ns_) + "/" + kube::escape(name_);
}

std::string KubeApplicationApi::where() const { return cat("application ", ns_, "/", name_); }

rapidjson::Document KubeApplicationApi::get() { return client_.get(path_); }

WriteResult KubeApplicationApi::write(const std::string& method, const std::string& content_type,
                                      const std::string& body) {
  http::Request request;
  request.method = method;
  // fieldManager names the writer in managedFields, as kubectl does for its own writes.
  request.url = client_.url(path_, {{"fieldManager", "kind-wait"}});
  request.body = body;
  request.headers.push_back("Content-Type: " + content_type);
  const http::Response response = client_.send(request);
  WriteResult result;
  result.status = response.status;
  if (response.status >= 200 && response.status < 300) {
    result.object.Parse(response.body.data(), response.body.size());
    if (result.object.HasParseError())
      throw Error(cat(method, " ", redact_url(response.url), ": the answer is not JSON"));
    return result;
  }
  if (response.status == 409) {
    result.message = "the object has been modified";
    return result;
  }
  // Anything else is the client's ApiError, with the Status message and what to do.
  throw client_.api_error(response, method);
}

WriteResult KubeApplicationApi::put(const std::string& body) { return write("PUT", "application/json", body); }

WriteResult KubeApplicationApi::merge_patch(const std::string& body) {
  return write("PATCH", "application/merge-patch+json", body);
}

// ------------------------------------------------------------------ the operation

std::string new_sync_marker() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng()));
  return cat("kind-wait --sync ", format_rfc3339(Clock::now(), true), " ", std::string(hex, 8));
}

rapidjson::Document sync_operation(const rapidjson::Value& app, const std::string& marker) {
  rapidjson::Document op(rapidjson::kObjectType);
  auto& a = op.GetAllocator();
  rapidjson::Value sync(rapidjson::kObjectType);
  const rapidjson::Value* source = path_value(app, {"spec", "source"});
  const rapidjson::Value* sources = path_value(app, {"spec", "sources"});
  if (sources != nullptr && sources->IsArray() && !sources->Empty()) {
    // Several sources: every source as in the spec, each at its targetRevision.
    rapidjson::Value copy, revisions(rapidjson::kArrayType);
    copy.CopyFrom(*sources, a);
    for (const auto& s : sources->GetArray()) {
      const std::string r = path_string(s, {"targetRevision"});
      revisions.PushBack(text(r.empty() ? "HEAD" : r, a), a);
    }
    sync.AddMember("revisions", revisions, a);
    sync.AddMember("sources", copy, a);
  } else if (source != nullptr && source->IsObject()) {
    const std::string r = path_string(*source, {"targetRevision"});
    rapidjson::Value copy;
    copy.CopyFrom(*source, a);
    sync.AddMember("revision", text(r.empty() ? "HEAD" : r, a), a);
    sync.AddMember("source", copy, a);
  } else {
    throw Error("the Application has neither spec.source nor spec.sources: Argo CD cannot sync it");
  }
  const rapidjson::Value* prune = path_value(app, {"spec", "syncPolicy", "automated", "prune"});
  sync.AddMember("prune", prune != nullptr && prune->IsBool() && prune->GetBool(), a);
  if (const rapidjson::Value* options = path_value(app, {"spec", "syncPolicy", "syncOptions"});
      options != nullptr && options->IsArray()) {
    rapidjson::Value copy;
    copy.CopyFrom(*options, a);
    sync.AddMember("syncOptions", copy, a);
  }
  op.AddMember("sync", sync, a);
  rapidjson::Value initiated(rapidjson::kObjectType);
  initiated.AddMember("username", rapidjson::StringRef(kInitiator), a);
  op.AddMember("initiatedBy", initiated, a);
  rapidjson::Value info(rapidjson::kArrayType), entry(rapidjson::kObjectType);
  entry.AddMember("name", rapidjson::StringRef(kInfoName), a);
  entry.AddMember("value", text(marker, a), a);
  info.PushBack(entry, a);
  op.AddMember("info", info, a);
  if (const rapidjson::Value* retry = path_value(app, {"spec", "syncPolicy", "retry"});
      retry != nullptr && retry->IsObject()) {
    rapidjson::Value copy;
    copy.CopyFrom(*retry, a);
    op.AddMember("retry", copy, a);
  }
  return op;
}

bool is_our_operation(const rapidjson::Value* operation, const std::string& marker) {
  if (is_null_or_missing(operation) || !operation->IsObject()) return false;
  const rapidjson::Value* info = path_value(*operation, {"info"});
  if (info == nullptr || !info->IsArray()) return false;
  for (const auto& entry : info->GetArray())
    if (path_string(entry, {"name"}) == kInfoName && path_string(entry, {"value"}) == marker) return true;
  return false;
}

// ------------------------------------------------------------------ the sync

SyncResult request_sync(ApplicationApi& api, const SyncOptions& options) {
  SyncResult result;
  // 1. Refresh now (RefreshApp): a merge patch needs no resourceVersion.
  const std::string refresh = cat(R"({"metadata":{"annotations":{")", kRefreshAnnotation, R"(":"normal"}}})");
  with_retries(api, options, "asking for a refresh", [&] {
    WriteResult r = api.merge_patch(refresh);
    if (r.status == 409) throw kube::ApiError("refresh: HTTP 409 Conflict", 409, kube::ApiStatus{});
    throw_unless_ok(r, "refresh");
    return 0;
  });
  // 2. SetAppOperation, with --retry-now's termination of a failed attempt waiting to retry.
  Running logged = Running::kNone;
  milliseconds backoff(200);
  for (;;) {
    if (options.deadline.expired()) gave_up(api, options, "writing the sync operation", "");
    const rapidjson::Document app = with_retries(api, options, "reading it", [&] { return api.get(); });
    const Running running = what_runs(app, options.marker);
    if (running == Running::kOurs) {  // an Update whose answer was lost had landed
      result.revision = revisions_of(app["operation"]);
      return result;
    }
    if (running != Running::kNone) {
      const std::string state = describe_operation_state(app);
      if (!options.retry_now)
        throw Error(cat(api.where(), ": ", kAnotherOperation, " (", state,
                        "); run again when it has ended, or add --retry-now to replace a failed attempt that waits for "
                        "its retry"));
      if (running == Running::kWaitingForRetry) {
        const auto r = write_once(api, options, backoff, "ending the failed attempt", [&] {
          WriteResult w = api.put(terminating(app));
          if (w.status != 409) throw_unless_ok(w, "terminate the operation");
          return w;
        });
        if (!r) continue;
        if (r->status == 409) {
          ++result.conflicts;
          continue;
        }
        log::info(cat(api.where(), ": ended the failed sync that was waiting for its retry (", state,
                      "), as `argocd app terminate-op` does"));
        result.replaced_retry = true;
      } else if (running != logged) {
        log::info(cat(api.where(), ": waiting for the operation in progress to end (", state, ")"));
        logged = running;
      }
      sleep_for(options, options.poll);
      continue;
    }
    const rapidjson::Document op = sync_operation(app, options.marker);
    const std::string body = with_operation(app, op);
    const auto r = write_once(api, options, backoff, "writing the sync operation", [&] {
      WriteResult w = api.put(body);
      if (w.status != 409) throw_unless_ok(w, "set the operation");
      return w;
    });
    if (!r) continue;        // the answer was lost: the next read says whether it landed
    if (r->status == 409) {  // the controller (or anyone) wrote in between: read again
      ++result.conflicts;
      log::debug(cat(api.where(), ": 409 Conflict, reading it again (as SetAppOperation does)"));
      continue;
    }
    result.revision = revisions_of(op);
    return result;
  }
}

void wait_until_started(ApplicationApi& api, const SyncOptions& options) {
  for (;;) {
    const rapidjson::Document app = with_retries(api, options, "waiting for the controller to start the sync",
                                                 [&] { return api.get(); });
    if (is_our_operation(path_value(app, {"status", "operationState", "operation"}), options.marker)) return;
    const rapidjson::Value* op = path_value(app, {"operation"});
    if (!is_null_or_missing(op) && !is_our_operation(op, options.marker))
      throw Error(cat(api.where(), ": another operation replaced ours before the controller started it (",
                      describe_operation_state(app), ")"));
    if (options.deadline.expired() || options.poll >= options.deadline.remaining())
      gave_up(api, options, "waiting for Argo CD's application controller to start the sync",
              cat("the operation is stored but not started (", describe_operation_state(app),
                  "); is the argocd-application-controller running?"));
    sleep_for(options, options.poll);
  }
}

}  // namespace sf::kw
