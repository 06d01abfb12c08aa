#include "price-calc/allocation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::pc {
namespace {

constexpr char kSep = '\x1f';
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxExamples = 12;
constexpr size_t kMaxWarnings = 20;  // per kind of warning; the rest are counted
constexpr size_t kOutput = 0, kLedger = 1;  // the views

struct Request {
  std::string container;
  double cpu = 0, memory = 0, gpus = 0;
};

struct PodInfo {
  std::string ns, name, node, phase, controller_kind, controller;
  LabelList labels;
  bool listed = false;              // from a pod line (false: only its usage was seen)
  std::vector<Request> requests;    // the containers whose requests count
  Resources extra;                  // --requests scheduling: what the scheduler adds beyond them
  bool usage_seen = false;
  uint32_t counted_window = kNone;  // the window its pod-hours (and extra) went to
  // Per view: the row it was last charged to, for that window and node.
  uint32_t row_window[2] = {kNone, kNone};
  const std::string* row_node[2] = {nullptr, nullptr};
  size_t row[2] = {0, 0};

  const Request* request(std::string_view container) const {
    for (const Request& r : requests)
      if (r.container == container) return &r;
    return nullptr;
  }
};

struct Window {
  std::string start, end;
  Clock::time_point from, to;
  double hours = 0;
};

// One node over one window: its prices and costs, and what its containers were charged.
struct NodeWindow {
  bool priced = false;
  std::string node;
  uint32_t window = 0;
  double hours = 0;      // what the node is priced for (the period with --period)
  double seconds = 0;    // the sampled window, which running_seconds is part of
  double cpu_price = 0, ram_price = 0, gpu_price = 0, keep = 1;
  double cpu_cost = 0, ram_cost = 0, gpu_cost = 0, cpu_list_cost = 0, ram_list_cost = 0;
  double cpu_cores = 0, memory_bytes = 0, gpu_count = 0;
  double charged_cpu = 0, charged_ram = 0, charged_gpu = 0, charged_cpu_list = 0, charged_ram_list = 0;
  double charged_cores = 0, charged_bytes = 0, charged_gpus = 0;  // resource-hours charged
};

// What one container line adds to a row.
struct Charge {
  double hours = 0;
  double cpu_request = 0, cpu_usage = 0, cpu_alloc = 0;
  double ram_request = 0, ram_usage = 0, ram_alloc = 0;
  double gpus = 0;
  double cpu_cost = 0, ram_cost = 0, gpu_cost = 0, cpu_list = 0, ram_list = 0, cpu_used = 0, ram_used = 0;
  double pods = 0;  // this container's pod, counted once per window: the fraction it ran
};

struct View {
  Grouping by;
  bool by_node_too = false;  // rows keyed by node as well (shared idle per node), folded at the end
  std::unordered_map<std::string, size_t> index;
  std::vector<AllocRow> rows;
  std::vector<std::string> row_node;     // the node of a row keyed by node
  std::vector<size_t> row_last_pod;      // the last pod added to each row (labels)
  std::vector<std::string> row_group;    // the group part of each row's key
  std::vector<uint32_t> row_window;      // the node window each row was keyed by
  std::vector<double> row_pods;          // pods x the fraction of the window they ran
};

double fraction_run(double running, double window_seconds, bool period) {
  if (window_seconds > 0) return std::min(1.0, running / window_seconds);
  return period ? 1.0 : 0.0;  // --once with --period: the sample stands for the period
}

void add_charge(AllocRow& r, const Charge& c) {
  r.cpu_request_core_hours += c.cpu_request * c.hours;
  r.cpu_usage_core_hours += c.cpu_usage * c.hours;
  r.cpu_core_hours += c.cpu_alloc * c.hours;
  r.ram_request_byte_hours += c.ram_request * c.hours;
  r.ram_usage_byte_hours += c.ram_usage * c.hours;
  r.ram_byte_hours += c.ram_alloc * c.hours;
  r.gpu_hours += c.gpus * c.hours;
  r.cpu_cost += c.cpu_cost;
  r.ram_cost += c.ram_cost;
  r.gpu_cost += c.gpu_cost;
  r.cpu_list_cost += c.cpu_list;
  r.ram_list_cost += c.ram_list;
  r.cpu_used_cost += c.cpu_used;
  r.ram_used_cost += c.ram_used;
}

}  // namespace

