#include "common/kube_client.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <random>
#include <thread>

#include "common/base64.h"
#include "common/checked_number.h"
#include "common/exec_credential.h"
#include "common/file_read.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::kube {
namespace {

using Steady = std::chrono::steady_clock;

// Thrown by watch handlers to end a stream on purpose (never escapes watch()).
struct StopStream {};

// ---- exec credentials: one cache per process, keyed by the plugin's configuration, like
// client-go's globalCache; the mutex also keeps two threads from running the plugin at once.
struct ExecCache {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const ExecCredential>> entries;
};

ExecCache& exec_cache() {
  static ExecCache cache;
  return cache;
}

std::string exec_key(const ExecConfig& e, const RestConfig& c) {
  // The cache key holds no secret: the plugin's configuration, not what it returns.
  std::string key = c.server + "\n" + e.command + "\n" + e.api_version;
  for (const auto& a : e.args) key += "\n" + a;
  for (const auto& [n, v] : e.env) key += "\n" + n + "=" + v;
  return key;
}

// The cached credential unless it expired or is the one the server just rejected.
std::shared_ptr<const ExecCredential> exec_credential(const RestConfig& config, const ExecCredential* rejected,
                                                      const Deadline& deadline) {
  ExecCache& cache = exec_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  const std::string key = exec_key(*config.exec, config);
  auto it = cache.entries.find(key);
  if (it != cache.entries.end() && it->second.get() != rejected &&
      (!it->second->expiration || Clock::now() < *it->second->expiration))
    return it->second;
  try {
    auto fresh = std::make_shared<const ExecCredential>(run_exec_plugin(*config.exec, config, deadline));
    cache.entries[key] = fresh;
    return fresh;
  } catch (const Error& e) {
    // The plugin is the culprit: the message names it; a timeout exits 1, the rest 2.
    throw FatalClientError(cat("getting credentials: ", e.what()), e.exit_code());
  }
}

std::string reason_phrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

rapidjson::Document parse_body(const http::Response& response, const std::string& what) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(response.body.data(), response.body.size());
  if (doc.HasParseError())
    throw Error(cat(what, " ", redact_url(response.url), ": the answer is not JSON (offset ", doc.GetErrorOffset(),
                    ": ", rapidjson::GetParseError_En(doc.GetParseError()), "; it begins \"",
                    printable(response.body, 80), "\"); is this a Kubernetes API server?"));
  return doc;
}

// The delay an answer asks for: the Retry-After header, else the Status's retryAfterSeconds.
std::optional<milliseconds> retry_after_of(const http::Response& response, const ApiStatus& status) {
  if (auto header = http::parse_retry_after(response.header("retry-after"))) return header;
  if (status.retry_after_seconds > 0) return milliseconds(std::min<long>(status.retry_after_seconds, 3600) * 1000);
  return std::nullopt;
}

long random_watch_timeout() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<long>(300, 600)(rng);
}

}  // namespace

// ------------------------------------------------------------------ ApiError

ApiError::ApiError(const std::string& message, long http_status, ApiStatus status,
                   std::optional<milliseconds> retry_after)
    : Error(message, (http_status == 401 || http_status == 403) ? kExitUsage : kExitFailed),
      http_status_(http_status),
      status_(std::move(status)),
      retry_after_(retry_after) {}

RetryVerdict judge_failure(const std::exception_ptr& failure) {
  RetryVerdict v;
  try {
    std::rethrow_exception(failure);
  } catch (const FatalClientError& e) {
    v.fatal = true;
    v.message = e.what();
  } catch (const ApiError& e) {
    v.message = e.what();
    v.answered = true;
    const long s = e.http_status();
    v.fatal = (s >= 300 && s < 500) && s != 404 && s != 408 && s != 409 && s != 410 && s != 429;
    v.relist = s == 404;
    if (e.retry_after()) v.at_least = *e.retry_after();
  } catch (const http::HttpError& e) {
    v.message = e.what();
  } catch (const std::exception& e) {
    // Anything else the server got wrong (a body that is not JSON, ...): it answered; LIST again.
    v.message = e.what();
    v.answered = true;
    v.relist = true;
  }
  return v;
}

// ------------------------------------------------------------------ helpers

std::string escape(std::string_view text) {
  return percent_encode(text, [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; });
}

