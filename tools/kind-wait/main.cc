// kind-wait: wait, without kubectl, until a cluster is ready (nodes, deployments, pods, Argo CD
// Applications, CRDs, all at the same moment), or list its nodes as `node` JSON lines.
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
#include "kind-wait/pod_inventory.h"
#include "kind-wait/targets.h"
#include "kind-wait/waiter.h"

namespace {

using namespace sf;

cli::ToolInfo tool_info() {
  return {
      "kind-wait",
      "kind-wait [options] --for CONDITION [--for CONDITION...]\n  or:  kind-wait [options] --list nodes|pods|nodes,pods",
      "Waits until every --for condition holds at the same moment, watching the Kubernetes API\n"
      "(no polling, no kubectl). Objects that do not exist yet, and resource types whose CRD is not\n"
      "installed yet, are waited for. One --timeout covers everything; on timeout it exits 1 and\n"
      "says what is missing and why. With --list nodes (or pods) it prints the inventory instead.",
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
     "refuse a LIST answer larger than this (bytes, or with Ki, Mi, Gi)");
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
  if (!list.empty() && !conditions.empty()) throw UsageError("--list and --for do not go together; run kind-wait twice");
  if (list.empty() && conditions.empty())
    throw UsageError("nothing to wait for: give at least one --for CONDITION, or --list nodes (see kind-wait --help)");

  kw::WaitOptions options;
  for (const auto& c : conditions) options.targets.push_back(kw::parse_target(c));
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
  return kw::wait_for(config, options, stdout);
}

}  // namespace

int main(int argc, char** argv) {
  return sf::cli::run_tool("kind-wait", [&] { return run(argc, argv); });
}
