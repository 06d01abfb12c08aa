// scrape-nodes: scrape node-exporters concurrently, two samples apart, and print one
// node_usage JSON line per target (docs/design.md). One dead node never hides the others.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/cli.h"
#include "common/contracts.h"
#include "common/error.h"
#include "common/json_lines.h"
#include "common/json_writer.h"
#include "common/kube_client.h"
#include "common/kubeconfig.h"
#include "common/log.h"
#include "common/output.h"
#include "common/redact.h"
#include "common/strings.h"
#include "scrape-nodes/pod_scrape.h"
#include "scrape-nodes/sampling.h"
#include "scrape-nodes/scraper.h"
#include "scrape-nodes/targets.h"
#include "scrape-nodes/usage.h"

namespace {

using namespace sf;
using namespace sf::scrape;

cli::ToolInfo tool_info() {
  return {
      "scrape-nodes",
      "scrape-nodes [options] [TARGET...]",
      "Scrapes Prometheus node-exporters concurrently, takes two samples of each target (the second\n"
      "--interval after its own first one), and prints one node_usage JSON line per target: cores,\n"
      "busy cores, memory, filesystems and network traffic over its own window. A target that fails,\n"
      "or whose payload holds a value the figures cannot use (NaN, a negative MemTotal, a nodename\n"
      "with control characters), gets a line with an \"error\" field; the others are intact.",
      "Targets (arguments, --targets-file FILE, or stdin when neither is given):\n"
      "  http(s)://host:port/path   scraped as is\n"
      "  host:port, [v6]:port, host   become SCHEME://host:PORT/PATH (--scheme, --port, --path)\n"
      "  {\"kind\":\"node\",...}         a node line (kind-wait --list nodes): internal_ip + --port;\n"
      "                               its name, labels and GPU count are carried over\n"
      "\n"
      "Figures:\n"
      "  cpu_cores           distinct cpu labels of node_cpu_seconds_total\n"
      "  cpu_busy_cores      increase of node_cpu_seconds_total over every mode except idle and\n"
      "                      iowait (a core waiting for I/O is idle), divided by the window; a\n"
      "                      counter that went down restarted and counts from zero (as rate())\n"
      "  memory_used_bytes   MemTotal - MemAvailable\n"
      "  filesystem_*        size and size - free of real filesystems, each device once\n"
      "                      (--fs-exclude-types lists the pseudo filesystems left out)\n"
      "  network_*_bytes     increase of node_network_{receive,transmit}_bytes_total\n"
      "  With --once there is one sample, so no rates: cpu_busy_cores and network are null.\n"
      "\n"
      "Through the API server (--via-apiserver): each node is reached at\n"
      "  SERVER/api/v1/nodes/NAME:PORT/proxy/PATH with the kubeconfig's credentials (KUBECONFIG\n"
      "  rules, --kubeconfig, --context), so the node network need not be routable from here.\n"
      "\n"
      "Pods (--pods): each node's kubelet /metrics/resource instead (the endpoint metrics-server reads),\n"
      "  two samples apart; per node a node_usage line (capacity from its node line, busy cores and\n"
      "  working set from the kubelet) followed by a pod_usage line per container: cpu_usage_cores\n"
      "  (counter increase over the kubelet's own sample times), memory_working_set_bytes, the seconds\n"
      "  it ran in the window. Targets are node lines (kind-wait --list nodes); pod lines in the input\n"
      "  are copied to the output first, for price-calc. Through the API server the kubelet is\n"
      "  SERVER/api/v1/nodes/NAME/proxy/metrics/resource (RBAC nodes/proxy, which also allows the\n"
      "  kubelet's exec: see docs/allocation.md); directly it is https://INTERNAL_IP:10250 with\n"
      "  --token-file (a service account token allowed nodes/metrics) and --cacert.\n",
      "  scrape-nodes --once http://127.0.0.1:9100/metrics\n"
      "  scrape-nodes --interval 30s node1:9100 node2:9100 | price-calc\n"
      "  kind-wait --list nodes | scrape-nodes --port 9100 | price-calc --format table\n"
      "  scrape-nodes --targets-file hosts.txt --concurrency 200 --timeout 3s > usage.jsonl\n"
      "  kind-wait --list nodes | scrape-nodes --via-apiserver --context kind-sovereign\n"
      "  kind-wait --list nodes,pods | scrape-nodes --pods --via-apiserver | price-calc --by namespace\n"
      "  kind-wait --list nodes | scrape-nodes --pods --token-file /var/run/secrets/kubernetes.io/serviceaccount/token \\\n"
      "      --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n"};
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  for (auto& part : split(text, ','))
    if (!trim(part).empty()) out.emplace_back(trim(part));
  return out;
}

LabelList parse_labels(const std::vector<std::string>& pairs) {
  LabelList labels;
  for (const auto& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(cat("--label '", printable(pair, 80), "': write it as key=value"));
    if (!valid_utf8(pair)) throw UsageError(cat("--label '", printable(pair, 80), "': not valid UTF-8"));
    labels.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  return labels;
}

void check_readable_file(const std::string& path, const char* flag) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw UsageError(cat(flag, " ", path, ": ", std::strerror(errno), "; give the CA certificate file (PEM)"));
  if (S_ISDIR(st.st_mode)) throw UsageError(cat(flag, " ", path, ": is a directory; give the CA certificate file (PEM)"));
  if (::access(path.c_str(), R_OK) != 0)
    throw UsageError(cat(flag, " ", path, ": ", std::strerror(errno), "; check its permissions"));
}

// One target's line: its figures, or its error (then `error` says what, as the line does).
struct Outcome {
  std::string line;
  std::string error;
};

// Every value is checked by the contract's writer; a value it refuses (NaN from a broken
// collector, a nodename with control characters) makes this target's line an error line, and
// the others are untouched.
struct LineMaker {
  const UsageRules& rules;
  bool once;

