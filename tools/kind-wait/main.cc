// kind-wait: wait, without kubectl, until a cluster is ready (nodes, deployments, pods, Argo CD
// Applications, CRDs, all at the same moment), or list its nodes as `node` JSON lines. Also
// asks Argo CD to sync an Application now (--sync) and External Secrets to refresh
// (--force-sync-secrets) before it waits. And two checks for make infra-up: one key of a
// Secret asked for by name (--secret), and that a NetworkPolicy denies a connection
// (--expect-denied).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "common/cli.h"
#include "common/deadline.h"
#include "common/error.h"
#include "common/kubeconfig.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/secret_text.h"
#include "common/strings.h"
#include "kind-wait/app_sync.h"
#include "kind-wait/degraded.h"
#include "kind-wait/deny_probe.h"
#include "kind-wait/pod_inventory.h"
#include "kind-wait/secret_read.h"
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
      "  or:  kind-wait [options] --list nodes|pods|nodes,pods\n"
      "  or:  kind-wait [options] --secret NS/NAME/KEY [--format value|argocd-login] [--out FILE]\n"
      "  or:  kind-wait [options] --expect-denied service/NS/NAME:PORT [--deny-window DUR]",
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
      "annotation).\n"
      "\n"
      "--secret prints one key of a Secret, only because it is asked for by name: to stdout, or with\n"
      "--out FILE to a file created 0600 and replaced only when complete. --format argocd-login\n"
      "writes a curl config file (curl -K) whose JSON body logs in to Argo CD as admin (POST\n"
      "/api/v1/session), so the password never passes through argv.\n"
      "\n"
      "--expect-denied proves that a NetworkPolicy denies the API server's connection to a Service\n"
      "(through its service proxy): kindnetd drops denied packets, so the dial hangs (no answer\n"
      "within --deny-window, default 5s, or the proxy's own dial timeout); any answer means the\n"
      "connection was made and exits 1. No endpoints yet is waited for within --timeout.",
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
  std::string secret, secret_format, out_file, deny_window_text = "5s";
  std::vector<std::string> denied;
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
     "fail once an Application has been Degraded this long (0: at once, none: never)")
    ("secret", cli::po::value(&secret)->value_name("NS/NAME/KEY"), "print this key of a Secret (asked for by name)")
    ("format", cli::po::value(&secret_format)->value_name("FORMAT"), "with --secret: value (default) or argocd-login")
    ("out", cli::po::value(&out_file)->value_name("FILE"), "with --secret: write to FILE (0600) instead of stdout")
    ("expect-denied", cli::po::value(&denied)->value_name("service/NS/NAME:PORT"),
     "exit 0 only if a NetworkPolicy denies the API server's connection to it (repeatable)")
    ("deny-window", cli::po::value(&deny_window_text)->value_name("DUR")->default_value("5s"),
     "with --expect-denied: no answer for this long counts as dropped");
  app.choices("output", {"text", "jsonl"});
  app.choices("list", {"nodes", "pods", "nodes,pods"});
  app.choices("format", {"value", "argocd-login"});
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
  const bool checks = !secret.empty() || !denied.empty();
  if (checks && (!list.empty() || !conditions.empty() || !syncs.empty() || force_sync_secrets || (!secret.empty() && !denied.empty())))
    throw UsageError("--secret and --expect-denied each go alone (no --for, --sync, --list); run kind-wait again for the rest");
  if (secret.empty() && (!secret_format.empty() || !out_file.empty())) throw UsageError("--format and --out go with --secret");
  if (denied.empty() && vm.count("deny-window") && !vm["deny-window"].defaulted())
    throw UsageError("--deny-window goes with --expect-denied");
  if (!list.empty() && (!conditions.empty() || !syncs.empty() || force_sync_secrets))
    throw UsageError("--list and --for, --sync or --force-sync-secrets do not go together; run kind-wait twice");
  if (!checks && list.empty() && conditions.empty() && syncs.empty() && !force_sync_secrets)
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

  // The checks' arguments are read before the kubeconfig: a typo is named first.
  std::optional<kw::SecretKeyRef> secret_ref;
  auto secret_fmt = kw::SecretFormat::kValue;
  if (!secret.empty()) {
    secret_ref = kw::parse_secret_key_ref(secret);
    if (!secret_format.empty()) secret_fmt = kw::parse_secret_format(secret_format);
  }
  std::vector<kw::DenyTarget> deny_targets;
  for (const auto& d : denied) deny_targets.push_back(kw::parse_deny_target(d));
  const auto deny_window = cli::parse_duration(deny_window_text, "--deny-window");
  if (!denied.empty() && deny_window.count() <= 0) throw UsageError("--deny-window 0: give it time, e.g. 5s");

  // The actions' client: their own retry policy (retry_transient, kube::judge_failure) decides.
  const auto action_client_options = [&] {
    kube::ClientOptions o;
    o.max_attempts = 1;
    o.user_agent = "kind-wait/" SF_VERSION;
    o.deadline = deadline;
    o.max_list_bytes = max_list_bytes;
    return o;
  };

  kube::LoadOptions load;
  load.explicit_path = kubeconfig;
  load.context = context;
  load.settle = std::min(timeout, std::chrono::milliseconds(10'000));
  const kube::RestConfig config = kube::load_rest_config(load);
  log::debug(cat("API server ", redact_url(config.server), " from ", config.origin, "; CA: ", config.ca_source));
  if (config.credentials_withheld)
    log::warn(cat("the server ", redact_url(config.server), " is plain http, so the credentials of ", config.user_where,
                  " are not sent (kubectl withholds them too); use the API server's https:// URL"));

  if (secret_ref) {
    kube::KubeClient client(config, action_client_options());
    std::string value = kw::read_secret_key(client, *secret_ref, deadline);
    std::string text;
    try {
      text = kw::format_secret_value(*secret_ref, value, secret_fmt);
    } catch (...) {
      wipe(value);
      throw;
    }
    wipe(value);
    write_secret_text(text, out_file.empty() ? std::nullopt : std::optional<std::string>(out_file),
                      secret_fmt == kw::SecretFormat::kValue);
    return kExitOk;
  }
  if (!deny_targets.empty()) {
    for (const auto& t : deny_targets) log::info(kw::expect_denied(config, t, deny_window, deadline));
    return kExitOk;
  }
  int listed = kExitOk;  // a refused item is exit 3 (partial); the other kinds are still listed
  for (const std::string& kind : kinds)
    listed = std::max(listed, kind == "nodes" ? kw::list_nodes(config, options, stdout)
                                              : kw::list_pods(config, options, stdout));
  if (!kinds.empty()) return listed;
  if (force_sync_secrets || !to_sync.empty()) {
    kube::KubeClient client(config, action_client_options());
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
