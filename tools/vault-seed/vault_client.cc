#include "vault-seed/vault_client.h"

#include <algorithm>
#include <thread>

#include "common/deadline.h"
#include "common/kube_client.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "vault-seed/secret_gen.h"
#include "vault-seed/vault_path.h"

namespace sf::vs {
namespace {

using std::chrono::milliseconds;

constexpr size_t kMaxReplyBytes = 64u << 20;
constexpr milliseconds kConnectTimeout{5'000};

class DirectTransport : public Transport {
 public:
  explicit DirectTransport(const VaultEnv& env) : env_(env) {}

  void configure(milliseconds request_timeout, std::shared_ptr<http::Canceller> canceller,
                 Steady::time_point) override {
    options_.connect_timeout = std::min(kConnectTimeout, request_timeout);
    options_.total_timeout = request_timeout;
    options_.max_attempts = 1;  // VaultClient retries with Vault's own policy
    options_.max_body_bytes = kMaxReplyBytes;
    options_.tls = env_.tls;
    options_.canceller = std::move(canceller);
    client_ = std::make_unique<http::Client>(options_);
  }

  http::Response send(const http::Request& request) override {
    try {
      return client_->send(request);
    } catch (const http::HttpError& e) {
      throw named_client_certificate(e);
    }
  }

  http::Response stream(const http::Request& request, const http::ChunkHandler& on_chunk) override {
    http::Options o = options_;
    o.idle_timeout = o.total_timeout;       // a snapshot takes as long as it takes, while it flows
    o.total_timeout = milliseconds(0);
    o.max_body_bytes = size_t{1} << 40;     // as large as the data
    http::Client c(o);
    try {
      return c.stream(request, on_chunk);
    } catch (const http::HttpError& e) {
      throw named_client_certificate(e);
    }
  }

  std::string url(const std::string& path) const override { return env_.addr + path; }
  std::string describe() const override { return cat("Vault at ", redact_url(env_.addr)); }
  bool proxied() const override { return false; }

 private:
  // A TLS alert about our certificate: Vault's listener (tls_require_and_verify_client_cert)
  // refused the one VAULT_CLIENT_CERT names, or wants one and none was set.
  http::HttpError named_client_certificate(const http::HttpError& e) const {
    if (e.failure() != http::Failure::kTlsRejected) return e;
    return e.with_message(cat(e.what(), env_.client_cert_source.empty()
        ? std::string("; Vault's listener requires a client certificate: set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY "
                      "to one signed by the CA of its tls_client_ca_file")
        : cat("; Vault's listener does not accept ", env_.client_cert_source,
              ": give one signed by the CA of its tls_client_ca_file, and not expired")));
  }

  VaultEnv env_;
  http::Options options_;
  std::unique_ptr<http::Client> client_;
};

class KubeServiceTransport : public Transport {
 public:
  KubeServiceTransport(kube::RestConfig config, KubeService service)
      : config_(std::move(config)), service_(std::move(service)) {}

  void configure(milliseconds request_timeout, std::shared_ptr<http::Canceller> canceller,
                 Steady::time_point deadline) override {
    kube::ClientOptions o;
    o.deadline = Deadline::at(deadline, "the time given (--timeout)");  // an exec plugin's too
    o.connect_timeout = std::min(kConnectTimeout, request_timeout);
    o.request_timeout = request_timeout;
    o.max_attempts = 1;
    o.max_list_bytes = kMaxReplyBytes;  // decoded bytes: the proxy passes Vault's gzip through
    o.cap_hint = "an answer this large is not Vault's: is --via-kube-service the Vault service?";
    o.canceller = std::move(canceller);
    request_timeout_ = request_timeout;
    client_ = std::make_unique<kube::KubeClient>(config_, o);
  }

  http::Response send(const http::Request& request) override { return client_->send(request); }

  http::Response stream(const http::Request& request, const http::ChunkHandler& on_chunk) override {
    // The Kubernetes client streams watches only; a download goes through a plain client with
    // the same credentials and TLS (KubeClient::http_options, meant for exactly this).
    http::Options o = client_->http_options();
    o.idle_timeout = request_timeout_;
    o.total_timeout = milliseconds(0);
    o.max_attempts = 1;
    o.max_body_bytes = size_t{1} << 40;
    http::Client c(o);
    return c.stream(request, on_chunk);
  }

  std::string url(const std::string& path) const override {
    return config_.server + kube::service_proxy_path(service_.ns, service_.name, service_.port, path, service_.scheme);
  }
  std::string describe() const override {
    return cat("Vault through the API server ", redact_url(config_.server), " (", config_.origin, "), service ",
               service_.describe());
  }
  bool proxied() const override { return true; }

 private:
  kube::RestConfig config_;
  KubeService service_;
  milliseconds request_timeout_{60'000};
  std::unique_ptr<kube::KubeClient> client_;
};

std::vector<std::string> string_list(const rapidjson::Value& object, const char* name) {
  std::vector<std::string> out;
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& v : it->value.GetArray())
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  return out;
}

// The Go client waits 1-1.5 s between attempts; this starts at 0.5 s and doubles to 5 s.
milliseconds backoff(int failures) {
  http::Options o;
  o.backoff_initial = milliseconds(500);
  o.backoff_max = milliseconds(5'000);
  return http::backoff_delay(o, failures);
}

bool is_transport_retryable(const http::HttpError& e) {
  return e.retryable() || e.failure() == http::Failure::kConnect || e.failure() == http::Failure::kBroken;
}

}  // namespace

std::unique_ptr<Transport> direct_transport(const VaultEnv& env) { return std::make_unique<DirectTransport>(env); }

std::string KubeService::describe() const {
  return cat(ns, "/", scheme == "http" ? std::string() : scheme + ":", name, ":", port);
}

KubeService parse_kube_service(const std::string& text) {
  const auto fail = [&]() {
    return UsageError(cat("--via-kube-service '", printable(text, 64),
                          "': write NAMESPACE/SERVICE:PORT, e.g. vault/vault:8200 (NAMESPACE/https:SERVICE:PORT "
                          "for a TLS listener)"));
  };
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0) throw fail();
  KubeService s;
  s.ns = text.substr(0, slash);
  std::string rest = text.substr(slash + 1);
  if (rest.rfind("https:", 0) == 0 || rest.rfind("http:", 0) == 0) {
    const size_t colon = rest.find(':');
    s.scheme = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) throw fail();
  s.name = rest.substr(0, colon);
  s.port = rest.substr(colon + 1);
  const auto dns_label = [](const std::string& v) {
    return !v.empty() && v.size() <= 63 && std::all_of(v.begin(), v.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
  };
  if (!dns_label(s.ns) || !dns_label(s.name) || !dns_label(s.port)) throw fail();
  return s;
}

std::unique_ptr<Transport> kube_service_transport(kube::RestConfig config, const KubeService& service) {
  return std::make_unique<KubeServiceTransport>(std::move(config), service);
}

// ---------------------------------------------------------------- Reply

Reply::~Reply() { wipe(body); }

const rapidjson::Value* member(const rapidjson::Value* object, const char* name) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  const auto it = object->FindMember(name);
  return it == object->MemberEnd() ? nullptr : &it->value;
}

const rapidjson::Value* Reply::data() const {
  if (!json.IsObject()) return nullptr;
  const auto it = json.FindMember("data");
  if (it == json.MemberEnd() || !it->value.IsObject()) return nullptr;
  return &it->value;
}

bool Reply::has_error(const std::string& text) const {
  return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

std::string Reply::error_text() const {
  std::string out;
  for (const auto& e : errors) {
    // go-multierror texts ("1 error occurred:\n\t* permission denied\n\n") read better flat.
    std::string flat;
    for (const auto& line : split(e, '\n')) {
      std::string_view t = trim(line);
      if (t.rfind("* ", 0) == 0) t.remove_prefix(2);
      if (t.empty() || t.find("error occurred") != std::string_view::npos ||
          t.find("errors occurred") != std::string_view::npos)
        continue;
      flat += cat(flat.empty() ? "" : "; ", t);
    }
    out += cat(out.empty() ? "" : "; ", flat.empty() ? e : flat);
  }
  if (out.empty() && from_api_server) out = api_server_message;
  return printable(out, 400);
}

void parse_reply(Reply& reply) {
  reply.errors.clear();
  reply.warnings.clear();
  reply.from_api_server = false;
  reply.json.SetNull();
  if (reply.body.empty()) return;
  rapidjson::Document doc;
  doc.Parse(reply.body.data(), reply.body.size());
  if (doc.HasParseError() || !doc.IsObject()) return;
  const rapidjson::Value& root = doc;  // const iterators: clang reads != on rapidjson's as ambiguous in C++20
  const auto kind = root.FindMember("kind");
  if (kind != root.MemberEnd() && kind->value.IsString() && std::string(kind->value.GetString()) == "Status" &&
      root.HasMember("apiVersion")) {
    reply.from_api_server = true;
    const auto m = root.FindMember("message");
    if (m != root.MemberEnd() && m->value.IsString()) reply.api_server_message = m->value.GetString();
  }
  reply.errors = string_list(doc, "errors");
  reply.warnings = string_list(doc, "warnings");
  reply.json = std::move(doc);
}

bool retryable_reply(const Reply& reply) {
  const long s = reply.status;
  if (s == 429 || s == 412) return true;
  if (s < 500 || s == 501) return false;
  if (!reply.from_api_server && reply.has_error(texts::kSealed)) return false;  // a state
  return true;
}

// ---------------------------------------------------------------- VaultClient

VaultClient::VaultClient(std::unique_ptr<Transport> transport, const VaultEnv& env, Steady::time_point deadline)
    : transport_(std::move(transport)),
      namespace_(env.namespace_),
      client_timeout_(env.client_timeout),
      max_retries_(env.max_retries),
      deadline_(deadline) {
  transport_->configure(client_timeout_, canceller_, deadline_);
  watchdog_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(watchdog_mutex_);
    if (!watchdog_wake_.wait_until(lock, deadline_, [this] { return watchdog_stop_; })) canceller_->cancel();
  });
}

VaultClient::~VaultClient() {
  {
    std::lock_guard<std::mutex> lock(watchdog_mutex_);
    watchdog_stop_ = true;
  }
  watchdog_wake_.notify_all();
  watchdog_.join();
  wipe(token_);
}

milliseconds VaultClient::remaining() const {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Steady::now());
  return std::max(milliseconds(0), left);
}

