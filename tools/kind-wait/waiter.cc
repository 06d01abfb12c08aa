#include "kind-wait/waiter.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "common/json_lines.h"
#include "common/kube_client.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "kind-wait/degraded.h"
#include "kind-wait/inventory.h"

namespace sf::kw {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One watched collection: its client, reflector and store, and the thread running it.
struct Watched {
  std::string path;
  std::string resource;
  kube::Store store;
  std::unique_ptr<kube::KubeClient> client;
  std::unique_ptr<kube::Reflector> reflector;
  std::thread thread;
};

struct Shared {
  std::mutex mutex;  // guards every Store, `dirty`, `fatal` and `running`
  std::condition_variable changed;
  bool dirty = true;
  std::exception_ptr fatal;
  size_t running = 0;  // reflector threads not yet finished
  std::atomic<bool> stop{false};
};

kube::ClientOptions client_options(const WaitOptions& options, std::shared_ptr<http::Canceller> canceller = nullptr) {
  kube::ClientOptions o;
  o.canceller = std::move(canceller);
  o.connect_timeout = milliseconds(5'000);
  o.request_timeout = milliseconds(30'000);
  o.max_attempts = 1;  // the caller's one retry policy (kube::judge_failure) decides
  o.user_agent = "kind-wait/" SF_VERSION;
  o.deadline = options.deadline;
  o.max_list_bytes = options.max_list_bytes;
  return o;
}

// Why nothing useful came back: never an answer (the last try says how far it got), or only
// errors. Names the server (redacted), the kubeconfig and what to do.
std::string unanswered(const kube::RestConfig& config, bool answered, std::string last_error) {
  const std::string server = redact_url(config.server);
  // The client's errors start with the server and kubeconfig, which this sentence names already.
  const std::string prefix = cat("API server ", server, " (", config.origin, "): ");
  if (last_error.rfind(prefix, 0) == 0) last_error.erase(0, prefix.size());
  if (!answered) {
    std::string m = cat("the API server ", server, " never answered (", config.origin, ")");
    return last_error.empty() ? m + "; is the cluster running, and is this its kubeconfig?"
                              : m + "; last try: " + last_error;
  }
  return cat("the API server ", server, " answered, but only with errors (", config.origin, "); last: ", last_error);
}

int terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 100;
}

const char* state_name(State s) {
  switch (s) {
    case State::kReady: return "ready";
    case State::kFailed: return "failed";
    case State::kPending: return "pending";
  }
  return "pending";
}

rapidjson::Value str(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

void write_jsonl(std::FILE* out, const std::vector<Target>& targets, const std::vector<TargetStatus>& statuses,
                 bool all_ready, bool timed_out, double elapsed, const kube::RestConfig& config, bool answered) {
  JsonLineWriter writer(out);
  for (size_t i = 0; i < targets.size(); ++i) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("kind", "wait_condition", a);
    doc.AddMember("for", str(targets[i].spec, a), a);
    doc.AddMember("ready", statuses[i].ready(), a);
    doc.AddMember("state", rapidjson::StringRef(state_name(statuses[i].state)), a);
    doc.AddMember("message", str(statuses[i].summary, a), a);
    rapidjson::Value objects(rapidjson::kArrayType);
    for (const auto& o : statuses[i].objects) {
      rapidjson::Value obj(rapidjson::kObjectType);
      obj.AddMember("name", str(o.name, a), a);
      obj.AddMember("ready", o.ready, a);
      obj.AddMember("message", str(o.message, a), a);
      objects.PushBack(obj, a);
    }
    doc.AddMember("objects", objects, a);
    writer.write(doc);
  }
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("kind", "wait_result", a);
  doc.AddMember("ready", all_ready, a);
  doc.AddMember("timed_out", timed_out, a);
  doc.AddMember("elapsed_seconds", elapsed, a);
  doc.AddMember("server", str(redact_url(config.server), a), a);  // stdout holds no credential
  doc.AddMember("answered", answered, a);
  writer.write(doc);
  writer.flush();
}

}  // namespace

std::string format_duration(milliseconds d) {
  const long long ms = d.count();
  if (ms < 1000) return cat(ms, "ms");
  if (ms < 60'000) return format_fixed(static_cast<double>(ms) / 1000.0, 1) + "s";
  const long long total_s = ms / 1000;
  const long long h = total_s / 3600;
  const long long m = (total_s % 3600) / 60;
  const long long s = total_s % 60;
  return h > 0 ? cat(h, "h", m, "m", s, "s") : cat(m, "m", s, "s");
}

int wait_for(const kube::RestConfig& config, const WaitOptions& options, std::FILE* out) {
  const auto start = Steady::now();
  const auto deadline = start + options.timeout;
  Shared shared_state;
  Shared* shared = &shared_state;
  // Every reflector's requests share one canceller: when the wait is over, cancelling it wakes
  // the threads blocked in quiet watch streams at once, so they can be joined.
  auto canceller = std::make_shared<http::Canceller>();

  // One reflector per collection; targets that share one share its store.
  std::map<std::string, std::unique_ptr<Watched>> watched;
  std::vector<Watched*> of_target;
  for (const auto& t : options.targets) {
    const std::string path = t.collection();
    auto it = watched.find(path);
    if (it == watched.end()) {
      auto w = std::make_unique<Watched>();
      w->path = path;
      w->resource = t.resource();
      w->client = std::make_unique<kube::KubeClient>(config, client_options(options, canceller));
      kube::ReflectorOptions ro;
      ro.path = path;
      w->reflector = std::make_unique<kube::Reflector>(*w->client, ro, w->store, shared->mutex, [shared] {
        shared->dirty = true;
        shared->changed.notify_all();
      });
      it = watched.emplace(path, std::move(w)).first;
    }
    of_target.push_back(it->second.get());
  }
  // Stops and joins the threads however this function is left (result, timeout, exception).
  struct StopAndJoin {
    Shared& shared;
    http::Canceller& canceller;
    std::map<std::string, std::unique_ptr<Watched>>& watched;
    ~StopAndJoin() {
      shared.stop = true;
      canceller.cancel();
      for (auto& [path, w] : watched)
        if (w->thread.joinable()) w->thread.join();
    }
  } stop_and_join{shared_state, *canceller, watched};
  log::debug(cat("watching ", watched.size(), " collection(s) on ", redact_url(config.server), " (", config.origin, ")"));
  for (auto& [path, w] : watched) {
    {
      std::lock_guard<std::mutex> lock(shared->mutex);
      ++shared->running;
    }
    w->thread = std::thread([shared, reflector = w->reflector.get()] {
      std::exception_ptr failure;
      try {
        reflector->run(shared->stop);
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(shared->mutex);
      // Kept even after the wait stopped: an exec plugin killed at the deadline is the culprit.
      if (failure && !shared->fatal) shared->fatal = failure;
      --shared->running;
      shared->changed.notify_all();
    });
  }

  log::Progress progress;
  DegradedRule degraded(options.degraded_grace);
  std::vector<TargetStatus> statuses(options.targets.size());
  bool all_ready = false;
  bool any_failed = false;
  bool timed_out = false;
  bool answered = false;
  bool synced = false;
  std::string last_error;
  {
    std::unique_lock<std::mutex> lock(shared->mutex);
    for (;;) {
      if (shared->fatal) {
        shared->stop = true;
        lock.unlock();
        progress.clear();
        std::rethrow_exception(shared->fatal);
      }
      if (shared->dirty) {
        shared->dirty = false;
        all_ready = true;
        any_failed = false;
        for (size_t i = 0; i < options.targets.size(); ++i) statuses[i] = evaluate(options.targets[i], of_target[i]->store);
        degraded.apply(options.targets, statuses, Steady::now());
        for (const auto& status : statuses) {
          all_ready = all_ready && status.ready();
          any_failed = any_failed || status.state == State::kFailed;
        }
        answered = false;
        synced = false;
        last_error.clear();
        for (const auto& [path, w] : watched) {
          answered = answered || w->store.ever_answered;
          synced = synced || w->store.synced;
          if (!w->store.last_error.empty()) last_error = w->store.last_error;
        }
        if (all_ready || any_failed) break;
      }
      const auto now = Steady::now();
      if (now >= deadline) {
        timed_out = true;
        break;
      }
      // A Degraded spell that outlasts its grace is judged when it does, without an event.
      const auto wake = std::min(deadline, degraded.next_expiry().value_or(deadline));
      if (now >= wake) {
        shared->dirty = true;
        continue;
      }
      if (progress.enabled()) {
        std::vector<std::string> ready_specs;
        std::vector<std::string> waiting;
        for (size_t i = 0; i < options.targets.size(); ++i) {
          if (statuses[i].ready()) ready_specs.push_back(options.targets[i].spec);
          else waiting.push_back(cat(options.targets[i].spec, " (", printable(statuses[i].summary), ")"));
        }
        std::string line = cat("[", format_duration(std::chrono::duration_cast<milliseconds>(now - start)), "] ",
                               ready_specs.size(), "/", options.targets.size(), " ready");
        if (!waiting.empty()) line += " · waiting: " + waiting.front();
        if (waiting.size() > 1) line += cat(" +", waiting.size() - 1, " more");
        const size_t width = static_cast<size_t>(terminal_width()) - 1;
        if (line.size() > width) line = line.substr(0, width - 3) + "...";
        progress.update(line);
        // Wake once a second for the elapsed time; changes wake us at once.
        shared->changed.wait_until(lock, std::min(wake, now + std::chrono::seconds(1)),
                                   [&] { return shared->dirty || shared->fatal; });
      } else {
        shared->changed.wait_until(lock, wake, [&] { return shared->dirty || shared->fatal; });
      }
    }
    shared->stop = true;
    // Requests share the deadline, so on a timeout each ends within moments with what stopped
    // it (how far it got, or the exec plugin that hung): give them that moment, then cancel.
    if (timed_out) {
      shared->changed.wait_for(lock, milliseconds(500), [&] { return shared->running == 0; });
      answered = false;
      synced = false;
      for (const auto& [path, w] : watched) {
        answered = answered || w->store.ever_answered;
        synced = synced || w->store.synced;
        if (!w->store.last_error.empty()) last_error = w->store.last_error;
      }
    }
  }
  canceller->cancel();
  for (auto& [path, w] : watched)
    if (w->thread.joinable()) w->thread.join();
  if (timed_out && !synced && shared->fatal) std::rethrow_exception(shared->fatal);
  progress.clear();
  const milliseconds elapsed = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
  if (options.jsonl)
    write_jsonl(out, options.targets, statuses, all_ready, timed_out, static_cast<double>(elapsed.count()) / 1000.0,
                config, answered);

  if (all_ready) {
    std::vector<std::string> specs;
    for (const auto& t : options.targets) specs.push_back(t.spec);
    std::string joined;
    for (size_t i = 0; i < specs.size(); ++i) joined += (i ? ", " : "") + specs[i];
    log::info(cat("ready after ", format_duration(elapsed), ": ", joined));
    return kExitOk;
  }
  std::string message;
  if (any_failed) {
    message = "a condition failed and will not hold without intervention:";
    for (size_t i = 0; i < options.targets.size(); ++i)
      if (statuses[i].state == State::kFailed)
        message += cat("\n  ", options.targets[i].spec, ": ", printable(statuses[i].summary, 2048));
  } else {
    message = cat("timed out after ", format_duration(options.timeout), "; ");
    if (!synced) {
      message += unanswered(config, answered, last_error);
    } else {
      message += "still waiting for:";
      for (size_t i = 0; i < options.targets.size(); ++i)
        // Condition messages come from the cluster: shown escaped, never raw on the terminal.
        if (!statuses[i].ready())
          message += cat("\n  ", options.targets[i].spec, ": ", printable(statuses[i].summary, 2048));
    }
  }
  log::error(message);
  return kExitFailed;
}

kube::ClientOptions list_client_options(const WaitOptions& options) { return client_options(options); }

void until_listed(const kube::RestConfig& config, const WaitOptions& options, const std::string& what,
                  const std::function<void()>& list) {
  milliseconds backoff(200);
  bool answered = false;
  thread_local std::mt19937 rng{std::random_device{}()};
  for (;;) {
    try {
      list();
      return;
    } catch (...) {
      // The same policy as the wait's reflectors: fatal problems end it, the rest is retried.
      const kube::RetryVerdict verdict = kube::judge_failure(std::current_exception());
      if (verdict.fatal) throw;
      answered = answered || verdict.answered;
      const auto jittered = milliseconds(static_cast<long long>(
          static_cast<double>(backoff.count()) * std::uniform_real_distribution<double>(0.8, 1.2)(rng)));
      const milliseconds delay = std::max(jittered, std::min(verdict.at_least, milliseconds(10'000)));
      if (delay >= options.deadline.remaining())
        throw Error(cat("no ", what, " after ", format_duration(options.timeout), ": ",
                        unanswered(config, answered, verdict.message)));
      log::debug(cat("retrying in ", delay.count(), " ms: ", verdict.message));
      std::this_thread::sleep_for(delay);
      backoff = std::min(backoff * 2, milliseconds(2'000));
    }
  }
}

int list_nodes(const kube::RestConfig& config, const WaitOptions& options, std::FILE* out) {
  kube::KubeClient client(config, client_options(options));
  kube::ListResult list;
  until_listed(config, options, "node list", [&] { list = client.list(kube::collection_path("v1", "nodes")); });
  if (!list.found)
    throw Error(cat("GET ", redact_url(client.url("/api/v1/nodes")), ": 404; is this a Kubernetes API server?"));
  std::vector<NodeRecord> records;
  for (const auto& item : list.items) records.push_back(node_record(item));
  std::sort(records.begin(), records.end(), [](const NodeRecord& a, const NodeRecord& b) { return a.name < b.name; });
  JsonLineWriter writer(out);
  bool all = true;
  for (const auto& r : records)
    all = write_item_line(writer, cat("node \"", printable(r.name, 80), "\""), [&] { return node_record_json(r); }) && all;
  writer.flush();
  return all ? kExitOk : kExitPartial;
}

}  // namespace sf::kw
