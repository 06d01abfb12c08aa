// kubeconfig loading the way client-go's clientcmd does it (loader.go, client_config.go,
// validation.go): --kubeconfig (one file, must exist), else $KUBECONFIG (':'-separated, first
// file wins per named entry, as a whole entry; current-context is the first non-empty value),
// else ~/.kube/config; --context overrides current-context; relative paths resolve against
// the folder of the file that defined them; *-data fields are base64 PEM and win over files.
// The result is a RestConfig: server, TLS material (inline data stays in memory), credentials.
// A kubeconfig that kind is still writing (lock file, half-written YAML) is retried briefly.
// Secrets (tokens, keys, passwords) never appear in messages.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/http_client.h"
#include "common/time_util.h"

namespace sf::kube {

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

// Base64 (standard alphabet, padded) as Go's encoding/json reads []byte; '\r' and '\n' are
// skipped. Returns false on any other invalid input.
bool base64_decode(std::string_view text, std::string& out);
std::string base64_encode(std::string_view bytes);

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
  int line = 0;                     // line of its entry in that file
  std::string server;
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string certificate_authority;       // path (absolute after loading)
  std::string certificate_authority_data;  // decoded PEM
  bool has_certificate_authority_data = false;
  std::string proxy_url;
  bool disable_compression = false;
  std::string exec_extension_json;  // extensions[name=client.authentication.k8s.io/exec], as JSON
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

// The files to read, in precedence order, and whether they came from --kubeconfig.
std::vector<std::string> kubeconfig_paths(const LoadOptions& options);

// Reads and merges the kubeconfig files (no retry). Throws KubeconfigError.
Config load_config(const LoadOptions& options);

// What a client needs for one context: validated, credential files read.
struct RestConfig {
  std::string server;          // scheme://host:port[/prefix], no trailing '/'
  std::string context_name;
  std::string cluster_name;
  std::string user_name;
  std::string namespace_ = "default";
  std::string origin;          // "kubeconfig /path (context kind-kind)", for messages
  std::string ca_source;       // where the CA came from: "certificate-authority-data of cluster ..."
  http::TlsConfig tls;
  std::string bearer_token;    // secret
  std::string token_file;      // re-read periodically (client-go's cached file token source)
  std::string basic_auth;      // "user:password" when basic auth is configured; secret
  std::vector<std::string> headers;  // impersonation headers
  std::optional<ExecConfig> exec;
  std::string exec_extension_json;
  bool disable_compression = false;
  std::string proxy_url;
  bool https() const;
};

// Resolves one context (`context_override` or current-context) as client-go's
// DirectClientConfig.ClientConfig does, including ConfirmUsable's validation. Reads
// certificate, key and token files. Throws KubeconfigError.
RestConfig resolve(const Config& config, const std::string& context_override);

// load_config + resolve, retrying for options.settle while a writer holds <path>.lock or a
// recently changed file does not parse or lacks the context yet. Falls back to the in-cluster
// service account when no kubeconfig exists and KUBERNETES_SERVICE_HOST is set.
RestConfig load_rest_config(const LoadOptions& options);

// In-cluster config from the service account mount and KUBERNETES_SERVICE_HOST/PORT.
std::optional<RestConfig> in_cluster_config(const std::string& root);

// Reads a token file as client-go does (trimmed; empty is an error). Throws KubeconfigError.
std::string read_token_file(const std::string& path);

// ---- exec credential plugins (client.authentication.k8s.io v1 and v1beta1)

struct ExecCredential {
  std::string token;            // secret
  std::string client_cert_pem;  // plain PEM, not base64
  std::string client_key_pem;   // secret
  std::optional<Clock::time_point> expiration;
};

// KUBERNETES_EXEC_INFO for the plugin: apiVersion, kind, spec.interactive and, with
// provideClusterInfo, spec.cluster (server, CA data, ...).
std::string exec_info_json(const ExecConfig& exec, const RestConfig& cluster, bool interactive);

// Parses what the plugin printed, with client-go's checks and messages. `plugin` names it.
ExecCredential parse_exec_credential(std::string_view output, const ExecConfig& exec, const std::string& plugin);

// Runs the plugin: args, env on top of ours, KUBERNETES_EXEC_INFO, stdin only when interactive,
// stderr passed through, killed after `timeout`. Errors name the plugin and its installHint.
ExecCredential run_exec_plugin(const ExecConfig& exec, const RestConfig& cluster,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace sf::kube
