#include "kind-wait/secret_refresh.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/json_writer.h"
#include "common/log.h"
#include "common/strings.h"
#include "kind-wait/transient_retry.h"

namespace sf::kw {
namespace {

using std::chrono::milliseconds;

struct Collection {
  const char* resource;
  bool store;
};
constexpr Collection kCollections[] = {
    {"clustersecretstores", true}, {"secretstores", true}, {"externalsecrets", false}};

template <typename Attempt>
auto retrying(const Deadline& deadline, const std::string& doing, Attempt attempt) {
  return retry_transient(
      deadline, doing, attempt,
      [&](const std::string& last) -> void {
        throw Error(cat(doing, ": gave up at ", deadline.what(), "; last: ", last));
      },
      [&](milliseconds d) { std::this_thread::sleep_for(d); });
}

std::string plural(size_t n, const char* one, const char* many) { return cat(n, " ", n == 1 ? one : many); }

}  // namespace

std::string RefreshCount::describe() const {
  return cat(plural(external_secrets, "ExternalSecret", "ExternalSecrets"), " and ",
             plural(secret_stores, "secret store", "secret stores"));
}

std::string force_sync_value(long long now_seconds, const std::string& previous) {
  long long value = now_seconds;
  double old = 0;
  if (parse_double(previous, old) && old >= static_cast<double>(value) && old < 9.0e15)
    value = static_cast<long long>(old) + 1;
  return std::to_string(value);
}

RefreshCount force_sync_secrets(kube::KubeClient& client, const Deadline& deadline) {
  RefreshCount count;
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const Collection& c : kCollections) {
    const std::string path = kube::collection_path("external-secrets.io/v1", c.resource);
    const kube::ListResult list = retrying(deadline, cat("listing ", c.resource), [&] { return client.list(path); });
    if (!list.found) {  // the CRD is not installed: nothing of this kind to refresh
      if (!c.store) count.installed = false;
      continue;
    }
    for (const auto& item : list.items) {
      const std::string ns = kube::path_string(item, {"metadata", "namespace"});
      const std::string name = kube::path_string(item, {"metadata", "name"});
      std::string previous;
      if (const rapidjson::Value* a = kube::path_value(item, {"metadata", "annotations"}); a != nullptr && a->IsObject())
        if (auto it = a->FindMember(kForceSyncAnnotation); it != a->MemberEnd() && it->value.IsString())
          previous = it->value.GetString();
      std::string body = R"({"metadata":{"annotations":{")";
      body += kForceSyncAnnotation;
      body += R"(":)";
      json::append_string(body, force_sync_value(now, previous));
      body += "}}}";
      const std::string object =
          kube::collection_path("external-secrets.io/v1", c.resource, ns) + "/" + kube::escape(name);
      const bool patched = retrying(deadline, cat("annotating ", c.resource, " ", ns.empty() ? name : ns + "/" + name), [&] {
        http::Request request;
        request.method = "PATCH";
        request.url = client.url(object, {{"fieldManager", "kind-wait"}});
        request.body = body;
        request.headers.push_back("Content-Type: application/merge-patch+json");
        const http::Response response = client.send(request);
        if (response.status == 404) return false;  // deleted since the list: nothing to refresh
        if (response.status < 200 || response.status >= 300) throw client.api_error(response, "PATCH");
        return true;
      });
      if (!patched) continue;
      if (c.store) ++count.secret_stores;
      else ++count.external_secrets;
      log::debug(cat("force-sync: ", c.resource, " ", ns.empty() ? name : ns + "/" + name));
    }
  }
  return count;
}

}  // namespace sf::kw