  Outcome failure(const Target& target, Clock::time_point start, Clock::time_point end, const std::string& error) const {
    NodeUsage usage;
    usage.source = redact_url(target.url);
    usage.node = !target.node_name.empty() ? target.node_name : usage.source;
    usage.window_start = format_rfc3339(start, true);
    usage.window_end = format_rfc3339(end, true);
    usage.labels = target.labels;
    usage.error = printable(error, 2000);
    try {
      return {node_usage_json(usage), *usage.error};
    } catch (const json::JsonValueError&) {
      usage.node = usage.source;  // a node name from a node line that the contract refuses
      return {node_usage_json(usage), *usage.error};
    }
  }

  Outcome figures(const Target& target, const FirstSample* first, const NodeSample& last) const {
    const Clock::time_point start = first != nullptr ? first->scraped_at : last.scraped_at;
    NodeUsage usage;
    usage.source = redact_url(target.url);
    usage.window_start = format_rfc3339(start, true);
    usage.window_end = format_rfc3339(last.scraped_at, true);
    usage.labels = target.labels;
    usage.gpus = target.gpus;
    usage.node = target.node_name;
    try {
      if (usage.node.empty()) {
        if (!valid_utf8(last.nodename))
          throw Error(cat("node_uname_info's nodename \"", printable(last.nodename, 80), "\" is not valid UTF-8"));
        usage.node = last.nodename.empty() ? usage.source : last.nodename;
      }
      compute_usage(once ? nullptr : first, last, rules, usage);
      return {node_usage_json(usage), ""};
    } catch (const Error& e) {
      return failure(target, start, last.scraped_at, cat(usage.source, ": ", e.what()));
    }
  }
};

// 0 all targets scraped, 1 none, 3 some (the others are on stdout).
int exit_code(size_t failures, size_t targets) {
  if (failures == targets) {
    log::error(cat("all ", failures, " target(s) failed"));
    return kExitFailed;
  }
  if (failures > 0) {
    log::warn(cat(failures, " of ", targets, " target(s) failed; the others are on stdout"));
    return kExitPartial;
  }
  return kExitOk;
}

// --pods: the pod lines of the input first (price-calc reads the inventory before the usage),
// then per node its node_usage line and its containers' pod_usage lines.
int run_pods(const std::vector<Target>& targets, const ScrapeOptions& options, std::chrono::milliseconds interval,
             bool once, const std::vector<std::string>& pod_lines) {
  Output& out = Output::standard();
  for (const std::string& line : pod_lines) {
    out.write(line);
    out.write("\n");
  }
  out.flush();  // the inventory is on its way while the kubelets are sampled
  const std::vector<NodeLines> nodes = scrape_pods(targets, options, interval, once);
  size_t failures = 0, containers = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].error.empty()) {
      ++failures;
      log::warn(cat(targets[i].node_name, ": ", nodes[i].error));
    }
    containers += nodes[i].containers;
    out.write(nodes[i].lines);
  }
  out.flush();
  log::debug(cat(containers, " container(s) on ", targets.size() - failures, " node(s)"));
  return exit_code(failures, targets.size());
}

