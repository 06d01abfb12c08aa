#include "common/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "common/log.h"
#include "common/redact.h"
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
  int tls_alert = -1;              // fatal alert the peer sent, from the OpenSSL info callback
  bool tls_started = false;        // TCP connected, TLS handshake begun (SSL_CTX callback ran)
  bool tls_done = false;           // TLS handshake finished
  std::exception_ptr handler_error;  // what a callback caught: rethrown after the transfer
  Slist header_list;
  std::string connect_to_entry;
  Slist connect_to;
  std::string effective_url;
  char error_buffer[CURL_ERROR_SIZE] = {0};
};

// Appends while keeping the buffer's capacity on the ladder cap/2^k: the memory a capped
// answer costs must not depend on how the network cut it into chunks (left to libstdc++'s own
// doubling, a string just under the cap jumps to twice the cap). The peak is then always
// cap/2 + cap, at the last step.
void append_within_cap(std::string& body, std::string_view data, size_t cap) {
  const size_t need = body.size() + data.size();
  if (need > body.capacity()) {
    size_t target = cap;
    while (target / 2 >= need && target / 2 >= 4096) target /= 2;
    std::string bigger;
    bigger.reserve(target);  // from an empty string: exactly `target`, no growth policy applied
    bigger.append(body);
    body.swap(bigger);
  }
  body.append(data);
}

// Every callback below catches whatever is thrown inside it (the chunk handler's errors, an
// allocation failure), stores it and aborts the transfer: an exception must never unwind
// through libcurl's C frames. The caller rethrows it once curl_easy_perform has returned.
size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  try {
    const size_t n = size * count;
    state->received += n;
    if (state->received > state->options->max_body_bytes) {
      state->over_cap = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    long status = 0;
    curl_easy_getinfo(state->easy, CURLINFO_RESPONSE_CODE, &status);
    if (state->on_chunk != nullptr && *state->on_chunk && status >= 200 && status < 300) {
      (*state->on_chunk)(std::string_view(data, n));
    } else {
      append_within_cap(state->response->body, std::string_view(data, n), state->options->max_body_bytes);
    }
    return n;
  } catch (...) {
    state->handler_error = std::current_exception();
    return 0;
  }
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  try {
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
  } catch (...) {
    state->handler_error = std::current_exception();
    return 0;
  }
}

// Canceller hooks: every socket a cancellable transfer opens is registered, so cancel() can
// shut it down and wake a thread blocked in it; progress checks catch the moments in between.
int on_socket_opened(void* canceller, curl_socket_t fd, curlsocktype) {
  try {
    static_cast<Canceller*>(canceller)->add_socket(fd);
    return CURL_SOCKOPT_OK;
  } catch (...) {
    return CURL_SOCKOPT_ERROR;  // out of memory: fail this connection rather than lose track of it
  }
}

int on_socket_close(void* canceller, curl_socket_t fd) {
  static_cast<Canceller*>(canceller)->remove_socket(fd);
  return ::close(fd);
}

int on_progress(void* canceller, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Canceller*>(canceller)->cancelled() ? 1 : 0;
}

// TLS alerts, by type: an OpenSSL info callback on each connection's SSL_CTX records the fatal
// alert the peer sends (bad_certificate, unknown_ca, certificate_required...), so a rejected
// client certificate is told apart from a server we do not trust without reading message text.
int transfer_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void on_tls_info(const SSL* ssl, int where, int ret) {
  auto* state = static_cast<TransferState*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), transfer_index()));
  if (state == nullptr) return;
  if ((where & SSL_CB_HANDSHAKE_DONE) != 0) state->tls_done = true;
  // SSL_CB_READ_ALERT shares its ALERT bit with SSL_CB_WRITE_ALERT: test both bits, so that the
  // alert we send (say, unknown_ca about the server's certificate) is not taken for theirs.
  if ((where & SSL_CB_ALERT) == 0 || (where & SSL_CB_READ) == 0 || (ret >> 8) != SSL3_AL_FATAL) return;
  state->tls_alert = ret & 0xff;
}

CURLcode on_ssl_context(CURL*, void* ssl_ctx, void* user) {
  // libcurl sets the context up once the TCP connection stands, just before the handshake.
  static_cast<TransferState*>(user)->tls_started = true;
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_ex_data(ctx, transfer_index(), user);
  SSL_CTX_set_info_callback(ctx, on_tls_info);
  return CURLE_OK;
}

