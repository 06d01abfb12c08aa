// One context -> RestConfig, as client-go's DirectClientConfig.ClientConfig does it
// (tools/clientcmd/client_config.go; ConfirmUsable's checks and messages from validation.go):
//
//   - the server URL: the scheme is case-insensitive (HTTPS:// is https); a server without a
//     scheme is plain http, even with a CA configured (IsConfigTransportTLS is asked before the
//     TLS settings are merged in);
//   - credentials are read only for an https server (client-go: "only try to read the auth
//     information if we are secure"); impersonation headers are sent either way;
//   - a user with both token and tokenFile sends the file's token (trimmed), falling back to
//     the token when the file cannot be read (transport.NewBearerAuthWithRefreshRoundTripper);
//   - a context whose user no file defines sends no credentials;
//   - a client key that does not belong to its certificate, or a CA bundle without a
//     certificate, is refused here, as client-go's transport setup refuses it.
//
// Deliberately stricter than client-go, with the same outcome or a clearer one: a credential
// holding a control character (which Go's HTTP client refuses per request, and which would
// otherwise add header lines) is refused here, username and password included, with a message
// naming the user and file and never the value.
#include <algorithm>
#include <cstring>

#include "common/file_read.h"
#include "common/kubeconfig.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/tls_material.h"

namespace sf::kube {
namespace {

constexpr const char* kExecV1 = "client.authentication.k8s.io/v1";
constexpr const char* kExecV1beta1 = "client.authentication.k8s.io/v1beta1";

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const auto& i : items) q.push_back("\"" + i + "\"");
  return q.empty() ? std::string("none") : join(q, ", ");
}

std::string files_text(const Config& config) {
  return config.files.empty() ? std::string("kubeconfig") : cat("kubeconfig ", join(config.files, ":"));
}

// Whether the file can be opened for reading (ConfirmUsable opens it); `error` gets why not.
bool readable(const std::string& path, std::string& error) {
  try {
    read_small_file(path, kMaxCredentialFileBytes, "file");
    return true;
  } catch (const FileReadError& e) {
    const std::string what = e.what();
    const auto colon = what.find(": ", path.size());
    error = colon == std::string::npos ? what : what.substr(colon + 2);
    return false;
  }
}

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// client-go's DefaultServerURL over url.Parse: "HTTPS://h" is https://h; "h:6443" (no scheme)
// is http://h:6443 and may carry no path. Query and fragment are dropped, and the trailing '/'
// of a path prefix (requests append /api/...).
std::string server_url(const std::string& raw, const std::string& where) {
  const std::string shown = redact_url(raw);
  for (const char c : raw)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      throw KubeconfigError(cat(where, ": server \"", printable(shown), "\" holds a space or control character; "
                                       "it must be a URL like https://127.0.0.1:6443"));
  std::string url = raw;
  const size_t sep = url.find("://");
  bool has_scheme = sep != std::string::npos && sep > 0 && std::isalpha(static_cast<unsigned char>(url[0]));
  for (size_t i = 0; has_scheme && i < sep; ++i) has_scheme = scheme_char(url[i]);
  if (has_scheme) {
    std::string scheme = to_lower(url.substr(0, sep));
    url = scheme + url.substr(sep);
    if (scheme != "https" && scheme != "http")
      throw KubeconfigError(cat(where, ": server \"", printable(shown), "\" is not an https:// URL (scheme \"", scheme,
                                "\"); kind writes https://127.0.0.1:<port>"));
  } else {
    url = "http://" + url;
  }
  const size_t authority = url.find("://") + 3;
  const size_t path_start = url.find_first_of("/?#", authority);
  if (path_start == authority || authority == url.size())
    throw KubeconfigError(cat(where, ": server \"", printable(shown), "\" names no host"));
  if (!has_scheme && path_start != std::string::npos) {
    const size_t end = url.find_first_of("?#", path_start);
    const std::string path = url.substr(path_start, end == std::string::npos ? std::string::npos : end - path_start);
    if (!path.empty() && path != "/")
      throw KubeconfigError(cat(where, ": server \"", printable(shown), "\": host must be a URL or a host:port pair"));
  }
  if (const auto q = url.find_first_of("?#", authority); q != std::string::npos) url.resize(q);
  while (url.size() > authority && url.back() == '/') url.pop_back();
  return url;
}

