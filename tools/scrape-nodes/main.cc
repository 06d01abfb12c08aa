// scrape-nodes: scrape node-exporters concurrently, two samples apart, and print one
// node_usage JSON line per target (docs/design.md). One dead node never hides the others.
#include <unistd.h>

#include <iostream>
#include <thread>

#include "common/cli.h"
#include "common/contracts.h"
#include "common/error.h"
#include "common/kube_client.h"
#include "common/kubeconfig.h"
#include "common/log.h"
#include "common/strings.h"
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
      "Scrapes Prometheus node-exporters concurrently, takes two samples --interval apart, and\n"
      "prints one node_usage JSON line per target: cores, busy cores, memory, filesystems and\n"
      "network traffic over the window. A target that fails gets a line with an \"error\" field.",
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
      "  rules, --kubeconfig, --context), so the node network need not be routable from here.\n",
      "  scrape-nodes --once http://127.0.0.1:9100/metrics\n"
      "  scrape-nodes --interval 30s node1:9100 node2:9100 | price-calc\n"
      "  kind-wait --list nodes | scrape-nodes --port 9100 | price-calc --format table\n"
      "  scrape-nodes --targets-file hosts.txt --concurrency 200 --timeout 3s > usage.jsonl\n"
      "  kind-wait --list nodes | scrape-nodes --via-apiserver --context kind-sovereign\n"};
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
    if (eq == std::string::npos || eq == 0) throw UsageError(cat("--label '", pair, "': write it as key=value"));
    labels.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  return labels;
}