// Alerts that mean "your certificate is not accepted" (RFC 8446 section 6.2).
bool is_certificate_alert(int alert) {
  switch (alert) {
    case 42:   // bad_certificate
    case 43:   // unsupported_certificate
    case 44:   // certificate_revoked
    case 45:   // certificate_expired
    case 46:   // certificate_unknown
    case 48:   // unknown_ca
    case 49:   // access_denied
    case 116:  // certificate_required
      return true;
    default:
      return false;
  }
}

const char* alert_name(int alert) {
  switch (alert) {
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 70: return "protocol_version";
    case 80: return "internal_error";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    default: return "alert";
  }
}

// milliseconds for libcurl options: at least 1 (0 would mean "no limit" there).
long curl_ms(milliseconds d) { return static_cast<long>(std::clamp<long long>(d.count(), 1, 0x7fffffff)); }

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
  state.tls_alert = -1;
  state.tls_started = false;
  state.tls_done = false;
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
  // Per-request limits, capped by the one deadline of the run (total 0 = none, for streams).
  milliseconds connect = options.connect_timeout;
  milliseconds total = options.total_timeout;
  if (!options.deadline.unlimited()) {
    connect = options.deadline.capped(connect);
    total = total.count() > 0 ? options.deadline.capped(total) : options.deadline.remaining();
  }
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, curl_ms(connect));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total.count() > 0 ? curl_ms(total) : 0L);
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
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, on_ssl_context);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, &state);

  curl_slist* headers = nullptr;
  for (const auto& h : options.headers) headers = curl_slist_append(headers, h.c_str());
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  if (!options.bearer_token.empty()) {
    // As Go's HTTP/1.1 writer sends it: trailing spaces and tabs of the value are not sent.
    std::string value = "Authorization: Bearer " + options.bearer_token;
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    headers = curl_slist_append(headers, value.c_str());
  }
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

bool is_ip_literal(const std::string& url) {
  CURLU* u = curl_url();
  bool literal = false;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host != nullptr) {
      std::string h = host;
      if (h.size() > 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
      unsigned char buffer[16];
      literal = inet_pton(AF_INET, h.c_str(), buffer) == 1 || inet_pton(AF_INET6, h.c_str(), buffer) == 1;
    }
    curl_free(host);
  }
  curl_url_cleanup(u);
  return literal;
}

// How far the transfer got, from libcurl's timers (0 = that step never completed).
Phase phase_of(const TransferState& state) {
  curl_off_t lookup = 0, connect = 0, tls = 0, start = 0;
  curl_easy_getinfo(state.easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
  curl_easy_getinfo(state.easy, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(state.easy, CURLINFO_APPCONNECT_TIME_T, &tls);
  curl_easy_getinfo(state.easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
  // For https, libcurl's connect time may include the handshake: the OpenSSL callbacks say
  // exactly when the TCP connection stood and when the handshake finished.
  const bool https = state.effective_url.rfind("https://", 0) == 0;
  const bool tcp = https ? state.tls_started || connect > 0 : connect > 0;
  if (!tcp) return lookup == 0 && !is_ip_literal(state.effective_url) ? Phase::kResolving : Phase::kConnecting;
  if (https && !state.tls_done && tls == 0) return Phase::kTlsHandshake;
  if (start == 0) return Phase::kWaiting;
  return Phase::kReceiving;
}

// What kind of failure a finished transfer had, from curl's code, the TLS alert the peer sent
// and the certificate verification result; describe_failure words each kind.
FailureDetail classify(const TransferState& state, CURLcode code) {
  FailureDetail d;
  d.phase = phase_of(state);
  d.tls_alert = state.tls_alert;
  curl_easy_getinfo(state.easy, CURLINFO_SSL_VERIFYRESULT, &d.tls_verify_result);
  const Options& o = *state.options;
  d.deadline_reached = !o.deadline.unlimited() && o.deadline.remaining() <= milliseconds(20);
  if (o.canceller && o.canceller->cancelled()) d.failure = Failure::kCancelled;
  else if (state.over_cap || code == CURLE_FILESIZE_EXCEEDED) d.failure = Failure::kTooLarge;
  else if (is_certificate_alert(state.tls_alert)) d.failure = Failure::kTlsRejected;  // TLS 1.3: arrives on read
  else if (code == CURLE_OPERATION_TIMEDOUT) d.failure = Failure::kTimeout;
  else if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY) d.failure = Failure::kResolve;
  else if (code == CURLE_COULDNT_CONNECT) d.failure = Failure::kConnect;
  else if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_ISSUER_ERROR ||
           code == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
    d.failure = Failure::kTlsUntrusted;
    // No failed chain in OpenSSL's result: libcurl's own host name check failed after it.
    d.tls_wrong_name = code == CURLE_PEER_FAILED_VERIFICATION &&
                       (d.tls_verify_result == X509_V_OK || d.tls_verify_result == X509_V_ERR_UNSPECIFIED);
  }
  else if (code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CRL_BADFILE)
    d.failure = Failure::kTlsCredential;
  else if (code == CURLE_SSL_CONNECT_ERROR || code == CURLE_SSL_CLIENTCERT)
    // A verification result only counts when verification ran (OpenSSL reports UNSPECIFIED
    // before it does, e.g. when the peer does not speak TLS at all).
    d.failure = d.tls_verify_result != X509_V_OK && d.tls_verify_result != X509_V_ERR_UNSPECIFIED
                    ? Failure::kTlsUntrusted
                    : Failure::kTls;
  else if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_PARTIAL_FILE)
    d.failure = Failure::kBroken;
  else d.failure = Failure::kOther;
  return d;
}

