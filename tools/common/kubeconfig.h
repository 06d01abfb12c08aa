// kubeconfig loading exactly as client-go's clientcmd does it (k8s.io/client-go v0.32,
// tools/clientcmd: loader.go, client_config.go, validation.go, api/v1 types and conversion),
// so that kind-wait and the other tools talk to the cluster kubectl would, with the credential
// kubectl would send.
//
//   kubeconfig_parse.cc    one file's text -> Config: YAML read as sigs.k8s.io/yaml reads it
//                          (common/yaml_json.h), then typed as Go's encoding/json decodes it into
//                          the v1 types (a number where a string belongs is an error; unknown
//                          fields are ignored; apiVersion v1 / kind Config only)
//   kubeconfig_load.cc     which files (--kubeconfig, $KUBECONFIG, ~/.kube/config), merging
//                          (the first file to define a name wins, as a whole entry), a file kind
//                          is still writing, the in-cluster service account
//   kubeconfig_resolve.cc  one context -> RestConfig: ConfirmUsable's validation and messages,
//                          the server URL, TLS material and the credential (checked so that it
//                          cannot break an HTTP header)
//   exec_credential.h      exec credential plugins
//
// Secrets (tokens, keys, passwords) never appear in messages; URLs in messages are redacted.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/http_client.h"

namespace sf::kube {

// A kubeconfig file larger than this is refused (client-go has no limit; a real kubeconfig is
// a few KiB, 500 clusters with inline certificates about 4 MiB). Parsing costs ~10-40x the size.
constexpr size_t kMaxKubeconfigBytes = 4u << 20;
// Token files, certificates, keys and CA bundles named by a kubeconfig.
constexpr size_t kMaxCredentialFileBytes = 1u << 20;

// A kubeconfig problem: names the file and field. `transient` marks what a concurrent writer
// could cause (YAML cut short, context not written yet), which the loader retries briefly.
class KubeconfigError : public UsageError {
 public:
  explicit KubeconfigError(const std::string& message, bool transient = false)
      : UsageError(message), transient_(transient) {}
  bool transient() const { return transient_; }

