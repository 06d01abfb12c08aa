// A small Kubernetes API client over sf::http: GET, LIST with paging (capped in bytes), WATCH as
// a stream of decoded events, and a reflector (client-go's LIST+WATCH loop: resume from the last
// resourceVersion, re-LIST on 410 Expired/Gone, bookmarks, bounded reconnect backoff, 404 for a
// resource type that is not installed yet means "not yet"). Credentials come from a RestConfig
// (kubeconfig.h): client certificates as blobs, bearer tokens, tokenFile re-read, exec plugins
// (cached until they expire, refreshed once on 401). Every request, retry and plugin run obeys
// one Deadline, and failures name the real culprit (the exec plugin, DNS, TLS, the API server
// that accepts but does not answer). One retry policy (judge_failure) serves every caller.
// Also builds API-server proxy paths for services and nodes, so tools reach them without
// kubectl or port-forward.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "common/error.h"
#include "common/http_client.h"
#include "common/kubeconfig.h"
#include "common/watch_decoder.h"

namespace sf::kube {

using std::chrono::milliseconds;
using Query = std::vector<std::pair<std::string, std::string>>;

// A non-success answer from the API server, with its Status when it sent one. 401 and 403 are
// configuration problems (exit 2); the rest are failures (exit 1).
class ApiError : public Error {
 public:
  ApiError(const std::string& message, long http_status, ApiStatus status,
           std::optional<milliseconds> retry_after = std::nullopt);
  long http_status() const { return http_status_; }
  const ApiStatus& status() const { return status_; }
  // The Retry-After header, else the Status's details.retryAfterSeconds.
  std::optional<milliseconds> retry_after() const { return retry_after_; }