void VaultClient::pause(milliseconds delay, const std::string& what) const {
  if (delay >= remaining())
    throw DeadlineError(cat("the time given (--timeout) ran out while ", what, " (", describe(), ")"));
  std::this_thread::sleep_for(delay);
}

void VaultClient::require_time_left(const std::string& what) const {
  if (remaining() < milliseconds(50))
    throw DeadlineError(cat("the time given (--timeout) ran out before ", what, " (", describe(), ")"));
}

void VaultClient::rethrow_transport(const http::HttpError& e, const std::string& what) const {
  if (e.failure() == http::Failure::kCancelled)
    throw DeadlineError(cat("the time given (--timeout) ran out while ", what, " (", describe(), ")"));
  // Vault's answers are a few KiB (a snapshot streams past the cap): one over it is not worth
  // a flag, it is not Vault's.
  const std::string hint = e.failure() == http::Failure::kTooLarge
                               ? "; an answer this large is not Vault's: is VAULT_ADDR (or --via-kube-service) Vault?"
                               : "";
  throw http::HttpError(cat(e.what(), " (", what, ")", hint), e.status(), e.retryable(), e.failure());
}

http::Request VaultClient::make_request(const std::string& method, const std::string& path, const std::string& body,
                                        const CallOptions& options) const {
  http::Request r;
  r.method = method;
  const size_t q = path.find('?');
  r.url = transport_->url(api_path(q == std::string::npos ? path : path.substr(0, q))) +
          (q == std::string::npos ? std::string() : path.substr(q));
  r.body = body;
  r.headers.push_back("X-Vault-Request: true");
  if (!body.empty()) r.headers.push_back("Content-Type: application/json");
  if (options.authenticated && !token_.empty()) r.headers.push_back("X-Vault-Token: " + token_);
  if (!namespace_.empty()) r.headers.push_back("X-Vault-Namespace: " + namespace_);
  return r;
}