 private:
  bool transient_;
};

struct ExecConfig {
  std::string command;                                   // resolved if it contains '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // name, value
  std::string api_version;          // client.authentication.k8s.io/v1 or /v1beta1
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode;     // Never | IfAvailable | Always (v1beta1 default IfAvailable)
};

struct Cluster {
  std::string name;
  std::string source;               // file that defined it
  int line = 0;                     // line of its entry in that file (0: unknown)
  std::string server;
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string certificate_authority;       // path (absolute after loading)
  std::string certificate_authority_data;  // decoded PEM
  bool has_certificate_authority_data = false;
  std::string proxy_url;
  bool disable_compression = false;
  std::string exec_extension_json;  // extensions[name=client.authentication.k8s.io/exec], Go's JSON
};

struct AuthInfo {
  std::string name;
  std::string source;
  int line = 0;
  std::string client_certificate;
  std::string client_certificate_data;     // decoded PEM
  std::string client_key;
  std::string client_key_data;             // decoded PEM; secret
  std::string token;                       // secret
  std::string token_file;
  std::string username;
  std::string password;                    // secret
  std::string impersonate;
  std::string impersonate_uid;
  std::vector<std::string> impersonate_groups;
  std::map<std::string, std::vector<std::string>> impersonate_extra;
  std::optional<ExecConfig> exec;
  std::string auth_provider;               // legacy auth-provider name, unsupported
  bool has_auth_provider = false;
};

struct Context {
  std::string name;
  std::string source;
  int line = 0;
  std::string cluster;
  std::string user;
  std::string namespace_;
};

struct Config {
  std::map<std::string, Cluster> clusters;
  std::map<std::string, AuthInfo> users;
  std::map<std::string, Context> contexts;
  std::string current_context;
  std::string current_context_source;
  std::vector<std::string> files;   // files that were read, in precedence order
  bool empty() const { return clusters.empty() && users.empty() && contexts.empty() && current_context.empty(); }
};

// Parses one kubeconfig file's text. `path` names the file in errors and anchors relative
// paths (its folder). Empty text is an empty config, as in client-go.
Config parse_config(std::string_view yaml, const std::string& path);

// Adds `later` under client-go's merge rules: a name already defined keeps its first entry
// whole; current-context keeps the first non-empty value.
void merge_into(Config& into, const Config& later);

struct LoadOptions {
  std::string explicit_path;                 // --kubeconfig: one file, must exist
  std::string context;                       // --context
  std::optional<std::string> kubeconfig_env; // default: $KUBECONFIG
  std::optional<std::string> home;           // default: $HOME
  // How long to wait for a kubeconfig that is being written (kind's <path>.lock present, or a
  // YAML error / missing context in a file changed in the last seconds).
  std::chrono::milliseconds settle{10'000};
  bool allow_in_cluster = true;              // service-account fallback when nothing is configured
  std::string in_cluster_root = "/var/run/secrets/kubernetes.io/serviceaccount";
};

// The files to read, in precedence order: --kubeconfig alone; else $KUBECONFIG split on ':'
// (empty entries dropped, duplicates dropped; KUBECONFIG=":" names no file at all, and then
// ~/.kube/config is NOT read, as in client-go); else ~/.kube/config.
std::vector<std::string> kubeconfig_paths(const LoadOptions& options);

// Reads and merges the kubeconfig files (no retry). Throws KubeconfigError.
Config load_config(const LoadOptions& options);

// What a client needs for one context: validated, credential files read.
struct RestConfig {
  std::string server;          // scheme://host:port[/prefix], scheme lower case, no trailing '/'
  std::string context_name;
  std::string cluster_name;
  std::string user_name;
  std::string namespace_ = "default";
  std::string origin;          // "kubeconfig /path (context \"kind-kind\")", for messages
  std::string user_where;      // "user \"kind-kind\" in /path", for messages
  std::string ca_source;       // where the CA came from: "certificate-authority-data of cluster ..."
  http::TlsConfig tls;
  std::string bearer_token;    // secret
  std::string token_file;      // re-read periodically (client-go's cached file token source)
  std::string basic_auth;      // "user:password" when basic auth is configured; secret
  std::vector<std::string> headers;  // impersonation headers, "Name: value"
  std::optional<ExecConfig> exec;
  std::string exec_extension_json;
  bool disable_compression = false;
  std::string proxy_url;
  // The server is plain http and the user has credentials: client-go (and so this) does not
  // send them; messages about 401/403 say so.
  bool credentials_withheld = false;
  // The context names a user that no file defines: client-go then sends no credentials.
  bool user_missing = false;
  bool https() const;
};

// Resolves one context (`context_override` or current-context) as client-go's
// DirectClientConfig.ClientConfig does, including ConfirmUsable's validation. Reads and checks
// certificate, key and token files. Throws KubeconfigError.
RestConfig resolve(const Config& config, const std::string& context_override);

// load_config + resolve, retrying for options.settle while a writer holds <path>.lock or a
// recently changed file does not parse or lacks the context yet. Falls back to the in-cluster
// service account when no kubeconfig exists and KUBERNETES_SERVICE_HOST is set.
RestConfig load_rest_config(const LoadOptions& options);

// In-cluster config from the service account mount and KUBERNETES_SERVICE_HOST/PORT.
std::optional<RestConfig> in_cluster_config(const std::string& root);

// Reads a token file as client-go's file token source does (whitespace trimmed; empty is an
// error); a control character inside (not header_safe) is an error too. `role` names it in
// messages. Throws KubeconfigError.
std::string read_token_file(const std::string& path, std::string_view role = "tokenFile");

// Whether `value` can travel in an HTTP header as Go's net/http allows (httpguts.
// ValidHeaderFieldValue): no control characters except TAB, no DEL. A token with CR LF would
// otherwise add headers of its own.
bool header_safe(std::string_view value);
// An HTTP header value as Go's HTTP/1.1 writer sends it: leading and trailing spaces and tabs
// removed (a token's trailing spaces never reach the server).
std::string header_value(std::string_view value);
// client-go's headerKeyEscape for Impersonate-Extra-<key>: bytes that are not HTTP token
// characters, and '%', percent-encoded.
std::string header_key_escape(std::string_view key);
// Every byte for which `keep` is false as %XX (upper-case hex).
std::string percent_encode(std::string_view text, bool (*keep)(unsigned char));

}  // namespace sf::kube