int run(int argc, char** argv) {
  cli::App app(tool_info());
  std::string interval_text = "10s", timeout_text = "5s", connect_timeout_text = "2s";
  std::string fs_exclude, net_exclude, targets_file;
  std::vector<std::string> positional_targets, label_pairs;
  TargetDefaults defaults;
  ScrapeOptions options;
  int retries = 1;
  long long concurrency = 64, max_bytes = 16 << 20, port = 9100;
  std::string cacert, kubeconfig, context, token_file;
  app.options().add_options()
    ("target", cli::po::value(&positional_targets), "a target (repeatable; also positional)")
    ("targets-file,f", cli::po::value(&targets_file), "read targets from FILE, one per line ('-' = stdin)")
    ("interval,i", cli::po::value(&interval_text)->default_value("10s"),
     "time between a target's two samples (from the end of its first scrape)")
    ("once", "take a single sample (no rates)")
    ("timeout,t", cli::po::value(&timeout_text)->default_value("5s"), "per-target limit for one scrape")
    ("connect-timeout", cli::po::value(&connect_timeout_text)->default_value("2s"), "per-target connect limit")
    ("retries", cli::po::value(&retries)->default_value(1), "retries of a refused or broken connection")
    ("concurrency,c", cli::po::value(&concurrency)->default_value(64), "scrapes in flight at once (1 to 10000)")
    ("max-bytes", cli::po::value(&max_bytes)->default_value(16 << 20), "cap on one response body (bytes, at least 1)")
    ("scheme", cli::po::value(&defaults.scheme)->default_value("http"), "scheme for host:port targets")
    ("port", cli::po::value(&port)->default_value(9100), "port for hosts and node lines")
    ("path", cli::po::value(&defaults.path)->default_value("/metrics"), "path for host:port targets")
    ("label", cli::po::value(&label_pairs), "add key=value to every line's labels (repeatable)")
    ("fs-exclude-types", cli::po::value(&fs_exclude), "comma list of fstypes to leave out (replaces the default)")
    ("net-exclude-devices", cli::po::value(&net_exclude)->default_value("lo"), "comma list of device globs to leave out")
    ("cacert", cli::po::value(&cacert), "CA certificate (PEM) for https targets")
    ("insecure", "do not verify https certificates (say so only for tests)")
    ("via-apiserver", "reach each node through the API server's node proxy; targets are node names")
    ("kubeconfig", cli::po::value(&kubeconfig), "with --via-apiserver: the kubeconfig (default: KUBECONFIG rules)")
    ("context", cli::po::value(&context), "with --via-apiserver: the kubeconfig context")
    ("pods", "scrape each node's kubelet /metrics/resource: node_usage and pod_usage lines (needs node lines)")
    ("token-file", cli::po::value(&token_file), "with --pods, directly: a bearer token file for the kubelets");
  app.positional().add("target", -1);
  cli::po::variables_map vm;
  app.choices("scheme", {"http", "https"});
  if (!app.parse(argc, argv, vm)) return kExitOk;

  const bool pods = vm.count("pods") > 0;
  if (pods) {  // the kubelet's defaults, unless the flags say otherwise
    if (vm["scheme"].defaulted()) defaults.scheme = "https";
    if (vm["port"].defaulted()) port = 10250;
    if (vm["path"].defaulted()) defaults.path = "/metrics/resource";
  }
  if (defaults.scheme != "http" && defaults.scheme != "https") throw UsageError("--scheme must be http or https");
  options.concurrency = static_cast<size_t>(cli::checked_count(concurrency, "--concurrency", 1, 10000));
  const auto body_cap = static_cast<size_t>(cli::checked_count(max_bytes, "--max-bytes", 1, 1LL << 40));
  defaults.port = static_cast<int>(cli::checked_count(port, "--port", 1, 65535));
  if (retries < 0 || retries > 10) throw UsageError("--retries must be between 0 and 10");
  const auto interval = cli::parse_duration(interval_text, "--interval");
  const bool once = vm.count("once") > 0;
  if (!once && interval.count() <= 0) throw UsageError("--interval must be positive (or use --once)");
  options.http.total_timeout = cli::parse_duration(timeout_text, "--timeout");
  options.http.connect_timeout = cli::parse_duration(connect_timeout_text, "--connect-timeout");
  if (options.http.total_timeout.count() <= 0) throw UsageError("--timeout must be positive");
  options.http.max_attempts = retries + 1;
  options.http.backoff_initial = std::chrono::milliseconds(100);
  options.http.backoff_max = std::chrono::milliseconds(1000);
  options.http.max_body_bytes = body_cap;
  options.http.body_cap_hint = "raise --max-bytes only if a target's metrics are that large";
  if (!cacert.empty()) check_readable_file(cacert, "--cacert");
  options.http.tls.ca_file = cacert;
  options.http.tls.verify = vm.count("insecure") == 0;

  UsageRules rules;
  if (vm.count("fs-exclude-types")) rules.excluded_fstypes = comma_list(fs_exclude);
  rules.excluded_net_devices = comma_list(net_exclude);
  const LabelList extra_labels = parse_labels(label_pairs);

  const bool via_apiserver = vm.count("via-apiserver") > 0;
  options.via_apiserver = via_apiserver;
  if (!via_apiserver && (vm.count("kubeconfig") || vm.count("context")))
    throw UsageError("--kubeconfig and --context go with --via-apiserver");
  if (!token_file.empty()) {
    if (!pods || via_apiserver)
      throw UsageError("--token-file goes with --pods scraping kubelets directly (through the API server the "
                       "kubeconfig's credentials are used)");
    options.http.bearer_token = kube::read_token_file(token_file, "--token-file");
  }
  if (pods && !positional_targets.empty())
    throw UsageError("--pods prices each node by its capacity, which node lines carry: pipe kind-wait --list nodes in "
                     "(or --targets-file with node lines) instead of naming targets");
  std::vector<Target> targets;
  std::vector<std::string> pod_lines;  // passed on to price-calc, first
  for (const auto& text : positional_targets) {
    targets.push_back(via_apiserver ? Target{"", text, {}, 0} : parse_target_text(text, defaults, "argument"));
  }
  if (!targets_file.empty() || (positional_targets.empty() && !isatty(STDIN_FILENO))) {
    LineReader reader(targets_file.empty() ? "-" : targets_file);
    for (auto& t : read_targets(reader, defaults, via_apiserver, pods ? &pod_lines : nullptr))
      targets.push_back(std::move(t));
  }
  if (via_apiserver) {
    // The kubeconfig's TLS and credentials replace --cacert/--insecure; our limits stay.
    kube::LoadOptions load;
    load.explicit_path = kubeconfig;
    load.context = context;
    kube::KubeClient client(kube::load_rest_config(load));
    http::Options http = client.http_options();
    http.connect_timeout = options.http.connect_timeout;
    http.total_timeout = options.http.total_timeout;
    http.max_attempts = options.http.max_attempts;
    http.backoff_initial = options.http.backoff_initial;
    http.backoff_max = options.http.backoff_max;
    http.max_body_bytes = options.http.max_body_bytes;
    http.body_cap_hint = options.http.body_cap_hint;
    options.http = std::move(http);
    options.credentials_of = cat(client.config().user_where, " (", client.config().origin, ")");
    for (auto& t : targets) {
      if (pods) route_to_kubelet(t, client.config().server, defaults.path);
      else route_through_apiserver(t, client.config().server, defaults);
    }
    log::debug(cat("scraping through ", client.config().origin));
  }
  if (targets.empty()) throw UsageError("no targets: give URLs or host:port as arguments, --targets-file, or pipe node lines in (see --help)");
  for (auto& t : targets) t.labels.insert(t.labels.end(), extra_labels.begin(), extra_labels.end());
  options.http.headers.emplace_back(kAcceptHeader);
  if (pods) {
    for (const Target& t : targets)
      if (!t.has_capacity)
        throw UsageError(cat("'", redact_url(t.url), "': --pods needs node lines (kind-wait --list nodes) for the ",
                             "capacity that prices each node"));
    return run_pods(targets, options, interval, once, pod_lines);
  }

  const LineMaker make{rules, once};
  std::vector<Outcome> outcomes(targets.size());  // one per target, in target order
  std::vector<FirstSample> firsts(once ? 0 : targets.size());
  http::MultiFetcher fetcher(options.http, options.concurrency);

  log::Progress progress;
  progress.update(cat("scraping ", targets.size(), " target(s)..."));
  const auto sweep_start = Clock::now();
  sample_twice<NodeSample, SampleCollector>(
      targets, options, fetcher, interval,
      [&](size_t i, ScrapeResult&& r) {
        if (!r.sample) {
          outcomes[i] = make.failure(targets[i], sweep_start, Clock::now(), r.error);
          return false;
        }
        if (once) {
          outcomes[i] = make.figures(targets[i], nullptr, *r.sample);
          return false;
        }
        firsts[i] = digest(*r.sample, rules);
        return true;
      },
      [&](size_t i, ScrapeResult&& r) {
        outcomes[i] = r.sample ? make.figures(targets[i], &firsts[i], *r.sample)
                               : make.failure(targets[i], firsts[i].scraped_at, Clock::now(), r.error);
        firsts[i] = FirstSample{};  // done with it
      },
      [&](size_t wanted, size_t total) {
        if (!once) progress.update(cat("first sample: ", wanted, "/", total, " ok; waiting ", interval_text, "..."));
      });
  progress.clear();

  JsonLineWriter out(Output::standard());
  size_t failures = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (!o.error.empty()) {
      ++failures;
      // Every error already starts with the target's (redacted) URL: name a node only if there is one.
      log::warn(targets[i].node_name.empty() ? o.error : cat(targets[i].node_name, ": ", o.error));
    }
    out.write_line(o.line);
  }
  out.flush();
  return exit_code(failures, targets.size());
}

}  // namespace

int main(int argc, char** argv) {
  return sf::cli::run_tool("scrape-nodes", [&] { return run(argc, argv); });
}
