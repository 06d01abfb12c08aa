// Vault's HTTP API for vault-seed: one keep-alive connection, straight to VAULT_ADDR or through
// the Kubernetes API server's service proxy (--via-kube-service NS/NAME:PORT, with the
// kubeconfig's credentials; the Vault token travels in X-Vault-Token because the proxy drops
// Authorization). Replies are read as Vault's envelope ({"errors"}, {"warnings"}, data); a 5xx
// whose body is a Kubernetes Status object came from the API server, not from Vault, and is
// reported as such.
//
// Retries follow the Go client's policy (api.DefaultRetryPolicy): connection errors, 429, 412
// and 5xx other than 501, with backoff (Retry-After honoured), VAULT_MAX_RETRIES times, and
// never past the one deadline of the run. "Vault is sealed" (503) is a state, not a glitch, and
// is returned at once. Requests that must not be repeated (init, unseal, root generation) are
// sent once.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/http_client.h"
#include "common/kubeconfig.h"
#include "vault-seed/vault_env.h"

namespace sf::vs {

using Steady = std::chrono::steady_clock;

// One HTTP exchange with Vault, no retries. `path` is "/v1/..." (and query).
class Transport {
 public:
  virtual ~Transport() = default;
  // Set once, before the first request: the limit of one request, and the canceller that ends
  // every transfer at the run's deadline (so one keep-alive client serves the whole run); the
  // deadline itself bounds what is no transfer (a kubeconfig's exec plugin).
  virtual void configure(std::chrono::milliseconds request_timeout, std::shared_ptr<http::Canceller> canceller,
                         std::chrono::steady_clock::time_point deadline) = 0;
  virtual http::Response send(const http::Request& request) = 0;
  // A download with no total limit but the deadline; `idle` ends it when nothing arrives.
  virtual http::Response stream(const http::Request& request, const http::ChunkHandler& on_chunk) = 0;
  // The URL for a Vault path, for messages and for Request::url.
  virtual std::string url(const std::string& path) const = 0;
  // "Vault at http://127.0.0.1:8200" or "Vault through the API server https://...: service vault/vault:8200"
  virtual std::string describe() const = 0;
  virtual bool proxied() const = 0;
};

std::unique_ptr<Transport> direct_transport(const VaultEnv& env);

// NS/NAME:PORT, with an optional scheme before NAME (NS/https:NAME:PORT) for a TLS listener.
struct KubeService {
  std::string ns;
  std::string name;
  std::string port;
  std::string scheme = "http";
  std::string describe() const;  // "vault/vault:8200"
};
KubeService parse_kube_service(const std::string& text);  // UsageError on a bad form
std::unique_ptr<Transport> kube_service_transport(kube::RestConfig config, const KubeService& service);

// A Vault reply. The body may hold secret values (KV reads, init): it is wiped on destruction
// and never copied into messages.
struct Reply {
  long status = 0;
  std::string body;
  rapidjson::Document json;          // the parsed body; Null when empty or not JSON
  std::vector<std::string> errors;   // {"errors": [...]}
  std::vector<std::string> warnings; // {"warnings": [...]}
  bool from_api_server = false;      // a Kubernetes Status body: the proxy answered, not Vault
  std::string api_server_message;    // its Status message
  int attempts = 0;
  std::string location;              // a redirect's Location header (never followed)

  Reply() = default;
  Reply(Reply&&) = default;
  Reply& operator=(Reply&&) = default;
  ~Reply();
  bool ok() const { return status >= 200 && status < 300; }
  // The envelope's data object, or nullptr.
  const rapidjson::Value* data() const;
  bool has_error(const std::string& text) const;  // one of errors[] contains `text`
  std::string error_text() const;                 // errors[] joined, printable, short
};

// A Vault answer that the caller treats as a failure.
class VaultError : public Error {
 public:
  VaultError(const std::string& message, long status, int exit_code = kExitFailed)
      : Error(message, exit_code), status_(status) {}
  long status() const { return status_; }

