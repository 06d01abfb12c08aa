// Which kubeconfig files are read and how they merge (client-go tools/clientcmd/loader.go:
// NewDefaultClientConfigLoadingRules and ClientConfigLoadingRules.Load), a kubeconfig that kind
// is still writing, and the in-cluster service account (rest.InClusterConfig).
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "common/file_read.h"
#include "common/kubeconfig.h"
#include "common/log.h"
#include "common/strings.h"

namespace sf::kube {
namespace fs = std::filesystem;
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// $KUBECONFIG, or the value the options give instead.
std::string kubeconfig_env(const LoadOptions& options) {
  if (options.kubeconfig_env) return *options.kubeconfig_env;
  const char* e = std::getenv("KUBECONFIG");
  return e != nullptr ? e : "";
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

}  // namespace

void merge_into(Config& into, const Config& later) {
  for (const auto& [name, c] : later.clusters) into.clusters.emplace(name, c);
  for (const auto& [name, u] : later.users) into.users.emplace(name, u);
  for (const auto& [name, c] : later.contexts) into.contexts.emplace(name, c);
  if (into.current_context.empty() && !later.current_context.empty()) {
    into.current_context = later.current_context;
    into.current_context_source = later.current_context_source;
  }
  for (const auto& f : later.files)
    if (std::find(into.files.begin(), into.files.end(), f) == into.files.end()) into.files.push_back(f);
}

std::vector<std::string> kubeconfig_paths(const LoadOptions& options) {
  if (!options.explicit_path.empty()) return {options.explicit_path};
  const std::string env = kubeconfig_env(options);
  if (!env.empty()) {
    // client-go: a non-empty KUBECONFIG is the whole list, even when it names no file (":"),
    // and empty entries are skipped. ~/.kube/config is not read then: it may be another cluster.
    std::vector<std::string> paths;
    for (const auto& p : split(env, ':')) {
      if (p.empty()) continue;
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
    }
    return paths;
  }
  std::string home;
  if (options.home) {
    home = *options.home;
  } else if (const char* h = std::getenv("HOME")) {
    home = h;
  }
  return {(fs::path(home) / ".kube" / "config").string()};
}

Config load_config(const LoadOptions& options) {
  const std::vector<std::string> paths = kubeconfig_paths(options);
  Config merged;
  bool any = false;
  std::vector<std::string> missing;
  const std::string role = options.explicit_path.empty() ? "kubeconfig" : "--kubeconfig";
  for (const auto& path : paths) {
    std::string text;
    try {
      text = read_small_file(path, kMaxKubeconfigBytes, role);
    } catch (const FileReadError& e) {
      // Missing files in KUBECONFIG are skipped (client-go); anything else unreadable is an error.
      if (e.kind() != FileReadError::Kind::kMissing || !options.explicit_path.empty()) {
        if (e.kind() == FileReadError::Kind::kMissing)
          throw KubeconfigError(cat("--kubeconfig ", path, ": no such file; check the path (kind writes it after "
                                    "creating the cluster)"));
        throw KubeconfigError(e.what());
      }
      missing.push_back(path);
      continue;
    }
    Config one = parse_config(text, path);
    if (!any) {
      merged = std::move(one);
      any = true;
    } else {
      merge_into(merged, one);
    }
  }
  if (!any) merged.files = missing;
  return merged;
}

std::optional<RestConfig> in_cluster_config(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  const std::string token_path = root + "/token";
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0' || !exists(token_path))
    return std::nullopt;
  RestConfig rest;
  const std::string h = host;
  rest.server = cat("https://", h.find(':') != std::string::npos ? "[" + h + "]" : h, ":", port);
  rest.context_name = "in-cluster";
  rest.cluster_name = "in-cluster";
  rest.user_name = "serviceaccount";
  rest.origin = cat("in-cluster service account (", root, ")");
  rest.user_where = cat("the service account token ", token_path);
  rest.token_file = token_path;
  rest.bearer_token = read_token_file(token_path, "service account token");
  if (exists(root + "/ca.crt")) {
    rest.tls.ca_file = root + "/ca.crt";
    rest.ca_source = cat("service account CA ", root, "/ca.crt");
  } else {
    rest.ca_source = "the system trust store";
  }
  try {
    const std::string ns(trim(read_small_file(root + "/namespace", 4096, "service account namespace")));
    if (!ns.empty()) rest.namespace_ = ns;
  } catch (const FileReadError&) {
    // No namespace file: "default", as client-go.
  }
  return rest;
}

RestConfig load_rest_config(const LoadOptions& options) {
  using Steady = std::chrono::steady_clock;
  const auto deadline = Steady::now() + options.settle;
  constexpr auto kPause = std::chrono::milliseconds(100);
  constexpr auto kFresh = std::chrono::seconds(3);
  bool announced = false;
  for (;;) {
    const std::vector<std::string> paths = kubeconfig_paths(options);
    // Retry only while a file changed moments ago: kind writes without an atomic rename.
    auto fresh = [&] {
      const auto now = fs::file_time_type::clock::now();
      for (const auto& p : paths) {
        std::error_code ec;
        const auto mtime = fs::last_write_time(p, ec);
        if (!ec && now - mtime < kFresh) return true;
      }
      return false;
    };
    std::string lock;
    for (const auto& p : paths)
      if (exists(p + ".lock")) lock = p + ".lock";
    if (!lock.empty()) {
      if (Steady::now() >= deadline)
        throw KubeconfigError(cat("kubeconfig is still locked by ", lock, " after ",
                                  std::chrono::duration_cast<std::chrono::seconds>(options.settle).count(),
                                  "s; if no kind or kubectl is writing it, the lock is stale: delete it"));
      if (!announced) log::debug(cat("waiting for ", lock, " to go away (a writer is updating the kubeconfig)"));
      announced = true;
      std::this_thread::sleep_for(kPause);
      continue;
    }
    try {
      Config config = load_config(options);
      if (config.empty() && options.explicit_path.empty()) {
        bool any_file = false;
        for (const auto& p : paths) any_file = any_file || exists(p);
        if (!any_file) {
          if (options.allow_in_cluster && options.context.empty())
            if (auto in_cluster = in_cluster_config(options.in_cluster_root)) return *in_cluster;
          if (!options.context.empty())  // client-go: a --context that no file defines is an error
            throw KubeconfigError(cat("context \"", options.context, "\" does not exist: there is no kubeconfig file",
                                      paths.empty() ? std::string(" (KUBECONFIG lists none)")
                                                    : cat(" (looked for ", join(paths, ", "), ")")));
          if (paths.empty())
            throw KubeconfigError(cat("KUBECONFIG=\"", kubeconfig_env(options),
                                      "\" names no file, so no kubeconfig is read (~/.kube/config neither, as with "
                                      "kubectl); pass --kubeconfig or set KUBECONFIG to the kubeconfig's path"));
          throw KubeconfigError(cat("no kubeconfig found (looked for ", join(paths, ", "),
                                    "); pass --kubeconfig, set KUBECONFIG, or create the cluster first"));
        }
      }
      RestConfig rest = resolve(config, options.context);
      if (rest.user_missing && fresh() && Steady::now() < deadline) {
        log::debug(cat("kubeconfig not complete yet (user \"", rest.user_name, "\" missing), retrying"));
        std::this_thread::sleep_for(kPause);
        continue;
      }
      if (rest.user_missing)
        log::warn(cat("user \"", rest.user_name, "\" of context \"", rest.context_name, "\" is not defined in ",
                      rest.origin, ": sending no credentials, as kubectl does"));
      return rest;
    } catch (const KubeconfigError& e) {
      if (!e.transient() || Steady::now() >= deadline || !fresh()) throw;
      log::debug(cat("kubeconfig not usable yet, retrying: ", e.what()));
      std::this_thread::sleep_for(kPause);
    }
  }
}

}  // namespace sf::kube
