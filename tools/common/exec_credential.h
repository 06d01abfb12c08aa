// Exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as client-go's
// plugin/pkg/client/auth/exec runs them: the command with its args and env on top of ours,
// KUBERNETES_EXEC_INFO describing the request (and the cluster, with provideClusterInfo),
// stdin only when interactive, stderr passed through, stdout parsed as an ExecCredential.
// The plugin runs under the caller's one deadline (kind-wait's --timeout): past it, its whole
// process group is killed and the error names the plugin, never the API server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/deadline.h"
#include "common/error.h"
#include "common/kubeconfig.h"
#include "common/time_util.h"

namespace sf::kube {

struct ExecCredential {
  std::string token;            // secret
  std::string client_cert_pem;  // plain PEM, not base64
  std::string client_key_pem;   // secret
  std::optional<Clock::time_point> expiration;
};

// The plugin failed: not found (exit 2), ran past the deadline (exit 1), failed or printed
// something that is no usable ExecCredential (exit 2).
class ExecPluginError : public Error {
 public:
  enum class Kind { kNotFound, kTimedOut, kFailed, kBadOutput };
  ExecPluginError(const std::string& message, Kind kind)
      : Error(message, kind == Kind::kTimedOut ? kExitFailed : kExitUsage), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// KUBERNETES_EXEC_INFO for the plugin (Go's JSON): apiVersion, kind, spec.interactive and,
// with provideClusterInfo, spec.cluster (server, CA data, the exec extension as `config`...).
std::string exec_info_json(const ExecConfig& exec, const RestConfig& cluster, bool interactive);

// Parses what the plugin printed, with client-go's checks and messages. `plugin` names it.
ExecCredential parse_exec_credential(std::string_view output, const ExecConfig& exec, const std::string& plugin);

// Runs the plugin until `deadline`. Errors name the plugin, its user and kubeconfig, and its
// installHint.
ExecCredential run_exec_plugin(const ExecConfig& exec, const RestConfig& cluster, const Deadline& deadline);

}  // namespace sf::kube