// client-go's parseProxyURL: http, https or socks5.
void check_proxy_url(const std::string& proxy, const std::string& cluster, std::vector<std::string>& problems,
                     const std::string& where) {
  const size_t sep = proxy.find("://");
  const std::string scheme = sep == std::string::npos ? std::string() : to_lower(proxy.substr(0, sep));
  if (scheme == "http" || scheme == "https" || scheme == "socks5") return;
  problems.push_back(cat(where, ": invalid 'proxy-url' \"", printable(redact_url(proxy)), "\" for cluster \"", cluster,
                         "\": unsupported scheme \"", printable(scheme), "\", must be http, https, or socks5"));
}

// A credential about to become a header: refused, never quoted, when it holds a control
// character (CR LF would start a header of its own).
void require_header_safe(std::string_view value, const std::string& what, const std::string& user_where) {
  if (header_safe(value)) return;
  throw KubeconfigError(cat(user_where, ": ", what,
                            " holds a control character (CR, LF or another byte below 0x20, or DEL), which an HTTP "
                            "header cannot carry; fix it in the kubeconfig (a YAML block scalar adds a newline: use "
                            "|- or a quoted string)"));
}

std::string read_pem_file(const std::string& path, const std::string& role) {
  try {
    return read_small_file(path, kMaxCredentialFileBytes, role);
  } catch (const FileReadError& e) {
    throw KubeconfigError(e.what());
  }
}

}  // namespace