Grouping parse_grouping(std::string_view text, std::string_view flag) {
  if (text == "namespace") return {GroupBy::kNamespace, ""};
  if (text == "controller") return {GroupBy::kController, ""};
  if (text == "pod") return {GroupBy::kPod, ""};
  if (text == "node") return {GroupBy::kNode, ""};
  if (text.substr(0, 6) == "label:" && text.size() > 6) return {GroupBy::kLabel, std::string(text.substr(6))};
  throw UsageError(cat(flag, " '", printable(text, 60), "': use namespace, controller, pod, node or label:KEY"));
}

struct Allocator::Impl {
  const Pricing& pricing;
  AllocationOptions options;
  AllocationReport& report;
  View views[2];
  size_t view_count = 1;

  std::vector<PodInfo> pods;
  std::unordered_map<std::string, size_t> pod_index;  // ns \x1f name
  std::vector<Window> windows;
  std::unordered_map<std::string, uint32_t> window_index;
  std::unordered_map<std::string, NodeWindow> nodes;  // node \x1f start \x1f end (sampled window)
  std::unordered_set<std::string> failed_nodes;       // by name: their pods' usage is unknown
  std::unordered_map<std::string, std::vector<PodUsageLine>> waiting;  // usage before its node line
  NodeWindow* last_node = nullptr;                    // lines come grouped by node
  std::string last_start, last_end, key;
  CostRow row;  // reused by price_usage

  Impl(const Pricing& p, AllocationOptions o, AllocationReport& r) : pricing(p), options(std::move(o)), report(r) {
    views[kOutput].by = options.by;
    views[kOutput].by_node_too =
        options.share_idle && options.idle_by == IdleBy::kNode && options.by.by != GroupBy::kNode;
    if (options.ledger_rows) {
      view_count = 2;
      views[kLedger].by = {GroupBy::kController, ""};
    }
  }

  void example(const std::string& what) {
    if (report.examples.size() < kMaxExamples) report.examples.push_back(what);
  }

  static std::string node_key(std::string_view node, std::string_view start, std::string_view end) {
    std::string k;
    k.reserve(node.size() + start.size() + end.size() + 2);
    k.append(node).push_back(kSep);
    k.append(start).push_back(kSep);
    k.append(end);
    return k;
  }

  uint32_t window_of(const CostRow& r) {
    key.assign(r.window_start).push_back(kSep);
    key.append(r.window_end);
    const auto [it, inserted] = window_index.try_emplace(key, static_cast<uint32_t>(windows.size()));
    if (inserted) windows.push_back({r.window_start, r.window_end, r.start, r.end, r.hours});
    return it->second;
  }

  PodInfo& pod_for(const PodUsage& u) {
    key.assign(u.namespace_name).push_back(kSep);
    key.append(u.pod);
    const auto [it, inserted] = pod_index.try_emplace(key, pods.size());
    if (inserted) {
      PodInfo p;
      p.ns = u.namespace_name;
      p.name = u.pod;
      p.node = u.node;
      pods.push_back(std::move(p));
      ++report.without_pod;
      example(cat("usage of pod ", u.namespace_name, "/", u.pod, " on node ", u.node,
                  " without a pod line (it ended before the listing, or started after it): charged by its usage"));
    }
    return pods[it->second];
  }

