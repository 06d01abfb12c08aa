#include "kind-wait/secret_read.h"

#include <cstring>
#include <thread>

#include "common/base64.h"
#include "common/curl_config.h"
#include "common/error.h"
#include "common/json_writer.h"
#include "common/redact.h"
#include "common/secret_text.h"
#include "common/strings.h"
#include "kind-wait/targets.h"
#include "kind-wait/transient_retry.h"

namespace sf::kw {

namespace {

// A Secret key: [-._a-zA-Z0-9]+ (namespace and name are Kubernetes names).
bool valid_key(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_'))
      return false;
  return true;
}

}  // namespace

SecretKeyRef parse_secret_key_ref(const std::string& text) {
  const auto parts = split(text, '/');
  if (parts.size() != 3 || !is_kubernetes_name(parts[0]) || !is_kubernetes_name(parts[1]) || !valid_key(parts[2]))
    throw UsageError(cat("--secret '", printable(text, 100),
                         "': write it as NAMESPACE/NAME/KEY, e.g. argocd/argocd-initial-admin-secret/password"));
  return {parts[0], parts[1], parts[2]};
}

SecretFormat parse_secret_format(const std::string& text) {
  if (text == "value") return SecretFormat::kValue;
  if (text == "argocd-login") return SecretFormat::kArgocdLogin;
  throw UsageError(cat("--format '", printable(text, 40), "': use value or argocd-login"));
}

std::string format_secret_value(const SecretKeyRef& ref, const std::string& value, SecretFormat format) {
  if (format == SecretFormat::kValue) return value;
  std::string body = "{\"username\":\"admin\",\"password\":";
  try {
    json::append_string(body, value, ref.describe());
    body += '}';
    std::string line = curl_config_line("json", body, ref.describe());
    wipe(body);
    return line;
  } catch (...) {
    wipe(body);
    throw;
  }
}

std::string read_secret_key(kube::KubeClient& client, const SecretKeyRef& ref, const Deadline& deadline) {
  const std::string path = cat("/api/v1/namespaces/", kube::escape(ref.ns), "/secrets/", kube::escape(ref.name));
  const std::string doing = cat("reading secret/", ref.ns, "/", ref.name);
  rapidjson::Document doc = retry_transient(
      deadline, doing, [&] { return client.get(path); },
      [&](const std::string& last) {
        throw Error(cat(doing, ": no answer within ", deadline.what(), "; last: ", last,
                        last.find("404") != std::string::npos || last.find("not found") != std::string::npos
                            ? " (the Secret does not exist: Argo CD deletes argocd-initial-admin-secret once the admin "
                              "password is changed)"
                            : ""));
      },
      [&](std::chrono::milliseconds d) { std::this_thread::sleep_for(deadline.capped(d)); });
  const rapidjson::Value& secret_doc = doc;  // const iterators: no C++20 reversed-operator ambiguity
  const auto data = secret_doc.FindMember("data");
  std::string keys;
  if (data != secret_doc.MemberEnd() && data->value.IsObject()) {
    for (const auto& m : data->value.GetObject()) {
      const std::string name(m.name.GetString(), m.name.GetStringLength());
      if (name == ref.key && m.value.IsString()) {
        std::string value;
        if (!base64_decode(std::string_view(m.value.GetString(), m.value.GetStringLength()), value))
          throw Error(cat(ref.describe(), ": the API server sent a value that is not base64"));
        // The document's copy of the encoded value is wiped too.
        std::memset(const_cast<char*>(m.value.GetString()), 0, m.value.GetStringLength());
        return value;
      }
      keys += cat(keys.empty() ? "" : ", ", printable(name, 80));
    }
  }
  throw Error(cat("secret/", ref.ns, "/", ref.name, " has no key '", ref.key, "' (its keys: ", keys.empty() ? "none" : keys,
                  ")"));
}

}  // namespace sf::kw