Reply VaultClient::call(const std::string& method, const std::string& path, const std::string& body,
                        const CallOptions& options) {
  const std::string what = options.what.empty() ? cat(method, " ", path) : options.what;
  int failures = 0;
  bool refreshed = false;
  for (int attempt = 1;; ++attempt) {
    require_time_left(what);
    http::Request request = make_request(method, path, body, options);
    Reply reply;
    try {
      http::Response response = transport_->send(request);
      ++requests_;
      wipe(request.body);
      for (auto& h : request.headers) wipe(h);
      reply.status = response.status;
      reply.body = std::move(response.body);
      reply.attempts = attempt;
      reply.location = response.header("location");
      parse_reply(reply);
      if (transport_->proxied() && !reply.json.IsObject() && reply.status >= 500) {
        reply.from_api_server = true;  // not Vault's JSON: the proxy's own answer
        reply.api_server_message = printable(reply.body, 200);
      }
      const bool again = options.retry && failures < max_retries_ && retryable_reply(reply);
      if (again) {
        ++failures;
        milliseconds delay = backoff(failures);
        // Whole seconds, saturated (the shared parser): a huge or fractional value cast to an
        // integer was undefined behaviour, and in practice a negative delay, so no wait at all.
        if (const auto asked = http::parse_retry_after(response.header("retry-after")))
          delay = std::min(milliseconds(5'000), *asked);
        log::debug(cat(what, ": HTTP ", reply.status, reply.from_api_server ? " from the API server" : "",
                       ", retrying in ", delay.count(), " ms"));
        pause(delay, what);
        continue;
      }
      if (options.authenticated && options.refresh_token && reply.status == 403 &&
          reply.has_error(texts::kInvalidToken) && refresher_ && !refreshed) {
        refreshed = true;
        std::string fresh = refresher_();
        if (!fresh.empty() && fresh != token_) {
          log::debug(cat(what, ": the token was revoked meanwhile; sending again with the init file's current token"));
          token_ = std::move(fresh);
          continue;
        }
      }
      if (options.retry && reply.status == 400 && reply.has_error(texts::kKvUpgrading)) {
        // A KV v2 mount upgrades its storage right after it is made: a moment, not an error.
        pause(milliseconds(std::min(1'000, 50 * attempt)), what);
        continue;
      }
      return reply;
    } catch (const http::HttpError& e) {
      ++requests_;
      wipe(request.body);
      for (auto& h : request.headers) wipe(h);
      if (!options.retry || failures >= max_retries_ || !is_transport_retryable(e) ||
          e.failure() == http::Failure::kCancelled)
        rethrow_transport(e, what);
      ++failures;
      const milliseconds delay = backoff(failures);
      log::debug(cat(what, ": ", e.what(), "; retrying in ", delay.count(), " ms"));
      pause(delay, what);
    }
  }
}

Reply VaultClient::download(const std::string& path, const http::ChunkHandler& on_chunk, const CallOptions& options) {
  const std::string what = options.what.empty() ? cat("GET ", path) : options.what;
  require_time_left(what);
  http::Request request = make_request("GET", path, "", options);
  http::Response response;
  try {
    response = transport_->stream(request, on_chunk);
  } catch (const http::HttpError& e) {
    for (auto& h : request.headers) wipe(h);
    rethrow_transport(e, what);
  }
  ++requests_;
  for (auto& h : request.headers) wipe(h);
  Reply reply;
  reply.status = response.status;
  reply.body = std::move(response.body);
  reply.attempts = 1;
  parse_reply(reply);
  return reply;
}

std::string VaultClient::explain(const Reply& reply, const std::string& what) const {
  if (reply.from_api_server) {
    std::string hint;
    const std::string& m = reply.api_server_message;
    if (reply.status == 503 && m.find("no endpoints") != std::string::npos)
      hint = "; the Vault pod is not running or not ready yet (kind-wait --for pod/vault/vault-0=Running)";
    else if (reply.status == 404)
      hint = "; is Vault deployed (Argo CD application vault), and is the service name right?";
    else if (reply.status == 401)
      hint = "; the kubeconfig's credentials were rejected";
    else if (reply.status == 403)
      hint = "; the kubeconfig's user needs get on services/proxy in the service's namespace";
    else if (reply.status >= 500)
      hint = "; the API server could not reach the Vault pod";
    return cat("the API server answered HTTP ", reply.status, " for ", what, " (", describe(), "): ",
               printable(m, 300), hint);
  }
  std::string redirect;
  if (reply.status >= 300 && reply.status < 400)
    redirect = cat("; Vault redirects", reply.location.empty() ? "" : cat(" to ", printable(redact_urls_in(reply.location), 200)),
                   " (a standby sends clients to the active node), and vault-seed does not follow redirects, which would "
                   "send the token on: point VAULT_ADDR at the address it names");
  return cat(describe(), ": ", what, ": HTTP ", reply.status, reply.errors.empty() ? "" : ": ", reply.error_text(),
             redirect);
}

}  // namespace sf::vs