  // The group part of a row key and the row's identity, for a pod in a view.
  std::string group_of(const View& v, const PodInfo& p, const NodeWindow& nw, AllocRow* identity) const {
    auto set = [&](std::string name, std::string ns, std::string kind, std::string controller, std::string pod,
                   std::string node) {
      if (identity != nullptr) {
        identity->name = name;
        identity->namespace_name = std::move(ns);
        identity->controller_kind = std::move(kind);
        identity->controller = std::move(controller);
        identity->pod = std::move(pod);
        identity->node = std::move(node);
      }
      return name;
    };
    const bool has_controller = !p.controller.empty();
    switch (v.by.by) {
      case GroupBy::kNamespace: return set(p.ns, p.ns, "", "", "", "");
      case GroupBy::kController:
        if (!has_controller) return set(cat(p.ns, "/", kUnallocatedName), p.ns, "", std::string(kUnallocatedName), "", "");
        return set(cat(p.ns, "/", p.controller_kind, "/", p.controller), p.ns, p.controller_kind, p.controller, "", "");
      case GroupBy::kPod: return set(cat(p.ns, "/", p.name), p.ns, p.controller_kind, p.controller, p.name, nw.node);
      case GroupBy::kNode: return set(nw.node, "", "", "", "", nw.node);
      case GroupBy::kLabel:
        for (const auto& [k, value] : p.labels)
          if (k == v.by.label) return set(value, "", "", "", "", "");
        return set(std::string(kUnallocatedName), "", "", "", "", "");
    }
    return {};
  }

  AllocRow& row_for(size_t vi, size_t pod_i, const NodeWindow& nw) {
    View& v = views[vi];
    PodInfo& p = pods[pod_i];
    const bool keyed_node = v.by_node_too || v.by.by == GroupBy::kNode || v.by.by == GroupBy::kPod;
    if (p.row_window[vi] == nw.window && (!keyed_node || p.row_node[vi] == &nw.node)) return v.rows[p.row[vi]];
    AllocRow identity;
    std::string group = group_of(v, p, nw, &identity);
    std::string k = group;
    k.push_back(kSep);
    k += std::to_string(nw.window);
    if (v.by_node_too) {
      k.push_back(kSep);
      k += nw.node;
    }
    const auto [it, inserted] = v.index.try_emplace(k, v.rows.size());
    if (inserted) {
      const Window& w = windows[nw.window];
      identity.window_start = w.start;
      identity.window_end = w.end;
      identity.start = w.from;
      identity.end = w.to;
      identity.hours = w.hours;
      identity.currency = pricing.currency;
      identity.labels = p.labels;
      if (v.by.by == GroupBy::kLabel) {
        identity.labels.clear();
        if (identity.name != kUnallocatedName) identity.labels.emplace_back(v.by.label, identity.name);
      }
      v.rows.push_back(std::move(identity));
      v.row_node.push_back(v.by_node_too ? nw.node : std::string());
      v.row_last_pod.push_back(pod_i);
      v.row_group.push_back(std::move(group));
      v.row_window.push_back(nw.window);
      v.row_pods.push_back(0);
    } else if (v.row_last_pod[it->second] != pod_i) {
      v.row_last_pod[it->second] = pod_i;
      if (v.by.by != GroupBy::kLabel) {
        AllocRow& r = v.rows[it->second];
        r.labels = common_labels(r.labels, p.labels);
      }
    }
    p.row_window[vi] = nw.window;
    p.row_node[vi] = &nw.node;
    p.row[vi] = it->second;
    return v.rows[it->second];
  }

  Charge price(const NodeWindow& nw, double hours, double cpu_request, double cpu_usage, double ram_request,
               double ram_usage, double gpus) const {
    Charge c;
    c.hours = hours;
    c.cpu_request = cpu_request;
    c.cpu_usage = cpu_usage;
    c.cpu_alloc = std::max(cpu_request, cpu_usage);  // OpenCost: max(request, usage)
    c.ram_request = ram_request;
    c.ram_usage = ram_usage;
    c.ram_alloc = std::max(ram_request, ram_usage);
    c.gpus = gpus;  // by request: the kubelet measures no GPU use
    c.cpu_list = c.cpu_alloc * hours * nw.cpu_price;
    c.ram_list = c.ram_alloc / kGiB * hours * nw.ram_price;
    c.cpu_cost = c.cpu_list * nw.keep;
    c.ram_cost = c.ram_list * nw.keep;
    c.gpu_cost = gpus * hours * nw.gpu_price;
    c.cpu_used = cpu_usage * hours * nw.cpu_price * nw.keep;
    c.ram_used = ram_usage / kGiB * hours * nw.ram_price * nw.keep;
    return c;
  }

