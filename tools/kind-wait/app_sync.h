// kind-wait --sync application/NS/NAME: ask Argo CD to refresh and sync an Application now,
// through the Kubernetes API alone (no argocd CLI, no kubectl), the way Argo CD's own API
// server does it for `argocd app sync` (argo-cd v3.4.4):
//   - refresh: a merge patch of the annotation argocd.argoproj.io/refresh=normal
//     (util/argo/argo.go RefreshApp);
//   - the operation: server/application/application.go Sync builds it (the app's sync options
//     and retry strategy, its sources; prune as the app's automated policy says, as the
//     controller's own auto-sync does), then util/argo/argo.go SetAppOperation writes it: GET,
//     refuse with "another operation is already in progress" when `operation` is set, set
//     `operation`, drop status.operationState, Update with the object's resourceVersion, and on
//     409 Conflict read again and retry. The revision is the source's targetRevision as written
//     (HEAD, a branch): the controller resolves it to a commit (controller/sync.go,
//     newSyncOperationResult: "Sync requests might be requested with ambiguous revisions").
//   - --retry-now: an operation whose last attempt failed and now waits out its retry backoff
//     (phase Running with finishedAt, appcontroller.go processRequestedAppOperation) is ended
//     the way `argocd app terminate-op` ends it (server TerminateOperation: phase Terminating,
//     Update with resourceVersion), and once the controller has cleared it the new sync is
//     written. An attempt that is actually running is waited for, never interrupted.
// Our operation carries a marker (initiatedBy.username "kind-wait" and an info entry), so an
// Update whose answer was lost is recognised on the next read instead of being refused as
// "another operation".
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <functional>
#include <string>

#include "common/deadline.h"
#include "common/kube_client.h"

namespace sf::kw {

inline constexpr const char* kRefreshAnnotation = "argocd.argoproj.io/refresh";
inline constexpr const char* kAnotherOperation = "another operation is already in progress";

// One write's answer: the HTTP status, the stored object on 2xx, the API's message otherwise.
struct WriteResult {
  long status = 0;
  rapidjson::Document object;
  std::string message;
};

// The Kubernetes side of a sync: one Application, read and written by name. Transport
// failures and non-2xx reads throw (kube::ApiError, http::HttpError); writes return their
// status so that 409 can be retried.
class ApplicationApi {
 public:
  virtual ~ApplicationApi() = default;
  virtual std::string where() const = 0;  // "application argocd/root"
  virtual rapidjson::Document get() = 0;
  virtual WriteResult put(const std::string& body) = 0;          // Update (body holds the resourceVersion)
  virtual WriteResult merge_patch(const std::string& body) = 0;  // application/merge-patch+json
};

// ApplicationApi over the common Kubernetes client.
class KubeApplicationApi : public ApplicationApi {
 public:
  KubeApplicationApi(kube::KubeClient& client, std::string ns, std::string name);
  std::string where() const override;
  rapidjson::Document get() override;
  WriteResult put(const std::string& body) override;
  WriteResult merge_patch(const std::string& body) override;

 private:
  WriteResult write(const std::string& method, const std::string& content_type, const std::string& body);
  kube::KubeClient& client_;
  std::string ns_;
  std::string name_;
  std::string path_;
};

struct SyncOptions {
  bool retry_now = false;
  Deadline deadline;
  std::chrono::milliseconds poll{500};  // while the controller ends an attempt (seconds)
  std::string marker;                   // unique per request (new_sync_marker)
  // Test seam: how to wait between reads (default: sleep, never past the deadline).
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct SyncResult {
  std::string revision;          // what was asked for: "HEAD", or "HEAD, v1.2" for several sources
  bool replaced_retry = false;   // a failed attempt waiting for its retry was terminated first
  int conflicts = 0;             // 409 answers re-read and retried
};

// "kind-wait --sync 2026-11-26T07:00:00.123Z a1b2c3d4": unique enough to tell our operation.
std::string new_sync_marker();

// The operation `argocd app sync NAME` writes for `app` (see the header comment), with `marker`.
rapidjson::Document sync_operation(const rapidjson::Value& app, const std::string& marker);

// Whether an operation (app.operation or status.operationState.operation) is ours.
bool is_our_operation(const rapidjson::Value* operation, const std::string& marker);

// Refresh, then SetAppOperation; returns once the operation is stored. Throws Error with
// Argo CD's "another operation is already in progress" (exit 1) when one is (and --retry-now
// does not apply), and when the deadline passes.
SyncResult request_sync(ApplicationApi& api, const SyncOptions& options);

// Waits until the controller has taken the operation up (status.operationState.operation is
// ours), for --no-wait. Throws Error at the deadline.
void wait_until_started(ApplicationApi& api, const SyncOptions& options);

}  // namespace sf::kw
