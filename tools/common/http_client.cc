#include "common/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "common/log.h"
#include "common/strings.h"

#ifndef SF_VERSION
#define SF_VERSION "0.0.0"
#endif

namespace sf::http {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Everything one attempt of one transfer needs while libcurl runs it.
struct TransferState {
  CURL* easy = nullptr;
  const Options* options = nullptr;
  const ChunkHandler* on_chunk = nullptr;
  Response* response = nullptr;
  size_t received = 0;
  bool over_cap = false;
  std::exception_ptr handler_error;
  Slist header_list;
  std::string connect_to_entry;
  Slist connect_to;
  std::string effective_url;
  char error_buffer[CURL_ERROR_SIZE] = {0};
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const size_t n = size * count;
  state->received += n;
  if (state->received > state->options->max_body_bytes) {
    state->over_cap = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  long status = 0;
  curl_easy_getinfo(state->easy, CURLINFO_RESPONSE_CODE, &status);
  if (state->on_chunk != nullptr && *state->on_chunk && status >= 200 && status < 300) {
    try {
      (*state->on_chunk)(std::string_view(data, n));
    } catch (...) {
      state->handler_error = std::current_exception();
      return 0;
    }
  } else {
    state->response->body.append(data, n);
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    state->response->headers.clear();  // a new response (redirect, 100 Continue)
    return n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    state->response->headers[to_lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
  }
  return n;
}

// Canceller hooks: every socket a cancellable transfer opens is registered, so cancel() can
// shut it down and wake a thread blocked in it; progress checks catch the moments in between.
int on_socket_opened(void* canceller, curl_socket_t fd, curlsocktype) {
  static_cast<Canceller*>(canceller)->add_socket(fd);
  return CURL_SOCKOPT_OK;
}

int on_socket_close(void* canceller, curl_socket_t fd) {
  static_cast<Canceller*>(canceller)->remove_socket(fd);
  return ::close(fd);
}

int on_progress(void* canceller, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Canceller*>(canceller)->cancelled() ? 1 : 0;
}

void set_blob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(easy, option, &blob);
}

// tls-server-name: ask for the named host, connect to the real one (libcurl has no SNI-only
// override), so the certificate is verified against the name the kubeconfig gives.
std::string apply_server_name(TransferState& state, const std::string& url, const std::string& server_name) {
  if (server_name.empty()) return url;
  CURLU* u = curl_url();
  std::string rewritten = url;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    char* port = nullptr;
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (host != nullptr && port != nullptr) {
      state.connect_to_entry = cat(server_name, ":", port, ":", host, ":", port);
      state.connect_to.reset(curl_slist_append(nullptr, state.connect_to_entry.c_str()));
      curl_url_set(u, CURLUPART_HOST, server_name.c_str(), 0);
      char* full = nullptr;
      if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) rewritten = full;
      curl_free(full);
    }
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return rewritten;
}

void configure(TransferState& state, const Options& options, const Request& request, const ChunkHandler* on_chunk,
               Response* response) {
  CURL* easy = state.easy;
  state.options = &options;
  state.on_chunk = on_chunk;
  state.response = response;
  state.received = 0;
  state.over_cap = false;
  state.handler_error = nullptr;
  state.error_buffer[0] = '\0';
  response->body.clear();
  response->headers.clear();
  response->status = 0;

  curl_easy_reset(easy);  // keeps the connection cache and session IDs
  state.effective_url = apply_server_name(state, request.url, options.tls.server_name);
  curl_easy_setopt(easy, CURLOPT_URL, state.effective_url.c_str());
  if (state.connect_to) curl_easy_setopt(easy, CURLOPT_CONNECT_TO, state.connect_to.get());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &state);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, state.error_buffer);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!options.proxy.empty()) {
    curl_easy_setopt(easy, CURLOPT_PROXY, options.proxy.c_str());
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
  } else {
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
  }
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  if (options.idle_timeout.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>((options.idle_timeout.count() + 999) / 1000)));
  }
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
  if (options.gzip) curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_USERAGENT,
                   options.user_agent.empty() ? "sovereign-finops/" SF_VERSION : options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  if (options.canceller) {
    Canceller* c = options.canceller.get();
    curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, on_socket_opened);
    curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, c);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_socket_close);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, c);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  }

  // TLS: verification on unless the user turned it off; 1.2 is the floor (as client-go).
  curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.tls.verify ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.tls.verify ? 2L : 0L);
  if (!options.tls.ca_pem.empty()) set_blob(easy, CURLOPT_CAINFO_BLOB, options.tls.ca_pem);
  else if (!options.tls.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.tls.ca_file.c_str());
  if (!options.tls.client_cert_pem.empty()) set_blob(easy, CURLOPT_SSLCERT_BLOB, options.tls.client_cert_pem);
  else if (!options.tls.client_cert_file.empty())
    curl_easy_setopt(easy, CURLOPT_SSLCERT, options.tls.client_cert_file.c_str());
  if (!options.tls.client_key_pem.empty()) set_blob(easy, CURLOPT_SSLKEY_BLOB, options.tls.client_key_pem);
  else if (!options.tls.client_key_file.empty())
    curl_easy_setopt(easy, CURLOPT_SSLKEY, options.tls.client_key_file.c_str());
  curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
  curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");

  curl_slist* headers = nullptr;
  for (const auto& h : options.headers) headers = curl_slist_append(headers, h.c_str());
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  if (!options.bearer_token.empty())
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options.bearer_token).c_str());
  state.header_list.reset(headers);
  if (headers != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
  }
}