 private:
  long http_status_;
  ApiStatus status_;
  std::optional<milliseconds> retry_after_;
};

// A failure that waiting will not fix: TLS verification against the configured CA failed, the
// server rejected the credentials (401, 403, TLS alert about the client certificate), or the
// exec plugin failed. Carries the exit code.
class FatalClientError : public Error {
 public:
  using Error::Error;
};

// A LIST answer larger than this (all pages together) is an error: a Kubernetes API server
// pages LISTs (limit=500), so this is 500 objects of 128 KiB each; without a cap an oversized
// answer cost kind-wait ~3 GB.
constexpr size_t kDefaultMaxListBytes = 64u << 20;

struct ClientOptions {
  milliseconds connect_timeout{5'000};
  milliseconds request_timeout{30'000};   // GET and each LIST page
  milliseconds watch_idle_timeout{0};     // 0: timeoutSeconds + 60 s
  int max_attempts = 3;                   // for GET/LIST; watches never retry inside a call
  milliseconds exec_timeout{60'000};      // an exec plugin's own limit, within `deadline`
  size_t max_list_bytes = kDefaultMaxListBytes;
  // Said after "the answer is larger than the cap": what the tool's user can do about it.
  std::string cap_hint =
      "a Kubernetes API server pages LISTs (limit=500), so this is not one, or its objects are unusually large "
      "(raise the cap with --max-list-bytes only if that is expected)";
  std::string user_agent;                 // default "sovereign-finops/<version>"
  std::shared_ptr<http::Canceller> canceller;  // ends every request of this client at once
  Deadline deadline;                      // nothing this client does goes past it
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  long limit = 500;                       // page size; continue tokens fetch the rest
};

struct ListResult {
  bool found = true;                      // false: 404, the resource type is not served (yet)
  std::vector<rapidjson::Document> items;
  std::string resource_version;           // the list's metadata.resourceVersion
  std::string kind;                       // e.g. NodeList
  ApiStatus status;                       // the 404's Status when !found
};

struct WatchOptions {
  std::string resource_version;           // "" or "0": start with synthetic ADDED events
  long timeout_seconds = 0;               // 0: random 300-600 s like client-go's reflector
  bool bookmarks = true;
  std::string label_selector;
  std::string field_selector;
};

enum class WatchEnd {
  kClosed,    // the server ended the stream (timeout, restart): re-watch from last_resource_version
  kExpired,   // 410 Expired/Gone (in-band or HTTP): LIST again
  kError,     // another in-band ERROR event: status says what
  kStopped,   // the handler returned false
};

struct WatchResult {
  WatchEnd end = WatchEnd::kClosed;
  std::string last_resource_version;      // of the last object or bookmark seen
  size_t events = 0;
  ApiStatus status;                       // for kExpired / kError
  bool truncated = false;                 // the stream ended inside an event
};

class KubeClient {
 public:
  explicit KubeClient(RestConfig config, ClientOptions options = {});
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  const RestConfig& config() const;
  // server + path + ?query (values escaped). `path` starts with '/'.
  std::string url(std::string_view path, const Query& query = {}) const;
  // The HTTP options this client uses right now (TLS, credentials, headers), for tools that
  // send their own requests through the API server's proxies (MultiFetcher).
  http::Options http_options();

  // One request with credentials; refreshes exec credentials once on 401. Non-2xx answers are
  // returned; transport failures throw (FatalClientError for TLS/certificate rejections).
  http::Response send(const http::Request& request);
  // GET returning the JSON document; ApiError on non-2xx.
  rapidjson::Document get(std::string_view path, const Query& query = {});
  // GET that maps 404 to nullopt.
  std::optional<rapidjson::Document> get_if_exists(std::string_view path, const Query& query = {});
  // LIST with paging (limit/continue); a 410 on a continue token restarts the list once.
  ListResult list(std::string_view path, const ListOptions& options = {});
  // The same LIST, page by page: on_item sees each item while its page is held (nothing is
  // copied or kept, so memory follows the page size, not the collection); a restart after a
  // 410 calls on_restart first, then delivers the items again from the start. The result
  // carries no items.
  ListResult list_each(std::string_view path, const ListOptions& options,
                       const std::function<void(const rapidjson::Value& item)>& on_item,
                       const std::function<void()>& on_restart = {});
  // WATCH: calls on_event for every decoded event except ERROR until the stream ends, an
  // ERROR event arrives or on_event returns false. Throws ApiError for a non-2xx answer other
  // than 410, and transport errors as send() does.
  WatchResult watch(std::string_view path, const WatchOptions& options,
                    const std::function<bool(WatchEvent&&)>& on_event);

  // An ApiError for a non-2xx response, with the Status message and what to do.
  ApiError api_error(const http::Response& response, const std::string& method) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The one retry policy (kind-wait --for and --list nodes, and any other caller): what a failed
// request means for the next attempt.
struct RetryVerdict {
  bool fatal = false;                 // rethrow: waiting will not fix it
  milliseconds at_least{0};           // Retry-After: do not try again sooner
  bool answered = false;              // an HTTP answer came (the server is up, it said no)
  bool relist = false;                // start again from a LIST (404, a body that is not JSON)
  std::string message;
};
// Fatal: FatalClientError (TLS, rejected client certificate, exec plugin), 401 and 403, and
// other 4xx answers except 404, 408, 409, 410 and 429. Retried: transport failures (refused,
// reset, timed out), 404 (a type not served yet), 408/409/410/429, 5xx, bodies that are not JSON.
RetryVerdict judge_failure(const std::exception_ptr& failure);

// Escapes one path segment or query value (RFC 3986 unreserved kept).
std::string escape(std::string_view text);

// /api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH (scheme "https" for TLS
// backends; port a number or a port name).
std::string service_proxy_path(std::string_view ns, std::string_view name, std::string_view port,
                               std::string_view path = "/", std::string_view scheme = "");
// /api/v1/nodes/[SCHEME:]NODE[:PORT]/proxy/PATH, e.g. node-exporter at port 9100.
std::string node_proxy_path(std::string_view node, std::string_view port, std::string_view path = "/",
                            std::string_view scheme = "");

// Collection paths: /api/v1/nodes, /apis/apps/v1/namespaces/NS/deployments, ...
std::string collection_path(std::string_view group_version, std::string_view resource, std::string_view ns = "");

// Helpers for reading objects.
std::string object_key(const rapidjson::Value& object);  // "ns/name" or "name"
const rapidjson::Value* path_value(const rapidjson::Value& object, std::initializer_list<const char*> path);
std::string path_string(const rapidjson::Value& object, std::initializer_list<const char*> path);

// The client-side copy of one collection, filled by a Reflector. Guarded by the mutex the
// Reflector was given; read it only while holding that mutex.
struct Store {
  std::map<std::string, rapidjson::Document> objects;  // by object_key
  bool synced = false;          // at least one LIST answered (200 or 404)
  bool served = true;           // false while the resource type answers 404 (CRD not installed)
  bool ever_answered = false;   // the API server sent at least one HTTP answer (errors included)
  std::string resource_version;
  std::string last_error;       // the latest connection problem; "" when healthy
  size_t lists = 0;             // LISTs done (re-lists after 410 included)
  size_t watches = 0;           // WATCH requests made
};

struct ReflectorOptions {
  std::string path;             // collection path
  ListOptions list;
  WatchOptions watch;           // selectors and timeout; resource_version is managed
  milliseconds backoff_initial{200};
  milliseconds backoff_max{2'000};
};

class Reflector {
 public:
  // `on_change` runs (with `mutex` held) after every change to the store.
  Reflector(KubeClient& client, ReflectorOptions options, Store& store, std::mutex& mutex,
            std::function<void()> on_change);
  // LIST+WATCH until `stop` is set (checked between requests and on every event). Throws
  // FatalClientError (bad CA, rejected credentials) and ApiError 401/403; everything else is
  // retried with bounded backoff and recorded in store.last_error.
  void run(const std::atomic<bool>& stop);

 private:
  void record_error(const std::string& message);
  void pause(const std::atomic<bool>& stop);

  KubeClient& client_;
  ReflectorOptions options_;
  Store& store_;
  std::mutex& mutex_;
  std::function<void()> on_change_;
  milliseconds backoff_;
};

}  // namespace sf::kube
