// kind-wait: wait, without kubectl, until a cluster is ready (nodes, deployments, pods, Argo CD
// Applications, CRDs, all at the same moment), or list its nodes as `node` JSON lines. Also
// asks Argo CD to sync an Application now (--sync) and External Secrets to refresh
// (--force-sync-secrets) before it waits.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/cli.h"
#include "common/deadline.h"
#include "common/error.h"
#include "common/kubeconfig.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "kind-wait/app_sync.h"
#include "kind-wait/degraded.h"
#include "kind-wait/pod_inventory.h"
#include "kind-wait/secret_refresh.h"
#include "kind-wait/targets.h"
#include "kind-wait/waiter.h"

namespace {

using namespace sf;

cli::ToolInfo tool_info() {
  return {
      "kind-wait",
      "kind-wait [options] --for CONDITION [--for CONDITION...]\n"
      "  or:  kind-wait [options] --sync application/NS/NAME [--for CONDITION...]\n"
      "  or:  kind-wait [options] --list nodes|pods|nodes,pods",
      "Waits until every --for condition holds at the same moment, watching the Kubernetes API\n"
      "(no polling, no kubectl). Objects that do not exist yet, and resource types whose CRD is not\n"
      "installed yet, are waited for. One --timeout covers everything; on timeout it exits 1 and\n"
      "says what is missing and why. With --list nodes (or pods) it prints the inventory instead.\n"
      "\n"
      "--sync asks Argo CD to refresh and sync an Application now, as `argocd app sync` does, through\n"
      "the Kubernetes API (no argocd CLI): the refresh annotation, then a sync operation of the\n"
      "app's target revision written with its resourceVersion (a 409 Conflict is read again and\n"
      "retried), refused with \"another operation is already in progress\" while one is. Then it\n"
      "waits until that app (and every --for) holds. --force-sync-secrets first asks External\n"
      "Secrets to re-read every ExternalSecret and re-validate every store (its force-sync\n"
      "annotation).",
      "Conditions:\n"
      "  nodes=N                      at least N nodes, every one Ready (condition Ready=True, no\n"
      "                               not-ready/unreachable taint, not cordoned)\n"
      "  deployment/NS/NAME           rollout complete, as kubectl rollout status (fails at once on\n"
      "                               ProgressDeadlineExceeded)\n"
      "  pod/NS/NAME=Running|Ready    the pod's phase is Running, or it is Ready (default)\n"
      "  application/NS/NAME          Argo CD Application Synced and Healthy, no operation in\n"
      "                               flight, reconciled after its last sync (argocd app wait)\n"
      "  applications/NS[=A,B,...]    every Application in NS (at least one; named ones must exist)\n"
      "  crd/NAME                     CustomResourceDefinition Established\n"
      "\n"
      "Degraded: an Application Degraded for longer than --degraded-grace (default 5m: longer than\n"
      "Argo CD's longest retry backoff of 3m) fails the wait with its health message, where\n"
      "`argocd app wait` fails at once; --degraded-grace 0 does that too, none turns it off.\n"
      "\n"
      "kubeconfig: --kubeconfig FILE, else $KUBECONFIG (files separated by ':'), else ~/.kube/config;\n"
      "--context picks a context. A kubeconfig that kind is still writing is waited for briefly.\n"
      "\n"
      "Output: progress on stderr when it is a terminal; otherwise only the final result. With\n"
      "--output jsonl the final state is printed on stdout as wait_condition and wait_result lines.\n"
      "--list nodes prints one {\"kind\":\"node\",...} line per node (input for scrape-nodes); --list pods one\n"
      "{\"kind\":\"pod\",...} line per pod: requests, limits, owner and workload (input for price-calc);\n"
      "--list nodes,pods both, nodes first.\n",
      "  kind-wait --for nodes=3 --timeout 5m\n"
      "  kind-wait --for nodes=3 --for deployment/argocd/argocd-server --for crd/applications.argoproj.io\n"
      "  kind-wait --for applications/argocd=root,vault,opencost --timeout 15m --output jsonl\n"
      "  kind-wait --kubeconfig ./kind-config --context kind-finops --for pod/vault/vault-0=Running\n"
      "  kind-wait --force-sync-secrets --sync application/argocd/root --retry-now --for applications/argocd\n"
      "  kind-wait --sync application/argocd/root --no-wait\n"
      "  kind-wait --list nodes | scrape-nodes --port 9100 | price-calc --format table\n"
      "  kind-wait --list nodes,pods | scrape-nodes --pods --via-apiserver | price-calc --by namespace\n"};
}

int run(int argc, char** argv) {
  cli::App app(tool_info());
  std::vector<std::string> conditions;
  std::string timeout_text = "5m";
  std::string kubeconfig;
  std::string context;
  std::string output = "text";
  std::string list;
  std::string max_list_text = "64Mi";
  std::vector<std::string> syncs;
  std::string degraded_text = "5m";
  app.options().add_options()
    ("for", cli::po::value(&conditions)->value_name("COND"), "a condition to wait for (repeatable; all must hold together)")
    ("timeout", cli::po::value(&timeout_text)->value_name("DUR")->default_value("5m"),
     "give up after this long (90s, 5m, 1h30m); covers everything, exec plugins included")
    ("kubeconfig", cli::po::value(&kubeconfig)->value_name("FILE"),
     "kubeconfig file (exactly this one; default: $KUBECONFIG, ~/.kube/config)")
    ("context", cli::po::value(&context)->value_name("NAME"), "kubeconfig context (default: current-context)")
    ("output,o", cli::po::value(&output)->value_name("FORMAT")->default_value("text"),
     "text, or jsonl for the final state on stdout")
    ("list", cli::po::value(&list)->value_name("KINDS"), "print an inventory instead of waiting: 'nodes', 'pods' or 'nodes,pods'")
    ("max-list-bytes", cli::po::value(&max_list_text)->value_name("SIZE")->default_value("64Mi"),
     "refuse a LIST answer larger than this (bytes, or with Ki, Mi, Gi)")
    ("sync", cli::po::value(&syncs)->value_name("application/NS/NAME"),
     "ask Argo CD to refresh and sync this Application now, then wait for it (repeatable)")
    ("retry-now", "with --sync: end a failed sync that waits for its retry (as argocd app terminate-op) and sync now")
    ("no-wait", "with --sync: return once Argo CD's controller has started the sync")
    ("force-sync-secrets", "first annotate every ExternalSecret and secret store so that External Secrets acts now")
    ("degraded-grace", cli::po::value(&degraded_text)->value_name("DUR")->default_value("5m"),
     "fail once an Application has been Degraded this long (0: at once, none: never)");
  app.choices("output", {"text", "jsonl"});
  app.choices("list", {"nodes", "pods", "nodes,pods"});
  app.file_option("kubeconfig");
  cli::po::variables_map vm;
  if (!app.parse(argc, argv, vm)) return kExitOk;

  // The one deadline starts now: loading the kubeconfig, exec plugins, every request and retry.
  const auto timeout = cli::parse_duration(timeout_text, "--timeout");
  if (timeout.count() == 0)
    throw UsageError("--timeout 0: give the wait some time, e.g. --timeout 1s (a check needs at least one answer)");
  const Deadline deadline = Deadline::after(timeout, cat("the ", kw::format_duration(timeout), " --timeout"));
  const size_t max_list_bytes = cli::parse_size(max_list_text, "--max-list-bytes");
  if (output != "text" && output != "jsonl")
    throw UsageError(cat("--output '", output, "': use text or jsonl"));
  const std::vector<std::string> kinds = kw::list_kinds(list);
  const bool retry_now = vm.count("retry-now") > 0;
  const bool no_wait = vm.count("no-wait") > 0;
  const bool force_sync_secrets = vm.count("force-sync-secrets") > 0;
  if (!list.empty() && (!conditions.empty() || !syncs.empty() || force_sync_secrets))
    throw UsageError("--list and --for, --sync or --force-sync-secrets do not go together; run kind-wait twice");
  if (list.empty() && conditions.empty() && syncs.empty() && !force_sync_secrets)
    throw UsageError("nothing to wait for: give at least one --for CONDITION or --sync application/NS/NAME, or --list nodes "
                     "(see kind-wait --help)");
  if ((retry_now || no_wait) && syncs.empty()) throw UsageError("--retry-now and --no-wait go with --sync");
  if (no_wait && !conditions.empty())
    throw UsageError("--no-wait returns once the sync has started: it does not take --for (run kind-wait again to wait)");

  kw::WaitOptions options;
  std::vector<kw::Target> to_sync;
  for (const auto& spec : syncs) {
    kw::Target t = kw::parse_target(spec);
    if (t.kind != kw::TargetKind::kApplication)
      throw UsageError(cat("--sync '", spec, "': write it as application/NAMESPACE/NAME"));
    to_sync.push_back(t);
  }
  for (const auto& c : conditions) options.targets.push_back(kw::parse_target(c));
  // A synced app is waited for too (argocd app sync waits), unless --for names it already.
  if (!no_wait)
    for (const auto& t : to_sync)
      if (std::none_of(options.targets.begin(), options.targets.end(), [&](const kw::Target& o) {
            return o.kind == kw::TargetKind::kApplication && o.ns == t.ns && o.name == t.name;
          }))
        options.targets.push_back(t);
  options.degraded_grace = kw::parse_degraded_grace(degraded_text);
  options.timeout = timeout;
  options.deadline = deadline;
  options.jsonl = output == "jsonl";
  options.max_list_bytes = max_list_bytes;

  kube::LoadOptions load;
  load.explicit_path = kubeconfig;
  load.context = context;
  load.settle = std::min(timeout, std::chrono::milliseconds(10'000));
  const kube::RestConfig config = kube::load_rest_config(load);
  log::debug(cat("API server ", redact_url(config.server), " from ", config.origin, "; CA: ", config.ca_source));
  if (config.credentials_withheld)
    log::warn(cat("the server ", redact_url(config.server), " is plain http, so the credentials of ", config.user_where,
                  " are not sent (kubectl withholds them too); use the API server's https:// URL"));

  for (const std::string& kind : kinds)
    if (const int code = kind == "nodes" ? kw::list_nodes(config, options, stdout) : kw::list_pods(config, options, stdout))
      return code;
  if (!kinds.empty()) return kExitOk;
  if (force_sync_secrets || !to_sync.empty()) {
    kube::ClientOptions client_options;
    client_options.max_attempts = 1;  // the actions' own retry policy (kube::judge_failure) decides
    client_options.user_agent = "kind-wait/" SF_VERSION;
    client_options.deadline = deadline;
    client_options.max_list_bytes = max_list_bytes;
    kube::KubeClient client(config, client_options);
    if (force_sync_secrets) {
      const kw::RefreshCount count = kw::force_sync_secrets(client, deadline);
      if (!count.installed)
        log::warn("External Secrets is not installed (the API server does not serve external-secrets.io/v1 "
                  "ExternalSecrets): nothing to refresh");
      else
        log::info(cat("asked External Secrets to refresh now: ", count.describe()));
    }
    for (const auto& t : to_sync) {
      kw::KubeApplicationApi api(client, t.ns, t.name);
      kw::SyncOptions sync_options;
      sync_options.retry_now = retry_now;
      sync_options.deadline = deadline;
      sync_options.marker = kw::new_sync_marker();
      const kw::SyncResult r = kw::request_sync(api, sync_options);
      log::info(cat("asked Argo CD to sync ", api.where(), " to ", r.revision,
                    r.conflicts ? cat(" (", r.conflicts, " conflicts re-read)") : std::string()));
      if (no_wait) {
        kw::wait_until_started(api, sync_options);
        log::info(cat(api.where(), ": Argo CD's controller has started the sync"));
      }
    }
    if (options.targets.empty()) return kExitOk;
  }
  return kw::wait_for(config, options, stdout);
}

}  // namespace

int main(int argc, char** argv) {
  return sf::cli::run_tool("kind-wait", [&] { return run(argc, argv); });
}