bool is_retryable_code(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;  // timeouts already spent the budget; TLS and caps will not change
  }
}

bool is_tls_failure(CURLcode code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ||
         code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_ISSUER_ERROR ||
         code == CURLE_SSL_PINNEDPUBKEYNOTMATCH || code == CURLE_SSL_CLIENTCERT;
}

// What kind of failure a finished transfer had; describe_failure words each kind.
Failure classify(const TransferState& state, CURLcode code) {
  if (state.options->canceller && state.options->canceller->cancelled()) return Failure::kCancelled;
  if (state.over_cap || code == CURLE_FILESIZE_EXCEEDED) return Failure::kTooLarge;
  if (code == CURLE_OPERATION_TIMEDOUT) return Failure::kTimeout;
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY)
    return Failure::kConnect;
  if (is_tls_failure(code)) return Failure::kTls;
  if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_PARTIAL_FILE)
    return Failure::kBroken;
  return Failure::kOther;
}

// A transport failure as one sentence: what, where, what to do.
std::string describe_failure(const TransferState& state, CURLcode code, const Request& request) {
  const std::string where = cat(request.method, " ", request.url);
  const std::string detail = state.error_buffer[0] != '\0' ? state.error_buffer : curl_easy_strerror(code);
  switch (classify(state, code)) {
    case Failure::kCancelled:
      return cat(where, ": cancelled");
    case Failure::kTooLarge:
      if (state.over_cap)
        return cat(where, ": response larger than the ", state.options->max_body_bytes,
                   "-byte cap; the server sent too much (raise the cap only if this is expected)");
      return cat(where, ": response announced more than the ", state.options->max_body_bytes, "-byte cap");
    case Failure::kTimeout:
      return cat(where, ": timed out (", detail, "); is the server up and answering?");
    case Failure::kConnect:
      return cat(where, ": cannot connect (", detail, "); is the server running and the address right?");
    case Failure::kTls:
      return cat(where, ": TLS failed (", detail,
                 "); check the CA certificate and client certificate you configured, and the server's name");
    case Failure::kBroken:
      return cat(where, ": connection broken (", detail, ")");
    case Failure::kHttp:
    case Failure::kOther:
      break;
  }
  return cat(where, ": ", detail);
}

std::mt19937& rng() {
  thread_local std::mt19937 engine{std::random_device{}()};
  return engine;
}

// The delay a 429/503's Retry-After asks for, bounded by the backoff cap.
milliseconds retry_after(const Response& response, const Options& options, milliseconds fallback) {
  const std::string value = response.header("retry-after");
  double seconds = 0;
  if (!value.empty() && parse_double(value, seconds) && seconds >= 0)
    return std::min(options.backoff_max, milliseconds(static_cast<long long>(seconds * 1000)));
  return fallback;
}

}  // namespace

void Canceller::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_ = true;
  for (const int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
}

void Canceller::add_socket(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  sockets_.insert(fd);
  if (cancelled_) ::shutdown(fd, SHUT_RDWR);
}

void Canceller::remove_socket(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  sockets_.erase(fd);
}

std::string Response::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

