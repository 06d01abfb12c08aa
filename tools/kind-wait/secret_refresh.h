// kind-wait --force-sync-secrets: ask External Secrets Operator to act now rather than after
// its refresh interval (1 h in this tree) or its error backoff. ESO 2.9.0 refreshes an
// ExternalSecret whenever its labels or annotations change: shouldRefresh compares
// status.syncedResourceVersion with ctrlutil.GetResourceVersion(meta) = "<generation>-<hash of
// labels and annotations>" (pkg/controllers/externalsecret/externalsecret_controller.go,
// pkg/controllers/util/util.go), which is why its docs say
// `kubectl annotate es my-es force-sync=$(date +%s) --overwrite`. The key written here is the
// one ESO's API names, external-secrets.io/force-sync (apis/externalsecrets/v1, the annotation a
// ClusterExternalSecret mirrors onto its ExternalSecrets). (Cluster)SecretStores are annotated
// too: their controller watches them without a predicate, so the update re-validates a store
// at once (a store that failed while Vault was sealed otherwise waits for controller-runtime's
// growing error backoff). Each object gets one merge patch through the Kubernetes API.
#pragma once

#include <string>

#include "common/deadline.h"
#include "common/kube_client.h"

namespace sf::kw {

inline constexpr const char* kForceSyncAnnotation = "external-secrets.io/force-sync";

struct RefreshCount {
  size_t external_secrets = 0;
  size_t secret_stores = 0;          // SecretStores and ClusterSecretStores
  bool installed = true;             // false: the external-secrets.io/v1 API is not served
  std::string describe() const;      // "9 ExternalSecrets and 1 store"
};

// The annotation value: the current Unix time in seconds, as ESO's docs write it, made to
// differ from `previous` (a re-run within the same second must still change the hash).
std::string force_sync_value(long long now_seconds, const std::string& previous);

// Annotates every ExternalSecret, SecretStore and ClusterSecretStore the credentials can list.
// Transient failures are retried until `deadline`; fatal ones (403, TLS) throw.
RefreshCount force_sync_secrets(kube::KubeClient& client, const Deadline& deadline);

}  // namespace sf::kw