namespace {
std::string proxy_target(std::string_view scheme, std::string_view name, std::string_view port) {
  std::string target;
  if (!scheme.empty()) target = escape(scheme) + ":";
  target += escape(name);
  if (!port.empty()) target.append(":").append(escape(port));
  return target;
}
std::string proxy_suffix(std::string_view path) {
  if (path.empty()) return "/";
  std::string out = path.front() == '/' ? std::string() : std::string("/");
  return out.append(path);
}
}  // namespace

std::string service_proxy_path(std::string_view ns, std::string_view name, std::string_view port,
                               std::string_view path, std::string_view scheme) {
  return cat("/api/v1/namespaces/", escape(ns), "/services/", proxy_target(scheme, name, port), "/proxy",
             proxy_suffix(path));
}

std::string node_proxy_path(std::string_view node, std::string_view port, std::string_view path,
                            std::string_view scheme) {
  return cat("/api/v1/nodes/", proxy_target(scheme, node, port), "/proxy", proxy_suffix(path));
}

std::string collection_path(std::string_view group_version, std::string_view resource, std::string_view ns) {
  std::string out = group_version.find('/') == std::string_view::npos ? cat("/api/", group_version)
                                                                      : cat("/apis/", group_version);
  if (!ns.empty()) out += cat("/namespaces/", escape(ns));
  out += cat("/", resource);
  return out;
}

const rapidjson::Value* path_value(const rapidjson::Value& object, std::initializer_list<const char*> path) {
  const rapidjson::Value* v = &object;
  for (const char* key : path) {
    if (!v->IsObject()) return nullptr;
    auto it = v->FindMember(key);
    if (it == v->MemberEnd()) return nullptr;
    v = &it->value;
  }
  return v;
}