// A transport failure as one sentence: what, where, what to do. URLs are shown redacted.
std::string describe_failure(const TransferState& state, CURLcode code, const Request& request,
                             const FailureDetail& d) {
  const std::string url = redact_url(request.url);
  const std::string where = cat(request.method, " ", url);
  const std::string detail =
      redact_urls_in(state.error_buffer[0] != '\0' ? std::string(state.error_buffer) : curl_easy_strerror(code));
  const Options& o = *state.options;
  switch (d.failure) {
    case Failure::kCancelled:
      return cat(where, ": cancelled");
    case Failure::kTooLarge:
      if (state.over_cap)
        return cat(where, ": response larger than the ", o.max_body_bytes, "-byte cap; the server sent too much",
                   o.body_cap_hint.empty() ? std::string() : " (" + o.body_cap_hint + ")");
      return cat(where, ": response announced more than the ", o.max_body_bytes, "-byte cap");
    case Failure::kTimeout: {
      const std::string limit = d.deadline_reached ? o.deadline.what() : "the per-request time limit";
      switch (d.phase) {
        case Phase::kResolving:
          return cat(where, ": timed out: the host name did not resolve (DNS) within ", limit, "; check the name and the DNS server");
        case Phase::kConnecting:
          return cat(where, ": timed out: the TCP connection was not accepted within ", limit,
                     "; is the host up and the port open (no firewall dropping packets)?");
        case Phase::kTlsHandshake:
          return cat(where, ": timed out: connected, but the TLS handshake did not finish within ", limit,
                     "; is this port really TLS, and the server not overloaded?");
        case Phase::kWaiting:
          return cat(where, ": timed out: connected and sent the request, but no answer came within ", limit,
                     "; the server accepts connections but does not answer: overloaded, stuck, or not the server "
                     "you think listens on that port");
        case Phase::kReceiving:
          return cat(where, ": timed out: the answer started but did not finish within ", limit, " (", detail, ")");
      }
      return cat(where, ": timed out (", detail, ")");
    }
    case Failure::kResolve:
      return cat(where, ": cannot resolve the host name (", detail, "); check the name and DNS");
    case Failure::kConnect:
      return cat(where, ": cannot connect (", detail, "); is the server running and the address right?");
    case Failure::kTlsUntrusted: {
      // OpenSSL's result names a chain that failed (issuer, dates). When it has none, libcurl's
      // own host name check failed after the chain verified: the CA is fine, the name is not.
      const bool chain_failed = d.tls_verify_result != X509_V_OK && d.tls_verify_result != X509_V_ERR_UNSPECIFIED;
      if (d.tls_wrong_name)
        return cat(where, ": TLS failed: the server's certificate is not for this host name (", detail,
                   "); use a name the certificate holds in the URL, or a server certificate for this name");
      const std::string why = chain_failed ? std::string(X509_verify_cert_error_string(d.tls_verify_result)) : detail;
      return cat(where, ": TLS failed: the server's certificate is not trusted (", why,
                 "); check the CA certificate you configured and the server's name");
    }
    case Failure::kTlsRejected:
      return cat(where, ": TLS failed: the server rejected our client certificate (TLS alert ", alert_name(d.tls_alert), ", ",
                 d.tls_alert, "); is it expired, or from another cluster's CA?");
    case Failure::kTlsCredential:
      return cat(where, ": TLS failed: the client certificate, key or CA file configured here cannot be used (", detail,
                 ")");
    case Failure::kTls:
      return cat(where, ": TLS failed: the handshake did not succeed (", detail,
                 d.tls_alert >= 0 ? cat("; TLS alert ", alert_name(d.tls_alert), ", ", d.tls_alert) : std::string(),
                 "); is this port TLS (https://) at all?");
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
  const auto asked = parse_retry_after(response.header("retry-after"));
  return asked ? std::min(options.backoff_max, *asked) : fallback;
}

// Sleeps `delay` unless that would pass the deadline; false (without sleeping) then.
bool sleep_within(const Options& options, milliseconds delay) {
  if (!options.deadline.unlimited() && delay >= options.deadline.remaining()) return false;
  std::this_thread::sleep_for(delay);
  return true;
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

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::kResolving: return "resolving the host name";
    case Phase::kConnecting: return "connecting";
    case Phase::kTlsHandshake: return "TLS handshake";
    case Phase::kWaiting: return "waiting for the answer";
    case Phase::kReceiving: return "receiving the answer";
  }
  return "unknown";
}