  void charge(size_t pod_i, NodeWindow& nw, const Charge& c) {
    nw.charged_cpu += c.cpu_cost;
    nw.charged_ram += c.ram_cost;
    nw.charged_gpu += c.gpu_cost;
    nw.charged_cpu_list += c.cpu_list;
    nw.charged_ram_list += c.ram_list;
    nw.charged_cores += c.cpu_alloc * c.hours;
    nw.charged_bytes += c.ram_alloc * c.hours;
    nw.charged_gpus += c.gpus * c.hours;
    for (size_t vi = 0; vi < view_count; ++vi) {
      AllocRow& r = row_for(vi, pod_i, nw);
      add_charge(r, c);
      views[vi].row_pods[static_cast<size_t>(&r - views[vi].rows.data())] += c.pods;
    }
  }

  void allocate(NodeWindow& nw, const PodUsage& u) {
    if (!nw.priced) {
      ++report.on_failed_nodes;
      return;
    }
    PodInfo& p = pod_for(u);
    const size_t pod_i = static_cast<size_t>(&p - pods.data());
    p.usage_seen = true;
    const double hours = nw.hours * fraction_run(u.running_seconds, nw.seconds, options.period.has_value());
    if (hours <= 0) {
      if (nw.seconds <= 0) ++report.zero_window;
      if (nw.seconds > 0) {
        ++report.ended;
        if (report.ended == 1)
          example(cat("container ", u.namespace_name, "/", u.pod, "/", u.container, " on ", u.node,
                      " ended inside the window (seen in its first sample only): nothing charged after that sample"));
      }
      return;
    }
    const Request* r = p.request(u.container);
    if (!u.cpu_usage_cores) {
      ++report.cpu_unknown;
      if (report.cpu_unknown == 1)
        example(cat("container ", u.namespace_name, "/", u.pod, "/", u.container, " on ", u.node,
                    ": CPU rate unknown (one cAdvisor sample in the window): charged its request only"));
    }
    Charge c = price(nw, hours, r ? r->cpu : 0, u.cpu_usage_cores.value_or(0), r ? r->memory : 0,
                     u.memory_working_set_bytes, r ? r->gpus : 0);
    if (p.counted_window != nw.window) {  // the pod's first container in this window
      p.counted_window = nw.window;
      c.pods = hours / nw.hours;
      if (options.requests == RequestScope::kScheduling &&
          (p.extra.cpu_cores > 0 || p.extra.memory_bytes > 0 || p.extra.gpus > 0)) {
        Charge extra = price(nw, hours, p.extra.cpu_cores, 0, p.extra.memory_bytes, 0, p.extra.gpus);
        charge(pod_i, nw, extra);
      }
    }
    charge(pod_i, nw, c);
    ++report.charged;
  }

  // ------------------------------------------------------------------ finish

  // Node windows that overlap form one run (one scrape of the cluster: each node's window
  // starts and ends a few milliseconds from the others'), the window of its rows: from its first
  // start to its last end, for the mean hours of its node windows (they run side by side, so
  // averages such as pods = pod-hours / hours count each pod about once; the costs use each
  // node's own hours). With --period every node of a period has the same window: the run.
  std::vector<Window> runs;
  std::vector<uint32_t> run_of;  // by window