int run(int argc, char** argv) {
  cli::App app(tool_info());
  std::string interval_text = "10s", timeout_text = "5s", connect_timeout_text = "2s";
  std::string fs_exclude, net_exclude, targets_file;
  std::vector<std::string> positional_targets, label_pairs;
  TargetDefaults defaults;
  ScrapeOptions options;
  int retries = 1;
  size_t max_bytes = 16u << 20;
  std::string cacert, kubeconfig, context;
  app.options().add_options()
    ("target", cli::po::value(&positional_targets), "a target (repeatable; also positional)")
    ("targets-file,f", cli::po::value(&targets_file), "read targets from FILE, one per line ('-' = stdin)")
    ("interval,i", cli::po::value(&interval_text)->default_value("10s"), "time between the two samples")
    ("once", "take a single sample (no rates)")
    ("timeout,t", cli::po::value(&timeout_text)->default_value("5s"), "per-target limit for one scrape")
    ("connect-timeout", cli::po::value(&connect_timeout_text)->default_value("2s"), "per-target connect limit")
    ("retries", cli::po::value(&retries)->default_value(1), "retries of a refused or broken connection")
    ("concurrency,c", cli::po::value(&options.concurrency)->default_value(64), "scrapes in flight at once")
    ("max-bytes", cli::po::value(&max_bytes)->default_value(16u << 20), "cap on one response body")
    ("scheme", cli::po::value(&defaults.scheme)->default_value("http"), "scheme for host:port targets")
    ("port", cli::po::value(&defaults.port)->default_value(9100), "port for hosts and node lines")
    ("path", cli::po::value(&defaults.path)->default_value("/metrics"), "path for host:port targets")
    ("label", cli::po::value(&label_pairs), "add key=value to every line's labels (repeatable)")
    ("fs-exclude-types", cli::po::value(&fs_exclude), "comma list of fstypes to leave out (replaces the default)")
    ("net-exclude-devices", cli::po::value(&net_exclude)->default_value("lo"), "comma list of device globs to leave out")
    ("cacert", cli::po::value(&cacert), "CA certificate (PEM) for https targets")
    ("insecure", "do not verify https certificates (say so only for tests)")
    ("via-apiserver", "reach each node through the API server's node proxy; targets are node names")
    ("kubeconfig", cli::po::value(&kubeconfig), "with --via-apiserver: the kubeconfig (default: KUBECONFIG rules)")
    ("context", cli::po::value(&context), "with --via-apiserver: the kubeconfig context");
  app.positional().add("target", -1);
  cli::po::variables_map vm;
  if (!app.parse(argc, argv, vm)) return kExitOk;

  if (defaults.scheme != "http" && defaults.scheme != "https") throw UsageError("--scheme must be http or https");
  if (options.concurrency < 1) throw UsageError("--concurrency must be at least 1");
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
  options.http.max_body_bytes = max_bytes;
  options.http.tls.ca_file = cacert;
  options.http.tls.verify = vm.count("insecure") == 0;

  UsageRules rules;
  if (vm.count("fs-exclude-types")) rules.excluded_fstypes = comma_list(fs_exclude);
  rules.excluded_net_devices = comma_list(net_exclude);
  const LabelList extra_labels = parse_labels(label_pairs);

  const bool via_apiserver = vm.count("via-apiserver") > 0;
  if (!via_apiserver && (vm.count("kubeconfig") || vm.count("context")))
    throw UsageError("--kubeconfig and --context go with --via-apiserver");
  std::vector<Target> targets;
  for (const auto& text : positional_targets) {
    targets.push_back(via_apiserver ? Target{"", text, {}, 0} : parse_target_text(text, defaults, "argument"));
  }
  if (!targets_file.empty() || (positional_targets.empty() && !isatty(STDIN_FILENO))) {
    LineReader reader(targets_file.empty() ? "-" : targets_file);
    for (auto& t : read_targets(reader, defaults, via_apiserver)) targets.push_back(std::move(t));
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
    options.http = std::move(http);
    for (auto& t : targets) route_through_apiserver(t, client.config().server, defaults);
    log::debug(cat("scraping through ", client.config().origin));
  }
  if (targets.empty()) throw UsageError("no targets: give URLs or host:port as arguments, --targets-file, or pipe node lines in (see --help)");
  for (auto& t : targets) t.labels.insert(t.labels.end(), extra_labels.begin(), extra_labels.end());

  log::Progress progress;
  progress.update(cat("scraping ", targets.size(), " target(s)..."));
  const auto start_time = Clock::now();
  const auto steady_start = std::chrono::steady_clock::now();
  std::vector<ScrapeResult> first = scrape_sweep(targets, {}, options);
  std::vector<ScrapeResult> last;
  auto end_time = start_time;
  if (once) {
    last = std::move(first);
    first.clear();
    end_time = start_time;
  } else {
    std::vector<size_t> alive;
    for (size_t i = 0; i < targets.size(); ++i)
      if (first[i].sample) alive.push_back(i);
    progress.update(cat("first sample: ", alive.size(), "/", targets.size(), " ok; waiting ", interval_text, "..."));
    std::this_thread::sleep_until(steady_start + interval);
    last.resize(targets.size());
    if (!alive.empty()) last = scrape_sweep(targets, alive, options);
    end_time = Clock::now();
  }
  progress.clear();

  JsonLineWriter out(stdout);
  size_t failed = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& target = targets[i];
    NodeUsage usage;
    usage.source = target.url;
    usage.window_start = format_rfc3339(start_time, true);
    usage.window_end = format_rfc3339(end_time, true);
    usage.labels = target.labels;
    usage.gpus = target.gpus;
    const ScrapeResult* failure = !once && !first[i].sample ? &first[i] : (!last[i].sample ? &last[i] : nullptr);
    if (failure == nullptr) {
      const NodeSample& sample = *last[i].sample;
      usage.node = !target.node_name.empty() ? target.node_name : sample.nodename;
      try {
        compute_usage(once ? nullptr : &*first[i].sample, sample, rules, usage);
      } catch (const Error& e) {
        usage.error = cat(target.url, ": ", e.what());
      }
    } else {
      usage.error = failure->error;
    }
    if (usage.node.empty()) usage.node = target.node_name.empty() ? target.url : target.node_name;
    if (usage.error) {
      ++failed;
      log::warn(*usage.error);
    }
    write_node_usage(out, usage);
  }
  out.flush();
  if (failed == targets.size()) {
    log::error(cat("all ", failed, " target(s) failed"));
    return kExitFailed;
  }
  if (failed > 0) {
    log::warn(cat(failed, " of ", targets.size(), " target(s) failed; the others are on stdout"));
    return kExitPartial;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return sf::cli::run_tool("scrape-nodes", [&] { return run(argc, argv); });
}