bool is_retryable_status(long status) {
  return status == 408 || status == 429 || status == 502 || status == 503 || status == 504;
}

milliseconds backoff_delay(const Options& options, int attempt) {
  double delay = static_cast<double>(options.backoff_initial.count());
  for (int i = 1; i < attempt; ++i) delay *= 2;
  delay = std::min(delay, static_cast<double>(options.backoff_max.count()));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return milliseconds(static_cast<long long>(delay * jitter(rng())));
}

// ---------------------------------------------------------------- Client

struct Client::Impl {
  Options options;
  EasyHandle easy;
  TransferState state;

  Response perform(const Request& request, const ChunkHandler* on_chunk, bool retry) {
    Response response;
    response.url = request.url;
    const auto start = std::chrono::steady_clock::now();
    const int attempts = retry ? std::max(1, options.max_attempts) : 1;
    for (int attempt = 1;; ++attempt) {
      if (options.canceller && options.canceller->cancelled())
        throw HttpError(cat(request.method, " ", request.url, ": cancelled"), 0, false, Failure::kCancelled);
      state.easy = easy.get();
      configure(state, options, request, on_chunk, &response);
      const CURLcode code = curl_easy_perform(easy.get());
      response.attempts = attempt;
      response.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (state.handler_error) std::rethrow_exception(state.handler_error);
      if (code == CURLE_OK) {
        curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &response.status);
        if (attempt < attempts && is_retryable_status(response.status)) {
          const auto delay = retry_after(response, options, backoff_delay(options, attempt));
          log::debug(cat(request.method, " ", request.url, ": HTTP ", response.status, ", retrying in ",
                         delay.count(), " ms"));
          std::this_thread::sleep_for(delay);
          continue;
        }
        return response;
      }
      const Failure failure = classify(state, code);
      const bool retryable = is_retryable_code(code) && !state.over_cap && failure != Failure::kCancelled;
      const std::string message = describe_failure(state, code, request);
      if (retryable && attempt < attempts) {
        const auto delay = backoff_delay(options, attempt);
        log::debug(cat(message, "; retrying in ", delay.count(), " ms"));
        std::this_thread::sleep_for(delay);
        continue;
      }
      throw HttpError(attempt > 1 ? cat(message, " (after ", attempt, " attempts)") : message, 0, retryable,
                      failure);
    }
  }
};

Client::Client(Options options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  impl_->easy.reset(curl_easy_init());
  if (!impl_->easy) throw Error("libcurl: cannot create a handle (out of memory?)");
}

Client::~Client() = default;

const Options& Client::options() const { return impl_->options; }

Response Client::send(const Request& request) { return impl_->perform(request, nullptr, true); }

Response Client::get(const std::string& url) {
  Request request;
  request.url = url;
  return send(request);
}

Response Client::stream(const Request& request, const ChunkHandler& on_chunk) {
  return impl_->perform(request, &on_chunk, false);
}

// ---------------------------------------------------------------- MultiFetcher

struct MultiFetcher::Impl {
  Options options;
  size_t max_concurrency;
  CURLM* multi = nullptr;
  std::vector<EasyHandle> idle_handles;  // reused between transfers: keep-alive, TLS sessions

  ~Impl() {
    idle_handles.clear();
    if (multi != nullptr) curl_multi_cleanup(multi);
  }
};

MultiFetcher::MultiFetcher(Options options, size_t max_concurrency) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  impl_->max_concurrency = std::max<size_t>(1, max_concurrency);
  impl_->multi = curl_multi_init();
  if (impl_->multi == nullptr) throw Error("libcurl: cannot create a multi handle (out of memory?)");
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(impl_->max_concurrency));
  curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(impl_->max_concurrency));
}

MultiFetcher::~MultiFetcher() = default;