  void make_runs() {
    std::vector<uint32_t> order(windows.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return windows[a].from < windows[b].from; });
    run_of.assign(windows.size(), 0);
    std::vector<size_t> members;
    for (const uint32_t w : order) {
      const Window& win = windows[w];
      if (runs.empty() || !(win.from < runs.back().to)) {
        runs.push_back(win);
        members.push_back(1);
      } else {
        Window& run = runs.back();
        if (win.to > run.to) {
          run.to = win.to;
          run.end = win.end;
        }
        run.hours += win.hours;
        ++members.back();
      }
      run_of[w] = static_cast<uint32_t>(runs.size() - 1);
    }
    for (size_t i = 0; i < runs.size(); ++i) runs[i].hours /= static_cast<double>(members[i]);
  }

  struct Idle {
    double cpu = 0, ram = 0, gpu = 0, cpu_list = 0, ram_list = 0;
    double core_hours = 0, byte_hours = 0, gpu_hours = 0;  // capacity beyond what was charged
    std::string node;  // "" for the cluster
    uint32_t run = 0;
  };

  static std::string scope_key(const std::string& node, uint32_t run) { return cat(node, kSep, run); }

  std::vector<Idle> idle_by(bool per_node) {
    std::unordered_map<std::string, size_t> at;
    std::vector<Idle> out;
    for (const auto& [k, nw] : nodes) {
      if (!nw.priced) continue;
      const std::string scope = per_node ? nw.node : std::string();
      const uint32_t run = run_of[nw.window];
      const auto [it, inserted] = at.try_emplace(scope_key(scope, run), out.size());
      if (inserted) out.push_back({0, 0, 0, 0, 0, 0, 0, 0, scope, run});
      Idle& i = out[it->second];
      // Never clamped (OpenCost computeIdleAllocations): the rows add up to the node cost.
      i.cpu += nw.cpu_cost - nw.charged_cpu;
      i.ram += nw.ram_cost - nw.charged_ram;
      i.gpu += nw.gpu_cost - nw.charged_gpu;
      i.cpu_list += nw.cpu_list_cost - nw.charged_cpu_list;
      i.ram_list += nw.ram_list_cost - nw.charged_ram_list;
      i.core_hours += nw.cpu_cores * nw.hours - nw.charged_cores;
      i.byte_hours += nw.memory_bytes * nw.hours - nw.charged_bytes;
      i.gpu_hours += nw.gpu_count * nw.hours - nw.charged_gpus;
    }
    return out;
  }

  void set_window(AllocRow& r, uint32_t run) const {
    const Window& w = runs[run];
    r.window_start = w.start;
    r.window_end = w.end;
    r.start = w.from;
    r.end = w.to;
    r.hours = w.hours;
  }

  AllocRow idle_row(const Idle& i) const {
    AllocRow r;
    r.idle = true;
    r.name = i.node.empty() ? std::string(kIdleName) : cat(i.node, "/", kIdleName);
    r.node = i.node;
    set_window(r, i.run);
    r.currency = pricing.currency;
    r.cpu_cost = r.cpu_idle_cost = i.cpu;
    r.ram_cost = r.ram_idle_cost = i.ram;
    r.gpu_cost = r.gpu_idle_cost = i.gpu;
    r.cpu_list_cost = i.cpu_list;
    r.ram_list_cost = i.ram_list;
    r.cpu_core_hours = i.core_hours;
    r.ram_byte_hours = i.byte_hours;
    r.gpu_hours = i.gpu_hours;
    return r;
  }

  void warn_overcommitted() {
    for (const auto& [k, nw] : nodes) {
      if (!nw.priced) continue;
      const double cores = nw.cpu_cores * nw.hours, bytes = nw.memory_bytes * nw.hours;
      const bool cpu = nw.charged_cores > cores * (1 + 1e-9), ram = nw.charged_bytes > bytes * (1 + 1e-9);
      if (!cpu && !ram) continue;
      if (++report.overcommitted > kMaxWarnings) continue;
      const Window& w = windows[nw.window];
      log::warn(cat("node ", nw.node, " (", w.start, " to ", w.end, "): its containers are charged ",
                    cpu ? cat(format_fixed(nw.charged_cores / nw.hours, 3), " cores of its ", format_number(nw.cpu_cores))
                        : std::string(),
                    cpu && ram ? " and " : "",
                    ram ? cat(format_bytes(nw.charged_bytes / nw.hours), " of its ", format_bytes(nw.memory_bytes))
                        : std::string(),
                    " (requests or usage above its capacity): its idle is negative, and is not clamped, so the rows ",
                    "still add up to the node's cost (as OpenCost)"));
    }
  }

  // The idle scope of a row: its node (idle per node) or the cluster, and its run.
  std::string scope_of(const View& v, size_t i) const {
    const bool per_node = options.idle_by == IdleBy::kNode;
    const std::string& node = v.by.by == GroupBy::kNode ? v.rows[i].node : v.row_node[i];
    return scope_key(per_node ? node : std::string(), run_of[v.row_window[i]]);
  }

  // --share-idle: each scope's idle goes to its rows in proportion to their cost per resource
  // (OpenCost computeIdleCoeffs); what has nowhere to go (no row has that resource's cost)
  // stays an idle row, as OpenCost keeps it.
  void share(View& v, const std::vector<Idle>& idle, std::vector<AllocRow>& leftover) {
    std::unordered_map<std::string, ResourceCosts> charged;
    std::vector<std::string> scopes(v.rows.size());
    for (size_t i = 0; i < v.rows.size(); ++i) {
      scopes[i] = scope_of(v, i);
      ResourceCosts& t = charged[scopes[i]];
      t.cpu += v.rows[i].cpu_cost;
      t.ram += v.rows[i].ram_cost;
      t.gpu += v.rows[i].gpu_cost;
    }
    std::unordered_map<std::string, const Idle*> idle_at;
    for (const Idle& i : idle) idle_at[scope_key(i.node, i.run)] = &i;
    for (size_t i = 0; i < v.rows.size(); ++i) {
      const auto it = idle_at.find(scopes[i]);
      if (it == idle_at.end()) continue;
      const Idle& here = *it->second;
      take_idle_share(v.rows[i], charged[scopes[i]], {here.cpu, here.ram, here.gpu, here.cpu_list, here.ram_list});
    }
    for (const Idle& i : idle) {
      const auto it = charged.find(scope_key(i.node, i.run));
      const ResourceCosts t = it == charged.end() ? ResourceCosts{} : it->second;
      Idle rest = i;
      if (t.cpu != 0) rest.cpu = rest.cpu_list = rest.core_hours = 0;
      if (t.ram != 0) rest.ram = rest.ram_list = rest.byte_hours = 0;
      if (t.gpu != 0) rest.gpu = rest.gpu_hours = 0;
      if (rest.cpu != 0 || rest.ram != 0 || rest.gpu != 0) leftover.push_back(idle_row(rest));
    }
  }

  // One row per group and run: the rows of a run's node windows (and of its nodes, when they
  // were kept apart to share idle per node) added up, with the run's window.
  std::vector<AllocRow> fold(View& v) const {
    std::unordered_map<std::string, size_t> at;
    std::vector<AllocRow> folded;
    for (size_t i = 0; i < v.rows.size(); ++i) {
      const uint32_t run = run_of[v.row_window[i]];
      const auto [it, inserted] = at.try_emplace(cat(v.row_group[i], kSep, run), folded.size());
      // Pods count the fraction of their node's window they ran, times the run's hours: a pod
      // that ran throughout is one pod, whatever its node window's length.
      v.rows[i].pod_hours = v.row_pods[i] * runs[run].hours;
      if (inserted) {
        folded.push_back(std::move(v.rows[i]));
        set_window(folded.back(), run);
      } else {
        add_alloc_row(folded[it->second], v.rows[i]);
      }
    }
    return folded;
  }
};

