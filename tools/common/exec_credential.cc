#include "common/exec_credential.h"

#include <unistd.h>

#include <rapidjson/document.h>

#include <cerrno>

#include "common/base64.h"
#include "common/file_read.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/subprocess.h"
#include "common/tls_material.h"
#include "common/yaml_json.h"

namespace sf::kube {
namespace {

using Kind = ExecPluginError::Kind;

// An ExecCredential is small (a token, or a certificate and key); more is not one.
constexpr size_t kMaxPluginOutput = 4u << 20;

rapidjson::Value str(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

std::string string_at(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return {};
  const auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                       : std::string();
}

// Extra lines go as indented continuation lines ("\n  "), the one form log messages keep.
std::string with_hint(const std::string& message, const ExecConfig& exec) {
  return exec.install_hint.empty() ? message : message + "\n  " + printable(exec.install_hint, 2048);
}

}  // namespace

std::string exec_info_json(const ExecConfig& exec, const RestConfig& cluster, bool interactive) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("kind", "ExecCredential", a);
  doc.AddMember("apiVersion", str(exec.api_version, a), a);
  rapidjson::Value spec(rapidjson::kObjectType);
  spec.AddMember("interactive", interactive, a);
  if (exec.provide_cluster_info) {
    rapidjson::Value c(rapidjson::kObjectType);
    c.AddMember("server", str(cluster.server, a), a);
    if (!cluster.tls.server_name.empty()) c.AddMember("tls-server-name", str(cluster.tls.server_name, a), a);
    if (!cluster.tls.verify) c.AddMember("insecure-skip-tls-verify", true, a);
    std::string ca = cluster.tls.ca_pem;
    if (ca.empty() && !cluster.tls.ca_file.empty()) {
      try {
        ca = read_small_file(cluster.tls.ca_file, kMaxCredentialFileBytes, "certificate-authority");
      } catch (const FileReadError&) {
        // Checked at load; a file gone since then is the TLS layer's error to report.
      }
    }
    if (!ca.empty()) c.AddMember("certificate-authority-data", str(base64_encode(ca), a), a);
    if (!cluster.proxy_url.empty()) c.AddMember("proxy-url", str(cluster.proxy_url, a), a);
    if (cluster.disable_compression) c.AddMember("disable-compression", true, a);
    if (!cluster.exec_extension_json.empty()) {
      rapidjson::Document ext;
      ext.Parse(cluster.exec_extension_json.c_str(), cluster.exec_extension_json.size());
      if (!ext.HasParseError()) c.AddMember("config", rapidjson::Value(ext, a), a);
    }
    spec.AddMember("cluster", c, a);
  }
  doc.AddMember("spec", spec, a);
  // Go's JSON: integers in the extension stay integers (8080, not 8080.0).
  return yamljson::go_json(doc);
}

ExecCredential parse_exec_credential(std::string_view output, const ExecConfig& exec, const std::string& plugin) {
  auto fail = [&](const std::string& what) { return ExecPluginError(cat("exec plugin ", plugin, ": ", what), Kind::kBadOutput); };
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(output.data(), output.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw fail("decoding stdout: the plugin did not print an ExecCredential JSON object");
  const std::string api_version = string_at(doc, "apiVersion");
  const std::string kind = string_at(doc, "kind");
  if (api_version.empty() || kind.empty())
    throw fail("decoding stdout: Object 'Kind' or 'apiVersion' is missing in the plugin's output");
  if (api_version != exec.api_version)
    throw fail(cat("exec plugin is configured to use API version ", exec.api_version, ", plugin returned version ",
                   printable(api_version, 128)));
  if (kind != "ExecCredential") throw fail(cat("decoding stdout: expected kind ExecCredential, got ", printable(kind, 128)));
  const rapidjson::Value& root = doc;
  const auto status_it = root.FindMember("status");
  if (status_it == root.MemberEnd() || !status_it->value.IsObject())
    throw fail("exec plugin didn't return a status field");
  const rapidjson::Value& status = status_it->value;
  ExecCredential cred;
  cred.token = string_at(status, "token");
  cred.client_cert_pem = string_at(status, "clientCertificateData");
  cred.client_key_pem = string_at(status, "clientKeyData");
  if (cred.token.empty() && cred.client_cert_pem.empty() && cred.client_key_pem.empty())
    throw fail("exec plugin didn't return a token or cert/key pair");
  if (cred.client_cert_pem.empty() != cred.client_key_pem.empty())
    throw fail("exec plugin returned only certificate or key, not both");
  if (!cred.token.empty() && !header_safe(cred.token))
    throw fail("the token it returned holds a control character (CR, LF or another byte below 0x20, or DEL), which "
               "an HTTP header cannot carry; fix the plugin");
  if (!cred.client_cert_pem.empty()) {
    if (const auto problem = tls::check_key_pair(cred.client_cert_pem, cred.client_key_pem);
        problem != tls::PairProblem::kNone)
      throw fail(cat("the certificate and key it returned cannot be used: ", tls::describe(problem)));
  }
  const std::string expiration = string_at(status, "expirationTimestamp");
  if (!expiration.empty()) {
    try {
      cred.expiration = parse_rfc3339(expiration, cat("exec plugin ", plugin, " status.expirationTimestamp"));
    } catch (const Error& e) {
      throw ExecPluginError(e.what(), Kind::kBadOutput);
    }
  }
  return cred;
}

ExecCredential run_exec_plugin(const ExecConfig& exec, const RestConfig& cluster, const Deadline& deadline) {
  const std::string owner = cat("user \"", cluster.user_name, "\" in ", cluster.origin);
  const std::string plugin = cat("\"", exec.command, "\" (", owner, ")");
  bool interactive = false;
  const bool stdin_tty = isatty(STDIN_FILENO) == 1;
  if (exec.interactive_mode == "IfAvailable") interactive = stdin_tty;
  if (exec.interactive_mode == "Always") {
    if (!stdin_tty)
      throw ExecPluginError(cat("exec plugin ", plugin,
                                ": exec plugin cannot support interactive mode: standard input is not a terminal"),
                            Kind::kFailed);
    interactive = true;
  }
  proc::Command command;
  command.argv.push_back(exec.command);
  command.argv.insert(command.argv.end(), exec.args.begin(), exec.args.end());
  command.env = exec.env;
  command.env.emplace_back("KUBERNETES_EXEC_INFO", exec_info_json(exec, cluster, interactive));
  command.input = interactive ? proc::Input::kInherit : proc::Input::kNull;
  command.out = proc::Output::kCapture;
  command.err = proc::Output::kInherit;  // client-go passes the plugin's stderr through
  command.max_out_bytes = kMaxPluginOutput;
  command.deadline = deadline.when();
  proc::Result result;
  try {
    result = proc::run(command);
  } catch (const proc::SpawnError& e) {
    if (e.error_number() == ENOENT || e.error_number() == EACCES || e.error_number() == ENOTDIR) {
      // client-go's message for a missing plugin, then the installHint.
      throw ExecPluginError(
          with_hint(cat("exec: executable ", exec.command, " not found (exec plugin of ", owner,
                        ")\n  It looks like you are trying to use a client-go credential plugin that is not installed."
                        "\n  To learn more about this feature, consult the documentation available at:"
                        "\n  https://kubernetes.io/docs/reference/access-authn-authz/authentication/"
                        "#client-go-credential-plugins"),
                    exec),
          Kind::kNotFound);
    }
    throw ExecPluginError(cat("exec plugin ", plugin, ": cannot start it: ", e.what()), Kind::kFailed);
  }
  switch (result.outcome) {
    case proc::Outcome::kTimedOut:
      throw ExecPluginError(with_hint(cat("exec plugin ", plugin, ": did not return a credential within ",
                                          deadline.what(),
                                          " and was killed; is it waiting for input, or for a network it cannot reach?"),
                                      exec),
                            Kind::kTimedOut);
    case proc::Outcome::kTooMuchOutput:
      throw ExecPluginError(cat("exec plugin ", plugin, ": printed more than 4 MiB; that is not an ExecCredential"),
                            Kind::kBadOutput);
    case proc::Outcome::kSignaled:
      throw ExecPluginError(cat("exec: executable ", exec.command, " was killed by signal ", result.signal,
                                " (exec plugin of ", owner, ")"),
                            Kind::kFailed);
    case proc::Outcome::kExited:
      if (result.exit_code != 0)
        throw ExecPluginError(cat("exec: executable ", exec.command, " failed with exit code ", result.exit_code,
                                  " (exec plugin of ", owner, ")"),
                              Kind::kFailed);
      break;
  }
  return parse_exec_credential(result.out, exec, plugin);
}

}  // namespace sf::kube