void MultiFetcher::run(std::vector<Transfer>& transfers, const std::function<void(size_t)>& on_done) {
  using SteadyClock = std::chrono::steady_clock;
  struct Active {
    size_t index;
    int attempt;
    EasyHandle easy;
    std::unique_ptr<TransferState> state;
    SteadyClock::time_point started;
  };
  struct Waiting {
    size_t index;
    int attempt;
    SteadyClock::time_point due;
  };
  Impl& self = *impl_;
  const Options& options = self.options;
  std::deque<std::pair<size_t, int>> queue;  // (index, attempt)
  for (size_t i = 0; i < transfers.size(); ++i) queue.emplace_back(i, 1);
  std::vector<Waiting> waiting;
  std::vector<std::unique_ptr<Active>> active;
  const int max_attempts = std::max(1, options.max_attempts);

  auto start = [&](size_t index, int attempt) {
    auto a = std::make_unique<Active>();
    a->index = index;
    a->attempt = attempt;
    if (!self.idle_handles.empty()) {
      a->easy = std::move(self.idle_handles.back());
      self.idle_handles.pop_back();
    } else {
      a->easy.reset(curl_easy_init());
      if (!a->easy) throw Error("libcurl: cannot create a handle (out of memory?)");
    }
    a->state = std::make_unique<TransferState>();
    a->state->easy = a->easy.get();
    a->started = SteadyClock::now();
    Transfer& t = transfers[index];
    if (t.on_attempt) t.on_attempt();
    t.response.url = t.request.url;
    configure(*a->state, options, t.request, &t.on_chunk, &t.response);
    curl_multi_add_handle(self.multi, a->easy.get());
    active.push_back(std::move(a));
  };

  auto finish = [&](size_t index) {
    if (on_done) on_done(index);
  };

  while (!queue.empty() || !waiting.empty() || !active.empty()) {
    const auto now = SteadyClock::now();
    // Retries whose backoff has passed go to the front of the line.
    for (auto it = waiting.begin(); it != waiting.end();) {
      if (it->due <= now) {
        queue.emplace_front(it->index, it->attempt);
        it = waiting.erase(it);
      } else {
        ++it;
      }
    }
    while (active.size() < self.max_concurrency && !queue.empty()) {
      const auto [index, attempt] = queue.front();
      queue.pop_front();
      start(index, attempt);
    }

    int running = 0;
    curl_multi_perform(self.multi, &running);
    int pending_messages = 0;
    while (CURLMsg* message = curl_multi_info_read(self.multi, &pending_messages)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;
      auto it = std::find_if(active.begin(), active.end(), [&](const auto& a) { return a->easy.get() == easy; });
      if (it == active.end()) continue;
      std::unique_ptr<Active> done = std::move(*it);
      active.erase(it);
      curl_multi_remove_handle(self.multi, easy);
      Transfer& t = transfers[done->index];
      TransferState& state = *done->state;
      t.response.attempts = done->attempt;
      t.response.seconds += std::chrono::duration<double>(SteadyClock::now() - done->started).count();
      bool retry = false;
      if (state.handler_error) {
        t.ok = false;
        t.handler_error = state.handler_error;
        try {
          std::rethrow_exception(state.handler_error);
        } catch (const std::exception& e) {
          t.error = cat(t.request.url, ": ", e.what());
        } catch (...) {
          t.error = cat(t.request.url, ": unknown failure while reading the body");
        }
      } else if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t.response.status);
        t.ok = true;
        t.error.clear();
        if (is_retryable_status(t.response.status) && done->attempt < max_attempts) retry = true;
      } else {
        t.ok = false;
        t.error = describe_failure(state, code, t.request);
        if (done->attempt > 1) t.error += cat(" (after ", done->attempt, " attempts)");
        retry = is_retryable_code(code) && !state.over_cap && done->attempt < max_attempts &&
                classify(state, code) != Failure::kCancelled;
      }
      if (retry) {
        const auto delay = t.ok ? retry_after(t.response, options, backoff_delay(options, done->attempt))
                                : backoff_delay(options, done->attempt);
        log::debug(cat(t.request.url, ": attempt ", done->attempt, " failed (",
                       t.ok ? cat("HTTP ", t.response.status) : t.error, "), retrying in ", delay.count(), " ms"));
        waiting.push_back({done->index, done->attempt + 1, SteadyClock::now() + delay});
      }
      self.idle_handles.push_back(std::move(done->easy));
      if (!retry) finish(done->index);
    }
    if (active.empty() && queue.empty() && !waiting.empty()) {
      // Nothing in flight: sleep until the first retry is due.
      auto due = std::min_element(waiting.begin(), waiting.end(), [](const auto& a, const auto& b) {
                   return a.due < b.due;
                 })->due;
      std::this_thread::sleep_until(due);
      continue;
    }
    if (!active.empty()) curl_multi_poll(self.multi, nullptr, 0, 100, nullptr);
  }
}

}  // namespace sf::http