Allocator::Allocator(const Pricing& pricing, AllocationOptions options)
    : impl_(std::make_unique<Impl>(pricing, std::move(options), report_)) {}

Allocator::~Allocator() = default;

const std::string& Allocator::currency() const { return impl_->pricing.currency; }

void Allocator::add_pod(const PodRecord& pod) {
  Impl& m = *impl_;
  ++report_.pods;
  const auto [it, inserted] = m.pod_index.try_emplace(cat(pod.namespace_name, kSep, pod.name), m.pods.size());
  if (!inserted) {
    log::warn(cat("pod ", pod.namespace_name, "/", pod.name, " is listed twice; the first line is used"));
    return;
  }
  PodInfo p;
  p.ns = pod.namespace_name;
  p.name = pod.name;
  p.node = pod.node;
  p.phase = pod.phase;
  p.controller_kind = pod.controller_kind;
  p.controller = pod.controller;
  p.labels = pod.labels;
  p.listed = true;
  Resources counted;
  auto take = [&](const ContainerSpec& c) {
    p.requests.push_back({c.name, c.cpu_request_cores, c.memory_request_bytes, c.gpu_request});
    counted.cpu_cores += c.cpu_request_cores;
    counted.memory_bytes += c.memory_request_bytes;
    counted.gpus += c.gpu_request;
  };
  for (const ContainerSpec& c : pod.containers) take(c);
  if (m.options.requests == RequestScope::kScheduling) {
    for (const ContainerSpec& c : pod.init_containers)
      if (c.sidecar) take(c);
    const Resources& s = pod.scheduling_requests;
    p.extra = {std::max(0.0, s.cpu_cores - counted.cpu_cores), std::max(0.0, s.memory_bytes - counted.memory_bytes),
               std::max(0.0, s.gpus - counted.gpus)};
  }
  m.pods.push_back(std::move(p));
}

