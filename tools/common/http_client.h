// HTTP over libcurl with the network rules of DESIGN.md: connect and total timeouts, one
// overall deadline no request or retry passes, bounded retries with backoff on retryable
// failures only (Retry-After honoured within the deadline), a cap on what is read, gzip, TLS
// from files or in-memory PEM blobs (never written to disk), keep-alive, and a multi interface
// that runs many transfers at once on one thread. Errors are exceptions (HttpError) for single
// requests, with their kind taken from types (curl codes, the TLS alert the peer sent, the
// certificate verification result), never from message text; the multi interface reports
// per-transfer results instead, so one dead target hides nothing. No exception ever crosses a
// libcurl callback: callbacks catch, store, abort the transfer, and it is rethrown after.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "common/deadline.h"
#include "common/error.h"

namespace sf::http {

using std::chrono::milliseconds;

struct TlsConfig {
  bool verify = true;               // off only when the user says so (insecure-skip-tls-verify)
  std::string ca_file;              // PEM file
  std::string ca_pem;               // PEM text, given to libcurl as a blob
  std::string client_cert_file;
  std::string client_cert_pem;
  std::string client_key_file;
  std::string client_key_pem;       // secret: never logged
  std::string server_name;          // kubeconfig tls-server-name: verify (and SNI) against this
};

// Ends transfers from another thread at once, even one blocked on a quiet stream: cancel()
// shuts down the sockets of every transfer that uses it. Share one between the clients of a
// wait, cancel it when the wait is over, then join their threads.
class Canceller {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  // Used by the transfer machinery: sockets opened and closed under this canceller.
  void add_socket(int fd);
  void remove_socket(int fd);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::set<int> sockets_;
};

struct Options {
  milliseconds connect_timeout{5'000};
  milliseconds total_timeout{30'000};  // whole transfer; 0 = none (streams use the idle limit)
  milliseconds idle_timeout{0};        // abort when nothing arrives for this long; 0 = off
  size_t max_body_bytes = 64u << 20;   // decoded bytes; more is an error, not a truncation
  std::string body_cap_hint;           // added to that error: the tool's way to raise the cap, if any
  int max_attempts = 3;                // 1 = no retry; only retryable failures are retried
  milliseconds backoff_initial{200};
  milliseconds backoff_max{5'000};
  bool gzip = true;
  TlsConfig tls;
  std::string bearer_token;            // secret: sent as a header, never logged
  std::vector<std::string> headers;    // "Name: value"
  std::string user_agent;              // default "sovereign-finops/<version>"
  // Proxy URL (http://, https://, socks5://; kubeconfig proxy-url). Empty: the environment's
  // http(s)_proxy/no_proxy apply, except for loopback, which is never proxied.
  std::string proxy;
  std::shared_ptr<Canceller> canceller;  // optional: lets another thread end the transfers
  // Nothing (connect, transfer, retry, backoff) goes past this; the timeouts above are capped
  // by it. Unlimited by default.
  Deadline deadline;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // added to Options::headers
};

struct Response {
  long status = 0;
  std::string body;                          // empty when streamed to a handler
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::string url;
  int attempts = 0;
  double seconds = 0;
  std::string header(const std::string& lower_name) const;
};

// What kind of transport failure it was, so callers decide without reading messages.
enum class Failure {
  kResolve,         // DNS: the host name does not resolve
  kConnect,         // refused, unreachable
  kTimeout,         // connect, idle, total limit or the deadline reached (phase() says where)
  kTlsUntrusted,    // the server's certificate failed verification (CA, name, dates)
  kTlsRejected,     // the server rejected our client certificate (a TLS alert says so)
  kTlsCredential,   // our own client certificate, key or CA file cannot be used
  kTls,             // another TLS handshake failure (not TLS at all, no common protocol)
  kBroken,          // connection reset or closed early, truncated body
  kTooLarge,        // the body went past max_body_bytes
  kHttp,            // an HTTP answer that the caller treats as an error (status() says which)
  kCancelled,       // Canceller::cancel() ended it
  kOther,
};

// Any of the TLS handshake failures: configuration to fix, not a server to wait for.
constexpr bool is_tls_failure(Failure f) {
  return f == Failure::kTlsUntrusted || f == Failure::kTlsRejected || f == Failure::kTlsCredential ||
         f == Failure::kTls;
}

// How far a failed transfer got, from libcurl's timers: the culprit of a timeout.
enum class Phase {
  kResolving,     // looking the host name up (DNS)
  kConnecting,    // TCP connect
  kTlsHandshake,  // connected, TLS handshake not finished
  kWaiting,       // request sent, no answer yet
  kReceiving,     // the answer started arriving
};
const char* to_string(Phase phase);

// The details of a failed transfer beyond its message.
struct FailureDetail {
  Failure failure = Failure::kOther;
  Phase phase = Phase::kConnecting;
  bool deadline_reached = false;  // the Options::deadline (not a per-request timeout) ended it
  int tls_alert = -1;             // the fatal TLS alert the peer sent (RFC 8446 numbers), or -1
  long tls_verify_result = 0;     // OpenSSL's X509_V_* result for the server's certificate
  bool tls_wrong_name = false;    // kTlsUntrusted: the chain verified, the host name did not match
};

// A failed transfer: `retryable` says whether trying again could help.
class HttpError : public Error {
 public:
  HttpError(const std::string& message, long status, bool retryable, Failure failure = Failure::kOther)
      : Error(message, kExitFailed), status_(status), retryable_(retryable) {
    detail_.failure = failure;
  }
  HttpError(const std::string& message, bool retryable, const FailureDetail& detail)
      : Error(message, kExitFailed), status_(0), retryable_(retryable), detail_(detail) {}
  long status() const { return status_; }  // 0 when no HTTP answer arrived
  bool retryable() const { return retryable_; }
  Failure failure() const { return detail_.failure; }
  const FailureDetail& detail() const { return detail_; }
  // The same failure with a message that adds context (the caller's what and where).
  HttpError with_message(const std::string& message) const {
    HttpError e(message, retryable_, detail_);
    e.status_ = status_;
    return e;
  }

 private:
  long status_;
  bool retryable_;
  FailureDetail detail_;
};

// A Retry-After header value (delay-seconds) as a delay; nullopt when it is absent or not a
// non-negative whole number. Huge values saturate instead of overflowing.
std::optional<milliseconds> parse_retry_after(std::string_view value);

// Receives body bytes as they arrive (gzip already decoded). Throwing aborts the transfer and
// the exception is what the caller sees.
using ChunkHandler = std::function<void(std::string_view)>;

// HTTP statuses worth retrying: 408, 429, 502, 503, 504.
bool is_retryable_status(long status);
// Backoff before attempt `attempt` (1-based retries), doubling from initial, capped, with jitter.
milliseconds backoff_delay(const Options& options, int attempt);

// One connection-reusing client for sequential requests.
class Client {
 public:
  explicit Client(Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Options& options() const;
  // Buffered request with retries. Non-2xx answers are returned, not thrown; transport
  // failures (refused, timeout, reset, TLS, cap exceeded) throw HttpError once retries are spent.
  Response send(const Request& request);
  Response get(const std::string& url);
  // Streams the body to `on_chunk` (no retries: the caller knows how to resume). The handler
  // sees only the body of a 2xx answer; other answers are buffered into Response::body.
  Response stream(const Request& request, const ChunkHandler& on_chunk);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One transfer of a MultiFetcher batch, with its result filled in.
struct Transfer {
  Request request;
  ChunkHandler on_chunk;                  // null: body buffered in response.body
  std::function<void()> on_attempt;       // called before each attempt (reset parsers)
  // Results:
  Response response;
  bool ok = false;                        // transport succeeded (any HTTP status)
  std::string error;                      // what failed, with the URL, when !ok or handler threw
  std::exception_ptr handler_error;       // what on_chunk threw, if it did
};

// Runs a batch of transfers concurrently (curl multi) with bounded concurrency, per-transfer
// timeouts and retries from Options, reusing connections between transfers.
class MultiFetcher {
 public:
  MultiFetcher(Options options, size_t max_concurrency);
  ~MultiFetcher();
  MultiFetcher(const MultiFetcher&) = delete;
  MultiFetcher& operator=(const MultiFetcher&) = delete;

  // Blocks until every transfer is finished; `on_done(index)` runs as each one completes.
  void run(std::vector<Transfer>& transfers, const std::function<void(size_t)>& on_done = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sf::http
