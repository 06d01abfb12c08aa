// price-calc: prices node_usage lines with OpenCost's model and a price list in OpenCost's
// custom pricing format; reports for people (table, html) and machines (json, csv, FOCUS);
// an idempotent ledger for cron and reports over it.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "common/output.h"
#include "common/cli.h"
#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "price-calc/alloc_formats.h"
#include "price-calc/alloc_input.h"
#include "price-calc/alloc_report.h"
#include "price-calc/allocation.h"
#include "price-calc/ledger.h"
#include "price-calc/pipeline.h"
#include "price-calc/pricing.h"
#include "price-calc/pricing_export.h"
#include "price-calc/report.h"
#include "price-calc/sink.h"

namespace po = boost::program_options;
using namespace sf;
using namespace sf::pc;

namespace {

const char* const kFormats =
    "output format: table (default on a terminal), json (JSON Lines, default otherwise), csv, focus (FOCUS 1.0 "
    "CSV), html (one self-contained page), summary (one JSON line of totals)";

std::optional<std::string> opt_string(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

// The format: the flag; else from -o's extension; else table on a terminal, json otherwise.
std::string choose_format(const po::variables_map& vm, const std::optional<std::string>& output) {
  if (vm.count("format")) return vm["format"].as<std::string>();
  if (output && *output != "-") {
    const std::string lower = to_lower(*output);
    auto ends = [&](const char* ext) {
      const std::string e = ext;
      return lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0;
    };
    if (ends(".html") || ends(".htm")) return "html";
    if (ends(".focus.csv")) return "focus";
    if (ends(".csv")) return "csv";
    if (ends(".txt")) return "table";
    return "json";
  }
  return ::isatty(STDOUT_FILENO) == 1 ? "table" : "json";
}

std::chrono::milliseconds lock_timeout(const po::variables_map& vm) {
  const auto wait = cli::parse_duration(vm["lock-timeout"].as<std::string>(), "--lock-timeout");
  if (wait > std::chrono::hours(24)) throw UsageError("--lock-timeout: at most 24h");
  return wait;
}

void add_lock_option(po::options_description& o) {
  o.add_options()("lock-timeout", po::value<std::string>()->value_name("DURATION")->default_value("60s"),
                  "how long to wait for another price-calc holding the ledger's lock before giving up (naming it)");
}

void add_output_options(po::options_description& o) {
  o.add_options()
    ("format,f", po::value<std::string>()->value_name("F"), kFormats)
    ("output,o", po::value<std::string>()->value_name("FILE"),
     "write the report to FILE, replaced atomically (on any error the previous FILE is left as it was; its mode "
     "is kept); a device or FIFO is written in place; the format follows the extension (.html, .csv, .focus.csv, "
     ".txt) unless --format says otherwise")
    ("title", po::value<std::string>()->value_name("TEXT")->default_value("Node costs"), "html: the page title")
    ("account", po::value<std::string>()->value_name("ID"),
     "focus: BillingAccountId/Name (default: clusterName of the price list, else \"local\")")
    ("provider-name", po::value<std::string>()->value_name("NAME")->default_value("Self-hosted"),
     "focus: ProviderName, PublisherName and InvoiceIssuerName");
}

SinkOptions sink_options(const po::variables_map& vm, const std::string& cluster_name, const std::string& note) {
  SinkOptions o;
  o.title = vm["title"].as<std::string>();
  o.account = vm.count("account") ? vm["account"].as<std::string>() : (cluster_name.empty() ? "local" : cluster_name);
  o.provider_name = vm["provider-name"].as<std::string>();
  o.source_note = note;
  o.color = log::use_color() && ::isatty(STDOUT_FILENO) == 1;
  return o;
}

// price-calc --by KEY: allocation. The whole input is read first (rows are known at its end),
// then written in the format asked for, and to the allocation ledger.
int run_allocation(const po::variables_map& vm, const Pricing& pricing, const std::string& pricing_path,
                   const std::optional<std::string>& ledger_path, std::chrono::milliseconds wait) {
  AllocationOptions o;
  o.by = parse_grouping(vm["by"].as<std::string>());
  const std::string idle_by = vm["idle-by"].as<std::string>();
  if (idle_by != "node" && idle_by != "cluster")
    throw UsageError(cat("--idle-by '", printable(idle_by, 40), "': use node or cluster"));
  o.idle_by = idle_by == "node" ? IdleBy::kNode : IdleBy::kCluster;
  o.share_idle = vm.count("share-idle") > 0;
  const std::string requests = vm["requests"].as<std::string>();
  if (requests != "containers" && requests != "scheduling")
    throw UsageError(cat("--requests '", printable(requests, 40), "': use containers or scheduling"));
  o.requests = requests == "scheduling" ? RequestScope::kScheduling : RequestScope::kContainers;
  if (vm.count("period")) o.period = cli::parse_duration(vm["period"].as<std::string>(), "--period");
  o.ledger_rows = ledger_path.has_value();
  if (vm.count("no-storage")) log::debug("--no-storage: allocation never prices storage (CPU, RAM and GPU only)");

  const auto output_path = opt_string(vm, "output");
  const std::string format = choose_format(vm, output_path);
  Allocator allocator(pricing, o);
  std::vector<InvalidLine> invalid;
  if (vm.count("pods"))
    for (const std::string& file : vm["pods"].as<std::vector<std::string>>()) read_allocation_input(file, allocator, invalid);
  read_allocation_input(vm["input"].as<std::string>(), allocator, invalid);
  std::vector<AllocRow> rows, ledger_rows;
  allocator.finish(rows, ledger_path ? &ledger_rows : nullptr);
  const AllocationReport& report = allocator.report();
  for (const std::string& note : allocation_notes(report)) log::warn(note);

  OutputFile output(output_path);
  SinkOptions options = sink_options(vm, pricing.cluster_name, "prices from " + pricing_path);
  options.currency = pricing.currency;
  write_allocation(format, output.out(), {rows, report, invalid, vm["by"].as<std::string>()}, options);
  if (ledger_path) {
    LedgerWriter ledger(*ledger_path, wait, alloc_ledger_schema());
    for (const AllocRow& r : ledger_rows) ledger.add(r);
    const LedgerResult r = ledger.commit();
    log::info(cat(*ledger_path, ": ", r.appended, " row(s) appended", r.created ? " (new ledger)" : "",
                  r.already_present > 0 ? cat(", ", r.already_present, " already there (same row and window)")
                                        : std::string()));
  }
  const size_t allocated = report.charged;
  if (allocated > 0 || !output.replaces_file()) output.commit();
  if (allocated == 0) {
    log::error(cat("nothing was allocated: ", report.usage_lines == 0 ? "no pod_usage lines (pipe scrape-nodes --pods in)"
                                                                         : "no container line could be charged"));
    return report.invalid > 0 ? kExitUsage : kExitFailed;
  }
  const bool partial = report.invalid > 0 || report.failed_nodes > 0 || report.unpriced_nodes > 0 ||
                       report.without_node > 0;
  return partial ? kExitPartial : kExitOk;
}

int run_price(int argc, char** argv) {
  cli::App app({
      "price-calc",
      "price-calc [options] [FILE|-]\n       price-calc report --ledger FILE [--from T] [--to T] [options]\n"
      "       price-calc pricing [--emit json|helm|configmap] [options]",
      "Prices node_usage lines (from scrape-nodes) with OpenCost's cost model and the price list in "
      "opencost/pricing.json (OpenCost's custom pricing format: CPU per core-hour, RAM per GiB-hour, GPU per "
      "GPU-hour, storage per GiB-hour). Writes per-node costs (CPU, RAM, GPU, storage; used and idle; "
      "efficiency; hourly/daily/monthly projections) as a table, JSON Lines, CSV, FOCUS 1.0 or HTML, and can "
      "append them to a CSV ledger for cron. With --by it allocates the costs to namespaces, workloads, pods, "
      "nodes or label values as OpenCost does: each container max(request, usage) at its node's prices, the "
      "rest of each node idle (pod and pod_usage lines from kind-wait --list pods and scrape-nodes --pods).",
      "Input: node_usage JSON Lines from FILE or stdin; other kinds are skipped. A line with \"error\" is a\n"
      "failed node: reported as unpriced (stderr and output), never priced as zero. A line that breaks the\n"
      "contract is reported with file:line and skipped; the others are priced (exit 3). No node_usage line\n"
      "at all is a failure (exit 1): nothing was priced.\n"
      "Window: hours = (window_end - window_start); a zero-length window (scrape-nodes --once) costs 0 but\n"
      "its hourly rate and projections are shown. --period 1h prices each line for the UTC hour holding it.\n"
      "Formulas (OpenCost): CPU = cores x CPU x h x (1-D); RAM = bytes/1024^3 x RAM x h x (1-D);\n"
      "GPU = gpus x GPU x h; storage = filesystem bytes/1024^3 x storage x h; D = 1-(1-discount)(1-negotiated).\n"
      "Price list: --pricing, else ./opencost/pricing.json, else ../share/sovereign-finops/pricing.json beside\n"
      "the binary, else " + installed_pricing_path() + ".\n"
      "See docs/price-calc.md and, for --by, docs/allocation.md.",
      "  scrape-nodes --interval 10s http://127.0.0.1:9100/metrics | price-calc\n"
      "  price-calc --format html -o costs.html usage.jsonl\n"
      "  price-calc --format focus usage.jsonl > focus.csv\n"
      "  scrape-nodes --interval 10s $TARGETS | price-calc --period 1h --ledger /var/lib/sf/ledger.csv -f summary\n"
      "  price-calc report --ledger /var/lib/sf/ledger.csv --from 2026-11-01 --to 2026-12-01 -f html -o nov.html\n"
      "  price-calc pricing --emit helm > opencost-values.yaml\n"
      "  kind-wait --list nodes,pods | scrape-nodes --pods --via-apiserver | price-calc --by namespace\n"
      "  price-calc --by controller --share-idle -f focus -o workloads.focus.csv usage.jsonl\n"});
  app.options().add_options()
    ("pricing", po::value<std::string>()->value_name("FILE"),
     "price list: OpenCost's pricing JSON, its ConfigMap or Helm values (default opencost/pricing.json)")
    ("price-unit", po::value<std::string>()->value_name("U")->default_value("hour"),
     "hour: prices are hourly (OpenCost's JSON file); month: monthly prices divided by 730 and rounded to 6 "
     "decimals, as OpenCost's ConfigMap path did before 2026")
    ("ledger", po::value<std::string>()->value_name("FILE"),
     "also append the priced rows to this CSV ledger, once per (node, window), under a lock")
    ("period", po::value<std::string>()->value_name("DURATION"),
     "price each line for the aligned period (e.g. 1h) holding its window, instead of the window itself")
    ("no-storage", "leave node filesystems unpriced (OpenCost's node cost has no storage)")
    ("by", po::value<std::string>()->value_name("KEY"),
     "allocate to workloads (pod and pod_usage lines): rows by namespace, controller, pod, node or label:KEY")
    ("idle-by", po::value<std::string>()->value_name("node|cluster")->default_value("cluster"),
     "with --by: idle per node (a NODE/__idle__ row each) or for the cluster (one __idle__ row)")
    ("share-idle", "with --by: share idle into the rows in proportion to their cost per resource (OpenCost's shareIdle)")
    ("requests", po::value<std::string>()->value_name("containers|scheduling")->default_value("containers"),
     "with --by: the requests charged: the containers' (as OpenCost), or what Kubernetes schedules by (sidecars, "
     "init containers, pod overhead)")
    ("pods", po::value<std::vector<std::string>>()->value_name("FILE"),
     "with --by: pod lines (kind-wait --list pods) read before the input (repeatable)")
    ("input", po::value<std::string>()->value_name("FILE")->default_value("-"), "node_usage lines (- = stdin)");
  add_lock_option(app.options());
  add_output_options(app.options());
  app.positional().add("input", 1);
  po::variables_map vm;
  if (!app.parse(argc, argv, vm)) return kExitOk;

  const PriceUnit unit = parse_price_unit(vm["price-unit"].as<std::string>());
  const std::string pricing_path = resolve_pricing_path(opt_string(vm, "pricing"));
  const Pricing pricing = load_pricing(pricing_path, unit);
  log::debug(cat("prices from ", pricing_path, " (", pricing.format, ", ", pricing.currency, ")"));

  CostOptions cost;
  cost.price_storage = vm.count("no-storage") == 0;
  if (vm.count("period")) {
    cost.period = cli::parse_duration(vm["period"].as<std::string>(), "--period");
    if (cost.period->count() <= 0 || *cost.period > std::chrono::hours(24 * 366))
      throw UsageError("--period must be longer than 0 and at most a year (366d)");
  }
  const auto ledger_path = opt_string(vm, "ledger");
  const auto wait = lock_timeout(vm);
  // Before anything is printed: the ledger must be one this run can extend.
  if (ledger_path)
    preflight_ledger(*ledger_path, pricing.currency, wait, vm.count("by") ? alloc_ledger_schema() : node_ledger_schema());

  if (vm.count("by")) return run_allocation(vm, pricing, pricing_path, ledger_path, wait);
  for (const char* flag : {"share-idle", "pods"})
    if (vm.count(flag)) throw UsageError(cat("--", flag, " goes with --by (cost allocation)"));
  if (!vm["idle-by"].defaulted() || !vm["requests"].defaulted())
    throw UsageError("--idle-by and --requests go with --by (cost allocation)");

  const auto output_path = opt_string(vm, "output");
  const std::string format = choose_format(vm, output_path);
  NodeUsageReader reader(vm["input"].as<std::string>());
  OutputFile output(output_path);
  SinkOptions options = sink_options(vm, pricing.cluster_name, "prices from " + pricing_path);
  options.currency = pricing.currency;
  auto sink = make_sink(format, output.out(), options);
  std::unique_ptr<LedgerWriter> ledger;
  if (ledger_path) ledger = std::make_unique<LedgerWriter>(*ledger_path, wait);

  Totals totals;
  const RunSummary summary = price_stream(reader, pricing, cost, *sink, totals, ledger.get());
  sink->finish(totals);
  if (ledger) {
    const LedgerResult r = ledger->commit();
    log::info(cat(*ledger_path, ": ", r.appended, " row(s) appended", r.created ? " (new ledger)" : "",
                  r.already_present > 0 ? cat(", ", r.already_present, " already there (same node and window)")
                                        : std::string()));
  }
  const int code = summary.exit_code();
  // A run that priced nothing does not replace a report file with an empty one.
  if (summary.priced > 0 || !output.replaces_file()) output.commit();
  log::debug(cat("priced ", summary.priced, ", unpriced ", summary.unpriced, ", invalid ", summary.invalid,
                 ", skipped ", summary.skipped));
  return code;
}

int run_report_command(int argc, char** argv) {
  cli::App app({"price-calc report",
                "price-calc report --ledger FILE [--from T] [--to T] [--by KEY] [--step day|hour] [--format F] [-o FILE]",
                "Reads a price-calc ledger and prints its costs in any output format. A node ledger: by default one row "
                "per node with its windows summed (costs and hours added, usage averaged over the hours, capacity and "
                "prices from the latest window), or one row per ledger window with --by window. An allocation ledger "
                "(price-calc --by ... --ledger): one row per namespace (or controller) over the range, idle as __idle__ "
                "(or per node, or shared with --share-idle), or one per ledger row with --by window. html draws the "
                "cost per day (or hour, --step) stacked by node or namespace, idle on top.",
                "Windows are selected by their start: --from <= window_start < --to (UTC; a date means midnight).",
                "  price-calc report --ledger ledger.csv --from 2026-11-01 --to 2026-12-01\n"
                "  price-calc report --ledger ledger.csv -f focus -o november.focus.csv\n"
                "  price-calc report --ledger allocation.csv --by namespace --from 2026-11-01 -f html -o november.html\n"});
  app.options().add_options()
    ("ledger", po::value<std::string>()->value_name("FILE")->required(), "the ledger to read")
    ("from", po::value<std::string>()->value_name("T"), "first window start to include (RFC 3339 or YYYY-MM-DD)")
    ("to", po::value<std::string>()->value_name("T"), "window starts before this time (RFC 3339 or YYYY-MM-DD)")
    ("by", po::value<std::string>()->value_name("KEY"),
     "node ledgers: node (default) or window; allocation ledgers: namespace (default), controller or window")
    ("step", po::value<std::string>()->value_name("day|hour")->default_value("day"), "html: the time axis' step")
    ("idle-by", po::value<std::string>()->value_name("node|cluster")->default_value("cluster"),
     "allocation ledgers: one __idle__ row, or one per node")
    ("share-idle", "allocation ledgers: share each window's idle into its rows by their cost per resource");
  add_lock_option(app.options());
  add_output_options(app.options());
  po::variables_map vm;
  // argv[0] stays the program; the subcommand word is skipped.
  if (!app.parse(argc - 1, argv + 1, vm)) return kExitOk;
  ReportOptions o;
  o.ledger = vm["ledger"].as<std::string>();
  if (vm.count("from")) o.range.from = parse_report_time(vm["from"].as<std::string>(), "--from");
  if (vm.count("to")) o.range.to = parse_report_time(vm["to"].as<std::string>(), "--to");
  if (o.range.from && o.range.to && *o.range.to <= *o.range.from) throw UsageError("--to must be after --from");
  o.lock_wait = lock_timeout(vm);
  o.step = parse_step(vm["step"].as<std::string>());
  const bool allocation = ledger_kind(o.ledger, o.lock_wait) == LedgerKind::kAllocation;
  const std::string by = vm.count("by") ? vm["by"].as<std::string>() : allocation ? "namespace" : "node";

  const auto output_path = opt_string(vm, "output");
  const std::string format = choose_format(vm, output_path);
  o.chart = format == "html";
  OutputFile output(output_path);
  SinkOptions sink_opts = sink_options(vm, "", "from the ledger " + o.ledger);
  if (allocation) {
    AllocReportOptions a;
    a.report = o;
    a.by = by;
    const std::string idle_by = vm["idle-by"].as<std::string>();
    if (idle_by != "node" && idle_by != "cluster")
      throw UsageError(cat("--idle-by '", printable(idle_by, 40), "': use node or cluster"));
    a.idle_by = idle_by == "node" ? IdleBy::kNode : IdleBy::kCluster;
    a.share_idle = vm.count("share-idle") > 0;
    const size_t rows = run_alloc_report(a, format, output.out(), sink_opts);
    output.commit();
    if (rows == 0) log::warn(cat(o.ledger, ": no ledger rows in the range asked for"));
    return kExitOk;
  }
  if (by != "node" && by != "window")
    throw UsageError(cat("--by: '", printable(by, 40), "': a node ledger is reported by node or window (namespaces are in ",
                         "allocation ledgers: price-calc --by namespace --ledger FILE)"));
  if (vm.count("share-idle") || !vm["idle-by"].defaulted())
    throw UsageError("--share-idle and --idle-by go with allocation ledgers (price-calc --by ... --ledger)");
  o.by_window = by == "window";
  auto sink = make_sink(format, output.out(), sink_opts);
  Totals totals;
  const size_t rows = run_report(o, *sink, totals);
  output.commit();
  if (rows == 0) log::warn(cat(o.ledger, ": no ledger rows in the range asked for"));
  return kExitOk;
}

int run_pricing_command(int argc, char** argv) {
  cli::App app({"price-calc pricing",
                "price-calc pricing [--pricing FILE] [--price-unit hour|month] [--emit json|helm|configmap] "
                "[--opencost-unit hour|month] [-o FILE]",
                "Validates the price list and writes it in one of OpenCost's forms, so OpenCost is configured "
                "from the same file price-calc reads: json (the custom pricing file, hourly), helm (values for "
                "the opencost chart: opencost.customPricing.costModel), configmap (the ConfigMap the chart makes).",
                "--opencost-unit month multiplies CPU, spotCPU, RAM, spotRAM, GPU and storage by 730 for OpenCost\n"
                "releases whose ConfigMap path still divides them by 730 (before opencost/opencost PR #3830), and\n"
                "warns when OpenCost's 6-decimal rounding will change a price. See opencost/README.md.",
                "  price-calc pricing                       # check opencost/pricing.json, print it normalised\n"
                "  price-calc pricing --emit helm -o opencost-pricing-values.yaml\n"
                "  price-calc pricing --emit configmap --opencost-unit month\n"});
  app.options().add_options()
    ("pricing", po::value<std::string>()->value_name("FILE"), "price list (default opencost/pricing.json)")
    ("price-unit", po::value<std::string>()->value_name("U")->default_value("hour"), "unit of the prices in FILE")
    ("emit", po::value<std::string>()->value_name("FORM")->default_value("json"), "json, helm or configmap")
    ("opencost-unit", po::value<std::string>()->value_name("U")->default_value("hour"),
     "helm/configmap: the unit the target OpenCost expects in its ConfigMap (hour, or month before PR #3830)")
    ("configmap-name", po::value<std::string>()->value_name("NAME")->default_value("custom-pricing-model"),
     "helm/configmap: the ConfigMap's name")
    ("namespace", po::value<std::string>()->value_name("NS")->default_value("opencost"), "configmap: its namespace")
    ("output,o", po::value<std::string>()->value_name("FILE"), "write to FILE atomically instead of stdout");
  po::variables_map vm;
  if (!app.parse(argc - 1, argv + 1, vm)) return kExitOk;
  const std::string path = resolve_pricing_path(opt_string(vm, "pricing"));
  const Pricing pricing = load_pricing(path, parse_price_unit(vm["price-unit"].as<std::string>()));
  ExportOptions o;
  o.form = vm["emit"].as<std::string>();
  o.opencost_unit = parse_price_unit(vm["opencost-unit"].as<std::string>());
  o.configmap_name = vm["configmap-name"].as<std::string>();
  o.namespace_name = vm["namespace"].as<std::string>();
  std::vector<std::string> warnings;
  const std::string text = export_pricing(pricing, o, warnings);
  for (const auto& w : warnings) log::warn(w);
  OutputFile output(opt_string(vm, "output"));
  output.out().write(text);
  output.commit();
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_tool("price-calc", [&] {
    const std::string sub = argc > 1 ? argv[1] : "";
    if (sub == "report") return run_report_command(argc, argv);
    if (sub == "pricing") return run_pricing_command(argc, argv);
    return run_price(argc, argv);
  });
}