bool header_safe(std::string_view value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

std::string header_value(std::string_view value) {
  const auto first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = value.find_last_not_of(" \t");
  return std::string(value.substr(first, last - first + 1));
}

std::string percent_encode(std::string_view text, bool (*keep)(unsigned char)) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string header_key_escape(std::string_view key) {
  // HTTP token characters (RFC 7230 tchar) stay, except '%', which url.PathUnescape would read.
  return percent_encode(key, [](unsigned char c) {
    return c < 0x80 && (std::isalnum(c) || (c != '%' && std::strchr("!#$&'*+-.^_`|~", c) != nullptr && c != 0));
  });
}

std::string read_token_file(const std::string& path, std::string_view role) {
  std::string text;
  try {
    text = read_small_file(path, kMaxCredentialFileBytes, role);
  } catch (const FileReadError& e) {
    throw KubeconfigError(e.what());
  }
  const std::string token(trim(text));  // client-go's fileTokenSource: strings.TrimSpace
  if (token.empty()) throw KubeconfigError(cat(role, " ", path, ": read an empty token; write the token into it"));
  // Every caller sends it as a bearer header: CR LF inside would start a header of its own.
  if (!header_safe(token))
    throw KubeconfigError(cat(role, " ", path, ": the token holds a control character (CR, LF or another byte below ",
                              "0x20, or DEL), which an HTTP header cannot carry; it is not shown: write the token on one line"));
  return token;
}

bool RestConfig::https() const { return server.rfind("https://", 0) == 0; }

RestConfig resolve(const Config& config, const std::string& context_override) {
  const std::string files = files_text(config);
  std::vector<std::string> context_names;
  for (const auto& [name, c] : config.contexts) context_names.push_back(name);

  // A --context that no file defines is an error first (client-go's getContext), even when the
  // files hold nothing at all.
  if (!context_override.empty() && config.contexts.count(context_override) == 0)
    throw KubeconfigError(cat(files, ": context \"", context_override, "\" does not exist (contexts: ",
                              quoted_list(context_names), ")"),
                          true);
  if (config.empty())
    throw KubeconfigError(cat(files, ": no configuration has been provided (no clusters, users or contexts); "
                                     "create the cluster first or point --kubeconfig/KUBECONFIG at its kubeconfig"),
                          true);
  const std::string context_name = context_override.empty() ? config.current_context : context_override;
  if (context_name.empty())
    throw KubeconfigError(cat(files, ": no current-context is set; choose one with --context (contexts: ",
                              quoted_list(context_names), ")"),
                          true);
  const auto context_it = config.contexts.find(context_name);
  if (context_it == config.contexts.end())
    throw KubeconfigError(cat(files, ": context was not found for specified context: ", context_name,
                              " (current-context in ", config.current_context_source, "; contexts: ",
                              quoted_list(context_names), ")"),
                          true);
  const Context& context = context_it->second;
  const std::string where_context = cat(context.source, ":", context.line, ": context \"", context.name, "\"");

  // ConfirmUsable: collect every problem of the chosen context, its user and its cluster.
  std::vector<std::string> problems;
  bool transient = false;
  const Cluster* cluster = nullptr;
  static const AuthInfo anonymous;
  const AuthInfo* user = &anonymous;
  bool user_missing = false;
  // client-go: a user that no file defines (or none named) is an empty AuthInfo: no credentials.
  if (auto it = config.users.find(context.user); it != config.users.end()) user = &it->second;
  else user_missing = true;
  if (context.cluster.empty()) {
    problems.push_back(cat(where_context, ": cluster was not specified for context \"", context.name,
                           "\" (kubectl would fall back to its built-in default server)"));
  } else if (auto it = config.clusters.find(context.cluster); it == config.clusters.end()) {
    problems.push_back(cat(where_context, ": cluster \"", context.cluster, "\" was not found for context \"",
                           context.name, "\" (kubectl would fall back to its built-in default server)"));
    transient = true;
  } else {
    cluster = &it->second;
  }
  if (!user_missing) {
    const AuthInfo& u = *user;
    const std::string w = cat(u.source, ":", u.line, ": user \"", u.name, "\"");
    std::vector<std::string> methods;
    if (!u.token.empty()) methods.push_back("token");
    if (!u.username.empty() || !u.password.empty()) methods.push_back("basicAuth");
    const bool has_cert = !u.client_certificate.empty() || !u.client_certificate_data.empty();
    if (has_cert) {
      if (!u.client_certificate.empty() && !u.client_certificate_data.empty())
        problems.push_back(cat(w, ": client-cert-data and client-cert are both specified for ", u.name,
                               ". client-cert-data will override."));
      if (!u.client_key.empty() && !u.client_key_data.empty())
        problems.push_back(cat(w, ": client-key-data and client-key are both specified for ", u.name,
                               "; client-key-data will override"));
      if (u.client_key.empty() && u.client_key_data.empty())
        problems.push_back(cat(w, ": client-key-data or client-key must be specified for ", u.name,
                               " to use the clientCert authentication method."));
      std::string error;
      if (!u.client_certificate.empty() && !readable(u.client_certificate, error))
        problems.push_back(cat(w, ": unable to read client-cert ", u.client_certificate, " for ", u.name,
                               " due to ", error));
      if (!u.client_key.empty() && !readable(u.client_key, error))
        problems.push_back(cat(w, ": unable to read client-key ", u.client_key, " for ", u.name, " due to ", error));
    }
    if (u.exec) {
      const ExecConfig& e = *u.exec;
      if (u.has_auth_provider)
        problems.push_back(cat(w, ": authProvider cannot be provided in combination with an exec plugin for ",
                               u.name));
      if (e.command.empty())
        problems.push_back(cat(w, ": command must be specified for ", u.name, " to use exec authentication plugin"));
      if (e.api_version.empty())
        problems.push_back(cat(w, ": apiVersion must be specified for ", u.name,
                               " to use exec authentication plugin"));
      else if (e.api_version != kExecV1 && e.api_version != kExecV1beta1)
        problems.push_back(cat(w, ": exec plugin: invalid apiVersion \"", e.api_version, "\" (use ", kExecV1,
                               " or ", kExecV1beta1, ")"));
      for (const auto& [name, value] : e.env)
        if (name.empty())
          problems.push_back(cat(w, ": env variable name must be specified for ", u.name,
                                 " to use exec authentication plugin"));
      if (e.interactive_mode.empty())
        problems.push_back(cat(w, ": interactiveMode must be specified for ", u.name,
                               " to use exec authentication plugin"));
      else if (e.interactive_mode != "Never" && e.interactive_mode != "IfAvailable" &&
               e.interactive_mode != "Always")
        problems.push_back(cat(w, ": invalid interactiveMode for ", u.name, ": \"", e.interactive_mode, "\""));
    }
    if (methods.size() > 1)
      problems.push_back(cat(w, ": more than one authentication method found for ", u.name, "; found [",
                             join(methods, " "), "], only one is allowed"));
    if ((!u.impersonate_uid.empty() || !u.impersonate_groups.empty() || !u.impersonate_extra.empty()) &&
        u.impersonate.empty())
      problems.push_back(cat(w, ": requesting uid, groups or user-extra for ", u.name,
                             " without impersonating a user"));
  }
  if (cluster != nullptr) {
    const Cluster& c = *cluster;
    const std::string w = cat(c.source, ":", c.line, ": cluster \"", c.name, "\"");
    if (c.server.empty()) problems.push_back(cat(w, ": no server found for cluster \"", c.name, "\""));
    if (!c.proxy_url.empty()) check_proxy_url(c.proxy_url, c.name, problems, w);
    if (!c.certificate_authority.empty() && c.has_certificate_authority_data)
      problems.push_back(cat(w, ": certificate-authority-data and certificate-authority are both specified for ",
                             c.name, ". certificate-authority-data will override."));
    std::string error;
    if (!c.certificate_authority.empty() && !readable(c.certificate_authority, error))
      problems.push_back(cat(w, ": unable to read certificate-authority ", c.certificate_authority, " for ", c.name,
                             " due to ", error));
  }
  if (!problems.empty()) {
    std::string message = cat("invalid configuration in ", files, " (context \"", context.name, "\"):");
    for (const auto& p : problems) message += "\n  " + p;
    throw KubeconfigError(message, transient);
  }

  const Cluster& c = *cluster;
  const AuthInfo& u = *user;
  RestConfig rest;
  rest.context_name = context.name;
  rest.cluster_name = c.name;
  rest.user_name = context.user;
  rest.user_missing = user_missing;
  if (!context.namespace_.empty()) rest.namespace_ = context.namespace_;
  rest.origin = cat("kubeconfig ", context.source, " (context \"", context.name, "\")");
  rest.user_where = user_missing ? cat("user \"", context.user, "\" (not defined in ", files, ")")
                                 : cat("user \"", u.name, "\" in ", u.source);
  const std::string cluster_where = cat("cluster \"", c.name, "\" in ", c.source);
  const std::string& user_where = rest.user_where;

  rest.server = server_url(c.server, cluster_where);
  rest.disable_compression = c.disable_compression;
  rest.proxy_url = c.proxy_url;
  rest.exec_extension_json = c.exec_extension_json;

  // Impersonation travels over http and https alike (set before client-go's TLS check).
  if (!u.impersonate.empty()) {
    auto add = [&](const std::string& name, const std::string& value, const std::string& what) {
      require_header_safe(value, what, user_where);
      rest.headers.push_back(name + ": " + header_value(value));
    };
    add("Impersonate-User", u.impersonate, "as");
    if (!u.impersonate_uid.empty()) add("Impersonate-Uid", u.impersonate_uid, "as-uid");
    for (const auto& g : u.impersonate_groups) add("Impersonate-Group", g, "as-groups");
    for (const auto& [key, values] : u.impersonate_extra)
      for (const auto& v : values) add("Impersonate-Extra-" + header_key_escape(key), v, "as-user-extra");
  }

  if (!rest.https()) {
    // client-go reads credentials only for TLS transports: nothing is sent in clear text.
    rest.ca_source = "none (plain http)";
    rest.credentials_withheld = !u.token.empty() || !u.token_file.empty() || !u.username.empty() ||
                                !u.password.empty() || u.exec || !u.client_certificate.empty() ||
                                !u.client_certificate_data.empty();
    return rest;
  }

  // Server identification.
  const bool has_ca = !c.certificate_authority.empty() || c.has_certificate_authority_data;
  if (c.insecure_skip_tls_verify && has_ca)
    throw KubeconfigError(cat(cluster_where, ": specifying a root certificates file with the insecure flag is not "
                                             "allowed (remove insecure-skip-tls-verify or the certificate-authority)"));
  if (!c.tls_server_name.empty() &&
      (!header_safe(c.tls_server_name) || c.tls_server_name.find_first_of(" \t:/") != std::string::npos))
    throw KubeconfigError(cat(cluster_where, ": tls-server-name must be a host name"));
  rest.tls.verify = !c.insecure_skip_tls_verify;
  rest.tls.server_name = c.tls_server_name;
  if (c.has_certificate_authority_data) {
    if (tls::count_certificates(c.certificate_authority_data) == 0)
      throw KubeconfigError(cat(cluster_where, ": certificate-authority-data holds no PEM certificate "
                                               "(expected base64 of -----BEGIN CERTIFICATE-----...)"));
    rest.tls.ca_pem = c.certificate_authority_data;
    rest.ca_source = cat("certificate-authority-data of ", cluster_where);
  } else if (!c.certificate_authority.empty()) {
    const std::string pem = read_pem_file(c.certificate_authority, "certificate-authority");
    if (tls::count_certificates(pem) == 0)
      throw KubeconfigError(cat(cluster_where, ": certificate-authority ", c.certificate_authority,
                                " holds no PEM certificate"));
    rest.tls.ca_file = c.certificate_authority;
    rest.ca_source = cat("certificate-authority file ", c.certificate_authority, " (", cluster_where, ")");
  } else if (c.insecure_skip_tls_verify) {
    rest.ca_source = cat("none: insecure-skip-tls-verify is set for ", cluster_where);
  } else {
    rest.ca_source = cat("the system trust store (", cluster_where, " sets no certificate-authority)");
  }

  // User identification.
  if (u.has_auth_provider && !u.exec)
    throw KubeconfigError(cat(user_where, ": auth-provider \"", u.auth_provider,
                              "\" is not supported; use an exec credential plugin (users[].user.exec) instead"));
  if (!u.token.empty()) {
    rest.bearer_token = u.token;
    if (!u.token_file.empty()) {
      // The file's token wins whenever it can be read; the inline token is the fallback.
      try {
        rest.bearer_token = read_token_file(u.token_file, "tokenFile");
      } catch (const KubeconfigError& e) {
        log::debug(cat(user_where, ": using the inline token: ", e.what()));
      }
    }
    rest.token_file = u.token_file;
  } else if (!u.token_file.empty()) {
    try {
      rest.bearer_token = read_token_file(u.token_file, "tokenFile");
    } catch (const KubeconfigError& e) {
      throw KubeconfigError(cat(user_where, ": ", e.what()));
    }
    rest.token_file = u.token_file;
  }
  if (!rest.bearer_token.empty())
    require_header_safe(rest.bearer_token, u.token_file.empty() ? "token" : "the token (token or tokenFile)", user_where);
  if (!u.client_certificate_data.empty() || !u.client_certificate.empty()) {
    const std::string cert = !u.client_certificate_data.empty()
                                 ? u.client_certificate_data
                                 : read_pem_file(u.client_certificate, "client-certificate");
    const std::string key = !u.client_key_data.empty() ? u.client_key_data : read_pem_file(u.client_key, "client-key");
    if (const auto problem = tls::check_key_pair(cert, key); problem != tls::PairProblem::kNone)
      throw KubeconfigError(cat(user_where, ": ", tls::describe(problem), " (client-certificate",
                                u.client_certificate_data.empty() ? " " + u.client_certificate : std::string("-data"),
                                ", client-key", u.client_key_data.empty() ? " " + u.client_key : std::string("-data"),
                                "); export the kubeconfig again"));
    if (!u.client_certificate_data.empty()) rest.tls.client_cert_pem = u.client_certificate_data;
    else rest.tls.client_cert_file = u.client_certificate;
    if (!u.client_key_data.empty()) rest.tls.client_key_pem = u.client_key_data;
    else rest.tls.client_key_file = u.client_key;
  }
  if (!u.username.empty() || !u.password.empty()) {
    require_header_safe(u.username, "username", user_where);
    require_header_safe(u.password, "password", user_where);
    rest.basic_auth = u.username + ":" + u.password;
  }
  // An exec plugin is used only when nothing else identifies the user (client-go).
  const bool has_other_auth = !rest.bearer_token.empty() || !rest.basic_auth.empty() ||
                              !rest.tls.client_cert_pem.empty() || !rest.tls.client_cert_file.empty();
  if (u.exec && !has_other_auth) rest.exec = u.exec;
  return rest;
}

}  // namespace sf::kube
