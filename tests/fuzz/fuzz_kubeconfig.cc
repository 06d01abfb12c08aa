// libFuzzer target for the kubeconfig loader (sf::kube::parse_config, merge_into, resolve) and
// the exec-credential parser. Input: one control byte, then a kubeconfig; an optional second
// document after a line "#---exec---" is treated as an exec plugin's stdout. KubeconfigError
// (a UsageError) is the expected outcome for junk, ExecPluginError for a bad credential; any
// other exception, crash or sanitizer report is a bug. Configs naming files are parsed but not
// resolved (no file access while fuzzing). A resolved credential must be safe in a header.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "common/error.h"
#include "common/exec_credential.h"
#include "common/kubeconfig.h"

namespace {

bool names_files(const sf::kube::Config& c) {
  for (const auto& [n, cl] : c.clusters)
    if (!cl.certificate_authority.empty()) return true;
  for (const auto& [n, u] : c.users)
    if (!u.client_certificate.empty() || !u.client_key.empty() || !u.token_file.empty()) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view exec_output;
  if (const auto at = text.find("#---exec---"); at != std::string_view::npos) {
    exec_output = text.substr(at + 11);
    text = text.substr(0, at);
  }
  try {
    sf::kube::Config config = sf::kube::parse_config(text, "/fuzz/a/config");
    if (control & 1) {
      // Merge with itself under another name: first-wins must keep the first entries.
      const sf::kube::Config again = sf::kube::parse_config(text, "/fuzz/b/config");
      const size_t before = config.clusters.size() + config.users.size() + config.contexts.size();
      sf::kube::merge_into(config, again);
      if (config.clusters.size() + config.users.size() + config.contexts.size() != before) __builtin_trap();
    }
    if (!names_files(config)) {
      std::string context;
      if ((control & 2) && !config.contexts.empty()) context = config.contexts.begin()->first;
      try {
        const sf::kube::RestConfig rest = sf::kube::resolve(config, context);
        if (rest.server.empty()) __builtin_trap();
        // Nothing that reaches a header may carry CR, LF or another control byte.
        if (!sf::kube::header_safe(rest.bearer_token) || !sf::kube::header_safe(rest.basic_auth)) __builtin_trap();
        for (const auto& h : rest.headers)
          if (!sf::kube::header_safe(h)) __builtin_trap();
        (void)sf::kube::exec_info_json(rest.exec.value_or(sf::kube::ExecConfig{}), rest, control & 4);
      } catch (const sf::UsageError&) {
      }
    }
  } catch (const sf::UsageError&) {
  }
  if (!exec_output.empty()) {
    sf::kube::ExecConfig exec;
    exec.command = "fuzz-plugin";
    exec.api_version = (control & 8) ? "client.authentication.k8s.io/v1beta1" : "client.authentication.k8s.io/v1";
    try {
      const auto cred = sf::kube::parse_exec_credential(exec_output, exec, "fuzz");
      if (cred.token.empty() && cred.client_cert_pem.empty()) __builtin_trap();
      if (!sf::kube::header_safe(cred.token)) __builtin_trap();
    } catch (const sf::kube::ExecPluginError&) {
    }
  }
  std::string decoded;
  if (sf::base64_decode(text, decoded)) {
    std::string round;
    if (!sf::base64_decode(sf::base64_encode(decoded), round) || round != decoded) __builtin_trap();
  }
  return 0;
}