std::string path_string(const rapidjson::Value& object, std::initializer_list<const char*> path) {
  const rapidjson::Value* v = path_value(object, path);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::string object_key(const rapidjson::Value& object) {
  const std::string ns = path_string(object, {"metadata", "namespace"});
  const std::string name = path_string(object, {"metadata", "name"});
  return ns.empty() ? name : ns + "/" + name;
}

// ------------------------------------------------------------------ KubeClient

struct KubeClient::Impl {
  RestConfig config;
  ClientOptions options;
  std::unique_ptr<http::Client> rest;    // buffered requests: total timeout, retries
  std::unique_ptr<http::Client> stream;  // watches: no total timeout, idle limit
  long stream_idle_seconds = 0;
  // Credentials in use, and what the clients were built with.
  std::string token;
  Steady::time_point token_read{};
  std::shared_ptr<const ExecCredential> exec;
  std::string built_token;
  const ExecCredential* built_exec = nullptr;
  bool built = false;

  http::Options base_options(bool for_stream) {
    http::Options o;
    o.connect_timeout = options.connect_timeout;
    o.total_timeout = for_stream ? milliseconds(0) : options.request_timeout;
    o.idle_timeout = for_stream ? milliseconds(stream_idle_seconds * 1000) : milliseconds(0);
    o.deadline = options.deadline;
    // A watch runs for minutes; the decoder caps each event, so the stream itself is not capped.
    // One buffered answer (a LIST page) may not exceed the LIST cap.
    o.max_body_bytes = for_stream ? (size_t{1} << 40) : options.max_list_bytes;
    o.max_attempts = for_stream ? 1 : std::max(1, options.max_attempts);
    o.gzip = !config.disable_compression;
    o.user_agent = options.user_agent;
    o.headers = config.headers;
    o.headers.push_back("Accept: application/json");
    o.proxy = config.proxy_url;  // kubeconfig proxy-url, as client-go: every request goes through it
    o.canceller = options.canceller;
    if (!config.https()) return o;  // credentials only over TLS, as client-go
    o.tls = config.tls;
    if (exec) {
      if (!exec->token.empty()) o.bearer_token = exec->token;
      if (!exec->client_cert_pem.empty()) {
        o.tls.client_cert_pem = exec->client_cert_pem;
        o.tls.client_key_pem = exec->client_key_pem;
        o.tls.client_cert_file.clear();
        o.tls.client_key_file.clear();
      }
    } else if (!token.empty()) {
      o.bearer_token = token;  // the HTTP layer drops trailing spaces, as Go's HTTP/1.1 writer does
    } else if (!config.basic_auth.empty()) {
      o.headers.push_back("Authorization: Basic " + base64_encode(config.basic_auth));
    }
    return o;
  }

  // Brings credentials up to date (tokenFile every minute, exec until expiry) and rebuilds the
  // HTTP clients when they changed.
  void refresh_credentials(const ExecCredential* rejected = nullptr) {
    if (config.https()) {
      if (!config.token_file.empty() && (token_read == Steady::time_point{} ||
                                         Steady::now() - token_read > std::chrono::minutes(1))) {
        try {
          std::string fresh = read_token_file(config.token_file);
          if (!header_safe(fresh)) throw Error("the token file now holds a control character");
          token = std::move(fresh);
        } catch (const Error& e) {
          log::debug(cat("keeping the last token: ", e.what()));  // the last good value wins
        }
        token_read = Steady::now();
      }
      if (config.exec)
        exec = exec_credential(config, rejected,
                               Deadline::after(options.exec_timeout,
                                               cat("the ", options.exec_timeout.count() / 1000, "s limit for exec plugins"))
                                   .earlier(options.deadline));
    }
    if (built && token == built_token && exec.get() == built_exec) return;
    rest = std::make_unique<http::Client>(base_options(false));
    stream = std::make_unique<http::Client>(base_options(true));
    built_token = token;
    built_exec = exec.get();
    built = true;
  }

  std::string describe_transport(const http::HttpError& e) const {
    return cat("API server ", redact_url(config.server), " (", config.origin, "): ", e.what());
  }

  // Sends with credentials; on 401 with an exec plugin, runs it again once.
  http::Response perform(const http::Request& request, const http::ChunkHandler* on_chunk) {
    refresh_credentials();
    for (int attempt = 0;; ++attempt) {
      http::Response response;
      try {
        response = on_chunk != nullptr ? stream->stream(request, *on_chunk) : rest->send(request);
      } catch (const http::HttpError& e) {
        // Waiting fixes none of these: each is named for what it is, from its type.
        const std::string server = redact_url(config.server);
        switch (e.failure()) {
          case http::Failure::kTlsUntrusted:
            if (e.detail().tls_wrong_name)
              throw FatalClientError(cat("cannot verify the API server ", server, " (", config.origin, "): ", e.what(),
                                         ". The CA is right, the name is not: point the kubeconfig's server at a "
                                         "name its certificate holds, or set tls-server-name in its cluster entry. "
                                         "Verification is never turned off silently."),
                                     kExitUsage);
            throw FatalClientError(cat("cannot verify the API server ", server, " (", config.origin, "): ", e.what(),
                                       ". The CA used was ", config.ca_source,
                                       "; if the cluster was re-created, its kubeconfig changed: use the new one. "
                                       "Verification is never turned off silently."),
                                   kExitUsage);
          case http::Failure::kTlsRejected:
            throw FatalClientError(cat("the API server ", server, " rejected the client certificate of ",
                                       config.user_where, " (", config.origin, "): ", e.what(),
                                       " Re-export the kubeconfig."),
                                   kExitUsage);
          case http::Failure::kTlsCredential:
            throw FatalClientError(cat("the client certificate or CA of ", config.user_where, " (", config.origin,
                                       ") cannot be used: ", e.what()),
                                   kExitUsage);
          case http::Failure::kTls:
            throw FatalClientError(cat("no TLS connection to the API server ", server, " (", config.origin, "): ",
                                       e.what()),
                                   kExitUsage);
          case http::Failure::kTooLarge:
            throw FatalClientError(cat(request.method, " ", redact_url(request.url), " (", config.origin,
                                       "): the answer is larger than the ", describe_size(options.max_list_bytes),
                                       " cap (", options.max_list_bytes, " bytes)",
                                       options.cap_hint.empty() ? std::string() : "; " + options.cap_hint),
                                   kExitFailed);
          default:
            break;
        }
        throw e.with_message(describe_transport(e));
      }
      if (response.status == 401 && exec && attempt == 0) {
        log::debug("401 Unauthorized: running the exec credential plugin again");
        refresh_credentials(exec.get());
        continue;
      }
      return response;
    }
  }
};

KubeClient::KubeClient(RestConfig config, ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->options = std::move(options);
  impl_->stream_idle_seconds = 0;
  impl_->token = impl_->config.bearer_token;  // tokenFile, when set, refreshes it
  if (!impl_->config.token_file.empty()) impl_->token_read = Steady::now();  // read at load
}

KubeClient::~KubeClient() = default;

const RestConfig& KubeClient::config() const { return impl_->config; }

std::string KubeClient::url(std::string_view path, const Query& query) const {
  std::string out = impl_->config.server + std::string(path);
  char separator = path.find('?') == std::string_view::npos ? '?' : '&';
  for (const auto& [key, value] : query) {
    out += separator + escape(key) + "=" + escape(value);
    separator = '&';
  }
  return out;
}

http::Options KubeClient::http_options() {
  impl_->refresh_credentials();
  return impl_->base_options(false);
}

http::Response KubeClient::send(const http::Request& request) { return impl_->perform(request, nullptr); }

ApiError KubeClient::api_error(const http::Response& response, const std::string& method) const {
  const RestConfig& c = impl_->config;
  ApiStatus status;
  const bool has_status = parse_status_body(response.body, status);
  // Server text is untrusted: shown escaped (no terminal control sequences), and cut short.
  std::string message = cat(method, " ", redact_url(response.url), ": HTTP ", response.status);
  const std::string phrase = reason_phrase(response.status);
  if (!phrase.empty()) message += " " + phrase;
  if (has_status && !status.message.empty()) {
    message += ": " + printable(status.message, 1024);
  } else if (!response.body.empty() && !has_status) {
    message += ": " + printable(trim(response.body), 300);
  }
  if (response.status >= 300 && response.status < 400) {
    const std::string location = response.header("location");
    message += location.empty() ? std::string("; the server redirects without saying where")
                                : cat("; the server redirects to ", printable(redact_url(location), 512));
    message += "; point the kubeconfig's server at the API server itself (redirects are not followed, so that "
               "credentials never go elsewhere)";
  }
  if ((response.status == 401 || response.status == 403) && c.credentials_withheld)
    message += cat(". The server ", redact_url(c.server), " is plain http, so the credentials of ", c.user_where,
                   " were not sent (kubectl withholds them too); use the API server's https:// URL");
  else if (response.status == 401)
    message += cat(". The API server rejected the credentials of ", c.user_where, " (", c.origin,
                   "): an expired client certificate or token, or a kubeconfig from another cluster");
  else if (response.status == 403)
    message += cat(". ", c.user_missing ? "Anonymous (no credentials: the context's user is not defined)"
                                         : cat("User \"", c.user_name, "\""),
                   " from ", c.origin, " lacks the RBAC permission for this");
  return ApiError(message, response.status, status, retry_after_of(response, status));
}

rapidjson::Document KubeClient::get(std::string_view path, const Query& query) {
  http::Request request;
  request.url = url(path, query);
  const http::Response response = send(request);
  if (response.status < 200 || response.status >= 300) throw api_error(response, "GET");
  return parse_body(response, "GET");
}

std::optional<rapidjson::Document> KubeClient::get_if_exists(std::string_view path, const Query& query) {
  http::Request request;
  request.url = url(path, query);
  const http::Response response = send(request);
  if (response.status == 404) return std::nullopt;
  if (response.status < 200 || response.status >= 300) throw api_error(response, "GET");
  return parse_body(response, "GET");
}

ListResult KubeClient::list(std::string_view path, const ListOptions& options) {
  std::vector<rapidjson::Document> items;
  ListResult result = list_each(
      path, options,
      [&](const rapidjson::Value& item) {
        rapidjson::Document doc;
        doc.CopyFrom(item, doc.GetAllocator());
        items.push_back(std::move(doc));
      },
      [&] { items.clear(); });
  result.items = std::move(items);
  return result;
}

ListResult KubeClient::list_each(std::string_view path, const ListOptions& options,
                                 const std::function<void(const rapidjson::Value&)>& on_item,
                                 const std::function<void()>& on_restart) {
  ListResult result;
  std::string continue_token;
  bool restarted = false;
  size_t total_bytes = 0;  // all pages together stay under the cap too
  for (;;) {
    Query query;
    if (!options.label_selector.empty()) query.emplace_back("labelSelector", options.label_selector);
    if (!options.field_selector.empty()) query.emplace_back("fieldSelector", options.field_selector);
    if (options.limit > 0) query.emplace_back("limit", std::to_string(options.limit));
    if (!continue_token.empty()) query.emplace_back("continue", continue_token);
    http::Request request;
    request.url = url(path, query);
    const http::Response response = send(request);
    if (response.status == 404 && continue_token.empty()) {
      result.found = false;
      parse_status_body(response.body, result.status);
      result.items.clear();
      return result;
    }
    if (response.status == 410 && !continue_token.empty() && !restarted) {
      // The continue token expired between pages: start over for a consistent list.
      log::debug(cat("LIST ", path, ": continue token expired, listing again from the start"));
      restarted = true;
      continue_token.clear();
      if (on_restart) on_restart();
      continue;
    }
    if (response.status < 200 || response.status >= 300) throw api_error(response, "LIST");
    total_bytes += response.body.size();
    if (total_bytes > impl_->options.max_list_bytes)
      throw FatalClientError(cat("LIST ", redact_url(url(path)), " (", impl_->config.origin,
                                 "): the pages add up to more than the ", describe_size(impl_->options.max_list_bytes),
                                 " cap (raise it with --max-list-bytes only if that many objects are expected)"),
                             kExitFailed);
    rapidjson::Document page = parse_body(response, "LIST");
    if (!page.IsObject()) throw Error(cat("LIST ", redact_url(response.url), ": the answer is not a JSON object"));
    result.kind = path_string(page, {"kind"});
    result.resource_version = path_string(page, {"metadata", "resourceVersion"});
    continue_token = path_string(page, {"metadata", "continue"});
    const rapidjson::Value* items = path_value(page, {"items"});
    if (items != nullptr && items->IsArray()) {
      for (const auto& item : items->GetArray())
        if (item.IsObject()) on_item(item);
    } else if (items != nullptr && !items->IsNull()) {
      throw Error(cat("LIST ", redact_url(response.url), ": \"items\" is not a list; is this a collection path?"));
    }
    if (continue_token.empty()) return result;
  }
}

WatchResult KubeClient::watch(std::string_view path, const WatchOptions& options,
                              const std::function<bool(WatchEvent&&)>& on_event) {
  const long timeout = options.timeout_seconds > 0 ? options.timeout_seconds : random_watch_timeout();
  // Idle limit: the server ends the stream after `timeout` (at most 600 s unless asked for more);
  // silence well past that is a dead peer. Kept stable so the stream client is built once.
  const long idle = impl_->options.watch_idle_timeout.count() > 0
                        ? static_cast<long>((impl_->options.watch_idle_timeout.count() + 999) / 1000)
                        : std::max(660L, timeout + 60);
  if (idle != impl_->stream_idle_seconds) {
    impl_->stream_idle_seconds = idle;
    impl_->built = false;  // rebuild the stream client with the new idle limit
  }
  Query query{{"watch", "1"}};
  if (!options.resource_version.empty()) query.emplace_back("resourceVersion", options.resource_version);
  if (options.bookmarks) query.emplace_back("allowWatchBookmarks", "true");
  query.emplace_back("timeoutSeconds", std::to_string(timeout));
  if (!options.label_selector.empty()) query.emplace_back("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) query.emplace_back("fieldSelector", options.field_selector);
  http::Request request;
  request.url = url(path, query);

  WatchResult result;
  result.last_resource_version = options.resource_version;
  bool stop = false;
  WatchDecoder decoder(cat("WATCH ", redact_url(request.url)), [&](WatchEvent&& event) {
    if (event.type == EventType::kError) {
      result.status = event.status;
      result.end = event.status.expired() ? WatchEnd::kExpired : WatchEnd::kError;
      stop = true;
      throw StopStream{};
    }
    ++result.events;
    if (!event.resource_version.empty()) result.last_resource_version = event.resource_version;
    if (!on_event(std::move(event))) {
      result.end = WatchEnd::kStopped;
      stop = true;
      throw StopStream{};
    }
  });
  const http::ChunkHandler on_chunk = [&](std::string_view chunk) { decoder.feed(chunk); };
  http::Response response;
  try {
    response = impl_->perform(request, &on_chunk);
  } catch (const StopStream&) {
    return result;
  }
  if (stop) return result;
  if (response.status == 410) {
    result.end = WatchEnd::kExpired;
    parse_status_body(response.body, result.status);
    return result;
  }
  if (response.status < 200 || response.status >= 300) throw api_error(response, "WATCH");
  result.end = WatchEnd::kClosed;
  result.truncated = !decoder.finish();
  return result;
}

// ------------------------------------------------------------------ Reflector

Reflector::Reflector(KubeClient& client, ReflectorOptions options, Store& store, std::mutex& mutex,
                     std::function<void()> on_change)
    : client_(client),
      options_(std::move(options)),
      store_(store),
      mutex_(mutex),
      on_change_(std::move(on_change)),
      backoff_(options_.backoff_initial) {}

void Reflector::record_error(const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (store_.last_error != message) {
    store_.last_error = message;
    if (on_change_) on_change_();
  }
}

void Reflector::pause(const std::atomic<bool>& stop) {
  // Bounded exponential backoff with jitter; sleeps in slices so a stop is noticed.
  thread_local std::mt19937 rng{std::random_device{}()};
  const auto jittered = milliseconds(clamp_to_int64(
      static_cast<double>(backoff_.count()) * std::uniform_real_distribution<double>(0.8, 1.2)(rng), 0,
      3'600'000));
  const auto until = Steady::now() + jittered;
  while (!stop && Steady::now() < until)
    std::this_thread::sleep_for(std::min<Steady::duration>(until - Steady::now(), milliseconds(100)));
  backoff_ = std::min(options_.backoff_max, backoff_ * 2);
}

void Reflector::run(const std::atomic<bool>& stop) {
  const std::string& path = options_.path;
  bool need_list = true;
  while (!stop) {
    try {
      if (need_list) {
        ListResult list = client_.list(path, options_.list);
        std::lock_guard<std::mutex> lock(mutex_);
        ++store_.lists;
        store_.ever_answered = true;
        store_.synced = true;
        store_.last_error.clear();
        store_.objects.clear();
        if (!list.found) {
          // The resource type is not served yet (CRD not installed): "not yet", look again soon.
          store_.served = false;
          store_.resource_version.clear();
          if (on_change_) on_change_();
        } else {
          store_.served = true;
          for (auto& item : list.items) store_.objects[object_key(item)] = std::move(item);
          store_.resource_version = list.resource_version;
          need_list = false;
          backoff_ = options_.backoff_initial;
          if (on_change_) on_change_();
        }
      }
      if (need_list) {  // 404: poll the collection with backoff until the type appears
        pause(stop);
        continue;
      }
      WatchOptions watch = options_.watch;
      {
        // Resume from the newest resourceVersion seen: the LIST's, or the last event's.
        std::lock_guard<std::mutex> lock(mutex_);
        watch.resource_version = store_.resource_version;
        ++store_.watches;
      }
      const auto started = Steady::now();
      const WatchResult result = client_.watch(path, watch, [&](WatchEvent&& event) {
        std::lock_guard<std::mutex> lock(mutex_);
        store_.ever_answered = true;
        store_.last_error.clear();
        if (!event.resource_version.empty()) store_.resource_version = event.resource_version;
        switch (event.type) {
          case EventType::kAdded:
          case EventType::kModified:
            store_.objects[object_key(event.object)] = std::move(event.object);
            break;
          case EventType::kDeleted:
            store_.objects.erase(object_key(event.object));
            break;
          case EventType::kBookmark:
          case EventType::kError:
            break;
        }
        if (on_change_) on_change_();
        return !stop.load();
      });
      {
        std::lock_guard<std::mutex> lock(mutex_);
        store_.ever_answered = true;
        if (!result.last_resource_version.empty()) store_.resource_version = result.last_resource_version;
      }
      switch (result.end) {
        case WatchEnd::kStopped:
          return;
        case WatchEnd::kExpired:
          log::debug(cat("WATCH ", path, ": ", result.status.describe(), "; listing again"));
          need_list = true;
          continue;
        case WatchEnd::kError:
          record_error(cat("WATCH ", path, ": ", result.status.describe()));
          need_list = true;
          pause(stop);
          continue;
        case WatchEnd::kClosed:
          // Normal: the server's timeout or a restart. Resume from the last resourceVersion; a
          // stream that closes at once with nothing in it gets backoff, not a hot loop.
          if (result.events > 0 || Steady::now() - started > std::chrono::seconds(5)) {
            backoff_ = options_.backoff_initial;
          } else {
            pause(stop);
          }
          continue;
      }
    } catch (...) {
      // The one retry policy (judge_failure): fatal problems end the wait; the rest is retried
      // with bounded backoff, no sooner than a Retry-After asks (capped at 10 s).
      const RetryVerdict verdict = judge_failure(std::current_exception());
      if (verdict.fatal) throw;
      log::debug(cat(path, ": ", verdict.message));
      if (verdict.relist) need_list = true;
      if (verdict.at_least.count() > 0)
        backoff_ = std::max(backoff_, std::min(verdict.at_least, std::max(options_.backoff_max, milliseconds(10'000))));
      {
        std::lock_guard<std::mutex> lock(mutex_);
        store_.ever_answered = store_.ever_answered || verdict.answered;
      }
      record_error(verdict.message);
      pause(stop);
    }
  }
}

}  // namespace sf::kube