 private:
  long status_;
};

// The run's deadline ran out while waiting for something.
class DeadlineError : public Error {
 public:
  using Error::Error;
};

struct CallOptions {
  bool retry = true;                 // false: sent once (init, unseal, generate-root update)
  bool authenticated = true;         // send X-Vault-Token
  std::string what;                  // "reading secret/data/x", for messages
  bool refresh_token = true;         // false: never resend with another token (revoke-self, lookups)
};

// Texts Vault answers with that vault-seed acts on (exact, from Vault's source).
namespace texts {
inline constexpr const char* kSealed = "Vault is sealed";
inline constexpr const char* kCasMismatch = "check-and-set parameter did not match the current version";
inline constexpr const char* kAlreadyInitialized = "Vault is already initialized";
inline constexpr const char* kInvalidToken = "invalid token";
inline constexpr const char* kPermissionDenied = "permission denied";
inline constexpr const char* kWrongKeys = "cipher: message authentication failed";
inline constexpr const char* kKvUpgrading = "Upgrading from non-versioned to versioned data";
inline constexpr const char* kPathInUse = "path is already in use at";
}  // namespace texts

class VaultClient {
 public:
  VaultClient(std::unique_ptr<Transport> transport, const VaultEnv& env, Steady::time_point deadline);
  ~VaultClient();
  VaultClient(const VaultClient&) = delete;
  VaultClient& operator=(const VaultClient&) = delete;

  void set_token(std::string token) { token_ = std::move(token); }  // secret
  // Called once per request when Vault calls the token invalid (revoked meanwhile, e.g. by a
  // concurrent run); a different token it returns is used to send the request again.
  void set_token_refresher(std::function<std::string()> refresher) { refresher_ = std::move(refresher); }
  const std::string& token() const { return token_; }
  Steady::time_point deadline() const { return deadline_; }
  const Transport& transport() const { return *transport_; }
  std::string describe() const { return transport_->describe(); }

  // One logical request. `path` is a Vault path ("sys/mounts", "secret/data/x") with an
  // optional "?query"; `body` is JSON text (may hold secrets: the caller wipes it). Transport
  // failures that outlive the retries throw http::HttpError (with the culprit named), the
  // deadline DeadlineError; every HTTP answer is returned.
  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             const CallOptions& options = {});
  Reply get(const std::string& path, const CallOptions& options = {}) { return call("GET", path, "", options); }

  // Streams a 200 body to `on_chunk` (snapshots); other answers are returned buffered.
  Reply download(const std::string& path, const http::ChunkHandler& on_chunk, const CallOptions& options = {});

  // A transport failure or an API-server answer as one sentence naming the culprit.
  std::string explain(const Reply& reply, const std::string& what) const;

  // Time left before the deadline (never negative).
  std::chrono::milliseconds remaining() const;
  // Sleeps `delay`, or throws DeadlineError (naming `what`) if the deadline comes first.
  void pause(std::chrono::milliseconds delay, const std::string& what) const;

  size_t requests() const { return requests_; }

 private:
  http::Request make_request(const std::string& method, const std::string& path, const std::string& body,
                             const CallOptions& options) const;
  void require_time_left(const std::string& what) const;
  [[noreturn]] void rethrow_transport(const http::HttpError& e, const std::string& what) const;

  std::unique_ptr<Transport> transport_;
  std::string namespace_;
  std::chrono::milliseconds client_timeout_;
  int max_retries_;
  Steady::time_point deadline_;
  std::string token_;
  std::function<std::string()> refresher_;
  size_t requests_ = 0;
  // Fires the canceller at the deadline: a transfer in flight then ends at once.
  std::shared_ptr<http::Canceller> canceller_ = std::make_shared<http::Canceller>();
  std::mutex watchdog_mutex_;
  std::condition_variable watchdog_wake_;
  bool watchdog_stop_ = false;
  std::thread watchdog_;
};

// The member `name` of a JSON object, or nullptr (also when `object` is null or no object).
const rapidjson::Value* member(const rapidjson::Value* object, const char* name);

// Parses a reply body into `reply` (envelope fields, Kubernetes Status detection).
void parse_reply(Reply& reply);

// Whether an answer is worth another attempt under the Go client's policy.
bool retryable_reply(const Reply& reply);

}  // namespace sf::vs