std::optional<milliseconds> parse_retry_after(std::string_view value) {
  value = trim(value);
  if (value.empty() || value.size() > 18) {
    // Longer than any sane delay: saturate (an hour is past every backoff cap anyway).
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos)
      return milliseconds(3'600'000);
    return std::nullopt;
  }
  long long seconds = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;  // an HTTP-date: the caller's own backoff applies
    seconds = seconds * 10 + (c - '0');
  }
  return milliseconds(std::min(seconds, 3'600LL) * 1000);
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
  delay = std::clamp(delay, 0.0, static_cast<double>(options.backoff_max.count()));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  // Bounded above by 1.2 x backoff_max (a millisecond count), so the conversion is exact.
  return milliseconds(static_cast<long long>(std::min(delay * jitter(rng()), 9.0e15)));
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
        throw HttpError(cat(request.method, " ", redact_url(request.url), ": cancelled"), 0, false, Failure::kCancelled);
      if (options.deadline.expired()) {
        FailureDetail d;
        d.failure = Failure::kTimeout;
        d.phase = Phase::kConnecting;
        d.deadline_reached = true;
        throw HttpError(cat(request.method, " ", redact_url(request.url), ": not sent: ", options.deadline.what(),
                            " had already run out"),
                        false, d);
      }
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
          log::debug(cat(request.method, " ", redact_url(request.url), ": HTTP ", response.status, ", retrying in ",
                         delay.count(), " ms"));
          if (sleep_within(options, delay)) continue;  // else: the deadline comes first, return the answer
        }
        return response;
      }
      const FailureDetail detail = classify(state, code);
      const bool retryable = is_retryable_code(code) && !state.over_cap && detail.failure != Failure::kCancelled;
      const std::string message = describe_failure(state, code, request, detail);
      if (retryable && attempt < attempts) {
        const auto delay = backoff_delay(options, attempt);
        log::debug(cat(message, "; retrying in ", delay.count(), " ms"));
        if (sleep_within(options, delay)) continue;
      }
      throw HttpError(attempt > 1 ? cat(message, " (after ", attempt, " attempts)") : message, retryable, detail);
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
          t.error = cat(redact_url(t.request.url), ": ", e.what());
        } catch (...) {
          t.error = cat(redact_url(t.request.url), ": unknown failure while reading the body");
        }
      } else if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t.response.status);
        t.ok = true;
        t.error.clear();
        if (is_retryable_status(t.response.status) && done->attempt < max_attempts) retry = true;
      } else {
        t.ok = false;
        const FailureDetail detail = classify(state, code);
        t.error = describe_failure(state, code, t.request, detail);
        if (done->attempt > 1) t.error += cat(" (after ", done->attempt, " attempts)");
        retry = is_retryable_code(code) && !state.over_cap && done->attempt < max_attempts &&
                detail.failure != Failure::kCancelled;
      }
      milliseconds delay(0);
      if (retry) {
        delay = t.ok ? retry_after(t.response, options, backoff_delay(options, done->attempt))
                     : backoff_delay(options, done->attempt);
        // A retry that could only start after the deadline is no retry: report this result.
        if (!options.deadline.unlimited() && delay >= options.deadline.remaining()) retry = false;
      }
      if (retry) {
        log::debug(cat(redact_url(t.request.url), ": attempt ", done->attempt, " failed (",
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