void Allocator::add_node(const UsageLine& line) {
  Impl& m = *impl_;
  ++report_.nodes;
  const NodeUsage& u = line.usage;
  const std::string k = Impl::node_key(u.node, u.window_start, u.window_end);
  if (m.nodes.count(k) != 0) {
    log::warn(cat(line.where, ": node ", u.node, " window ", u.window_start, " to ", u.window_end,
                  " is given twice; the first line is used"));
    return;
  }
  NodeWindow nw;
  nw.node = u.node;
  CostOptions cost;
  cost.price_storage = false;  // allocation covers CPU, RAM and GPU, as OpenCost's
  cost.period = m.options.period;
  if (u.error) {
    ++report_.failed_nodes;
    m.failed_nodes.insert(u.node);
    m.example(cat("node ", u.node, " has no figures (", printable(*u.error, 160), "): its pods are not allocated"));
  } else if (!price_usage(line, m.pricing, cost, m.row)) {
    ++report_.unpriced_nodes;
    m.failed_nodes.insert(u.node);
    m.example(cat("node ", u.node, " is not priced (", printable(m.row.error, 160), "): its pods are not allocated"));
  } else {
    const CostRow& r = m.row;
    nw.priced = true;
    nw.window = m.window_of(r);
    nw.hours = r.hours;
    nw.seconds = std::chrono::duration<double>(line.end - line.start).count();
    nw.cpu_price = r.cpu_price;
    nw.ram_price = r.ram_price;
    nw.gpu_price = r.gpu_price;
    nw.keep = 1 - r.discount;
    nw.cpu_cost = r.cpu_cost;
    nw.ram_cost = r.ram_cost;
    nw.gpu_cost = r.gpu_cost;
    nw.cpu_list_cost = r.cpu_list_cost;
    nw.ram_list_cost = r.ram_list_cost;
    nw.cpu_cores = r.cpu_cores;
    nw.memory_bytes = r.memory_bytes;
    nw.gpu_count = r.gpu_count;
  }
  NodeWindow& stored = m.nodes.emplace(k, std::move(nw)).first->second;
  if (const auto w = m.waiting.find(k); w != m.waiting.end()) {
    for (const PodUsageLine& waiting : w->second) m.allocate(stored, waiting.usage);
    m.waiting.erase(w);
  }
}

