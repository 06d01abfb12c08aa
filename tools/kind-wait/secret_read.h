// kind-wait --secret NS/NAME/KEY: one key of a Kubernetes Secret, for the credentials the
// platform keeps in Secrets rather than in Vault (Argo CD's argocd-initial-admin-secret). Like
// vault-seed get, the value leaves only when asked for by name: to stdout, or with --out to a
// file created 0600 and replaced only when complete.
//   value         the decoded value as stored (a newline after it on a terminal only)
//   argocd-login  a curl config file (curl -K FILE) holding Argo CD's login request body,
//                 json = {"username":"admin","password":VALUE}, for POST /api/v1/session
// A Secret that does not exist yet (argocd-server writes its initial one when it first starts)
// is waited for within --timeout; a missing key names the keys there are.
#pragma once

#include <string>

#include "common/deadline.h"
#include "common/kube_client.h"

namespace sf::kw {

struct SecretKeyRef {
  std::string ns, name, key;
  std::string describe() const { return "secret/" + ns + "/" + name + " key " + key; }
};

// "NS/NAME/KEY" (key names may hold '.', '-', '_'); UsageError otherwise.
SecretKeyRef parse_secret_key_ref(const std::string& text);

enum class SecretFormat { kValue, kArgocdLogin };
SecretFormat parse_secret_format(const std::string& text);

// The text written for `value` (secret: the caller wipes it).
std::string format_secret_value(const SecretKeyRef& ref, const std::string& value, SecretFormat format);

// Reads and decodes the key, retrying what is transient (a 404 included) until `deadline`.
std::string read_secret_key(kube::KubeClient& client, const SecretKeyRef& ref, const Deadline& deadline);

}  // namespace sf::kw