void Allocator::add_usage(const PodUsageLine& line) {
  Impl& m = *impl_;
  const PodUsage& u = line.usage;
  if (u.error) {
    m.failed_nodes.insert(u.node);
    return;
  }
  ++report_.usage_lines;
  // Lines come grouped by node and window: the last node window found is checked first.
  if (m.last_node == nullptr || u.node != m.last_node->node || u.window_start != m.last_start ||
      u.window_end != m.last_end) {
    const std::string k = Impl::node_key(u.node, u.window_start, u.window_end);
    const auto it = m.nodes.find(k);
    if (it == m.nodes.end()) {
      m.waiting[k].push_back(line);
      return;
    }
    m.last_node = &it->second;  // entries of an unordered_map stay where they are
    m.last_start = u.window_start;
    m.last_end = u.window_end;
  }
  m.allocate(*m.last_node, u);
}

void Allocator::finish(std::vector<AllocRow>& rows, std::vector<AllocRow>* ledger) {
  Impl& m = *impl_;
  for (const auto& [k, lines] : m.waiting) {
    report_.without_node += lines.size();
    m.example(cat(lines.size(), " container line(s) of node ", lines.front().usage.node, " (", lines.front().usage.window_start,
                  ") without that node's node_usage line of the same window: not allocated"));
  }
  m.waiting.clear();
  std::unordered_set<std::string> priced_nodes;
  for (const auto& [k, nw] : m.nodes)
    if (nw.priced) priced_nodes.insert(nw.node);
  for (const PodInfo& p : m.pods) {
    if (!p.listed || p.usage_seen) continue;
    if (p.phase == "Pending" || p.node.empty()) {
      if (report_.pending++ == 0) m.example(cat("pod ", p.ns, "/", p.name, " is Pending: no usage, nothing charged"));
    } else if (m.failed_nodes.count(p.node) != 0 && priced_nodes.count(p.node) == 0) {
      ++report_.on_failed_nodes;
    } else if (p.phase == "Running" && priced_nodes.count(p.node) != 0) {
      if (report_.not_running++ == 0)
        m.example(cat("pod ", p.ns, "/", p.name, " is listed Running on ", p.node,
                      " but its kubelet showed no container of it (it ended before the window, or started after)"));
    }
  }
  m.warn_overcommitted();
  if (report_.overcommitted > kMaxWarnings)
    log::warn(cat("... and ", report_.overcommitted - kMaxWarnings, " more overcommitted node windows"));
  m.make_runs();

  using Idle = Impl::Idle;
  const std::vector<Idle> idle = m.idle_by(m.options.idle_by == IdleBy::kNode);
  View& out = m.views[kOutput];
  std::vector<AllocRow> idle_rows;
  if (m.options.share_idle) {
    m.share(out, idle, idle_rows);
  } else {
    for (const Idle& i : idle) idle_rows.push_back(m.idle_row(i));
  }
  rows = m.fold(out);
  rows.insert(rows.end(), std::make_move_iterator(idle_rows.begin()), std::make_move_iterator(idle_rows.end()));
  auto order = [](std::vector<AllocRow>& list) {
    for (AllocRow& r : list) finish_alloc_row(r);
    std::sort(list.begin(), list.end(), [](const AllocRow& a, const AllocRow& b) {
      if (a.start != b.start) return a.start < b.start;
      if (a.idle != b.idle) return !a.idle;
      return a.name < b.name;
    });
  };
  order(rows);
  if (ledger != nullptr && m.view_count > 1) {
    *ledger = m.fold(m.views[kLedger]);
    for (const Idle& i : m.idle_by(true)) ledger->push_back(m.idle_row(i));
    order(*ledger);
  }
}

}  // namespace sf::pc
