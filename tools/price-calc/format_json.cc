#include "price-calc/format_json.h"

#include <cmath>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>
#include <algorithm>

namespace sf::pc {
namespace {

void key(JsonWriter& w, const char* k) { w.Key(k, static_cast<rapidjson::SizeType>(std::strlen(k))); }
void str(JsonWriter& w, const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
void num(JsonWriter& w, const char* k, double v) {
  key(w, k);
  write_json_number(w, v);
}
void opt(JsonWriter& w, const char* k, const std::optional<double>& v) {
  key(w, k);
  if (v) write_json_number(w, *v);
  else w.Null();
}
void text(JsonWriter& w, const char* k, const std::string& v) {
  key(w, k);
  str(w, v);
}
void labels(JsonWriter& w, const LabelList& list) {
  key(w, "labels");
  w.StartObject();
  for (const auto& [k, v] : list) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    str(w, v);
  }
  w.EndObject();
}

// The fields this format writes itself; any other field of the input line is passed through.
bool written_here(std::string_view name) {
  static const char* const names[] = {
      "kind", "node", "source", "window_start", "window_end", "sample_window_start", "sample_window_end", "hours",
      "cpu_cores", "cpu_busy_cores", "memory_bytes", "memory_used_bytes", "filesystem_bytes", "filesystem_used_bytes",
      "network_receive_bytes", "network_transmit_bytes", "gpus", "labels", "priced", "error", "price_set", "spot",
      "gpu_node", "gpu_count", "cpu_price", "ram_price", "gpu_price", "storage_price", "discount", "currency",
      "cpu_cost", "ram_cost", "gpu_cost", "storage_cost", "total_cost", "cpu_used_cost", "ram_used_cost",
      "storage_used_cost", "used_cost", "idle_cost", "cpu_efficiency", "ram_efficiency", "total_efficiency",
      "hourly_cost", "daily_cost", "monthly_cost", "windows"};
  for (const char* n : names)
    if (name == n) return true;
  return false;
}

// Nesting depth of a value, without recursion (input lines are parsed iteratively, so writing
// them back must not recurse without bound either).
size_t depth_of(const rapidjson::Value& root, size_t limit) {
  std::vector<std::pair<const rapidjson::Value*, size_t>> stack{{&root, 1}};
  size_t deepest = 0;
  while (!stack.empty()) {
    const auto [v, d] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, d);
    if (deepest > limit) return deepest;
    if (v->IsObject()) {
      for (const auto& m : v->GetObject()) stack.emplace_back(&m.value, d + 1);
    } else if (v->IsArray()) {
      for (const auto& e : v->GetArray()) stack.emplace_back(&e, d + 1);
    }
  }
  return deepest;
}

constexpr size_t kMaxPassThroughDepth = 64;

class JsonSink : public Sink {
 public:
  explicit JsonSink(std::FILE* out) : out_(out) {}
  void row(const CostRow& r) override {
    currency_ = r.currency;
    buffer_.Clear();
    JsonWriter w(buffer_);
    write_row_json(w, r);
    emit();
  }
  void unpriced(const Unpriced& u) override {
    buffer_.Clear();
    JsonWriter w(buffer_);
    write_unpriced_json(w, u, currency_);
    emit();
  }
  void finish(const Totals&) override { std::fflush(out_); }

 private:
  void emit() {
    buffer_.Put('\n');
    std::fwrite(buffer_.GetString(), 1, buffer_.GetSize(), out_);
  }
  std::FILE* out_;
  rapidjson::StringBuffer buffer_;
  std::string currency_;
};

class SummarySink : public Sink {
 public:
  explicit SummarySink(std::FILE* out) : out_(out) {}
  void row(const CostRow&) override {}
  void unpriced(const Unpriced&) override {}
  void finish(const Totals& t) override {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    write_summary_json(w, t);
    buffer.Put('\n');
    std::fwrite(buffer.GetString(), 1, buffer.GetSize(), out_);
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
};

}  // namespace

void write_json_number(JsonWriter& w, double v) {
  if (!std::isfinite(v)) {
    w.Null();
  } else if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    w.Int64(static_cast<int64_t>(v));
  } else {
    w.Double(v);
  }
}

void write_row_json(JsonWriter& w, const CostRow& r) {
  w.StartObject();
  text(w, "kind", "node_cost");
  text(w, "node", r.node);
  text(w, "source", r.source);
  text(w, "window_start", r.window_start);
  text(w, "window_end", r.window_end);
  if (!r.sample_window_start.empty()) {
    text(w, "sample_window_start", r.sample_window_start);
    text(w, "sample_window_end", r.sample_window_end);
  }
  num(w, "hours", r.hours);
  if (r.windows != 1) num(w, "windows", static_cast<double>(r.windows));
  num(w, "cpu_cores", r.cpu_cores);
  opt(w, "cpu_busy_cores", r.cpu_usage_known ? std::optional<double>(r.cpu_busy_cores) : std::nullopt);
  num(w, "memory_bytes", r.memory_bytes);
  num(w, "memory_used_bytes", r.memory_used_bytes);
  num(w, "filesystem_bytes", r.filesystem_bytes);
  num(w, "filesystem_used_bytes", r.filesystem_used_bytes);
  opt(w, "network_receive_bytes", r.network_receive_bytes);
  opt(w, "network_transmit_bytes", r.network_transmit_bytes);
  num(w, "gpus", r.gpus);
  labels(w, r.labels);
  if (r.input != nullptr && r.input->IsObject()) {
    for (const auto& m : r.input->GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (written_here(name) || depth_of(m.value, kMaxPassThroughDepth) > kMaxPassThroughDepth) continue;
      w.Key(m.name.GetString(), m.name.GetStringLength());
      m.value.Accept(w);
    }
  }
  key(w, "priced");
  w.Bool(true);
  text(w, "price_set", r.price_set);
  key(w, "spot");
  w.Bool(r.spot);
  key(w, "gpu_node");
  w.Bool(r.gpu_node);
  num(w, "gpu_count", r.gpu_count);
  num(w, "cpu_price", r.cpu_price);
  num(w, "ram_price", r.ram_price);
  num(w, "gpu_price", r.gpu_price);
  opt(w, "storage_price", r.storage_priced ? std::optional<double>(r.storage_price) : std::nullopt);
  num(w, "discount", r.discount);
  text(w, "currency", r.currency);
  num(w, "cpu_cost", r.cpu_cost);
  num(w, "ram_cost", r.ram_cost);
  num(w, "gpu_cost", r.gpu_cost);
  num(w, "storage_cost", r.storage_cost);
  num(w, "total_cost", r.total_cost);
  num(w, "cpu_used_cost", r.cpu_used_cost);
  num(w, "ram_used_cost", r.ram_used_cost);
  num(w, "storage_used_cost", r.storage_used_cost);
  num(w, "used_cost", r.used_cost);
  num(w, "idle_cost", r.idle_cost);
  opt(w, "cpu_efficiency", r.cpu_efficiency);
  num(w, "ram_efficiency", r.ram_efficiency);
  opt(w, "total_efficiency", r.total_efficiency);
  num(w, "hourly_cost", r.hourly_cost);
  num(w, "daily_cost", r.daily_cost);
  num(w, "monthly_cost", r.monthly_cost);
  w.EndObject();
}

void write_unpriced_json(JsonWriter& w, const Unpriced& u, const std::string& currency) {
  w.StartObject();
  text(w, "kind", "node_cost");
  text(w, "node", u.node);
  text(w, "source", u.source);
  text(w, "window_start", u.window_start);
  text(w, "window_end", u.window_end);
  labels(w, u.labels);
  key(w, "priced");
  w.Bool(false);
  text(w, "error", u.error);
  if (!currency.empty()) text(w, "currency", currency);
  w.EndObject();
}

void write_summary_json(JsonWriter& w, const Totals& t) {
  w.StartObject();
  text(w, "kind", "cost_summary");
  text(w, "currency", t.currency);
  num(w, "nodes", static_cast<double>(t.nodes()));
  num(w, "priced", static_cast<double>(t.priced));
  num(w, "unpriced", static_cast<double>(t.unpriced));
  text(w, "window_start", t.first_start);
  text(w, "window_end", t.last_end);
  num(w, "hours", t.hours);
  num(w, "cpu_core_hours", t.cpu_core_hours);
  num(w, "ram_gib_hours", t.ram_gib_hours);
  num(w, "cpu_cost", t.cpu_cost);
  num(w, "ram_cost", t.ram_cost);
  num(w, "gpu_cost", t.gpu_cost);
  num(w, "storage_cost", t.storage_cost);
  num(w, "total_cost", t.total_cost);
  num(w, "used_cost", t.used_cost);
  num(w, "idle_cost", t.idle_cost);
  opt(w, "cpu_efficiency", t.cpu_efficiency());
  num(w, "ram_efficiency", t.ram_efficiency());
  opt(w, "total_efficiency", t.total_efficiency());
  num(w, "hourly_cost", t.hourly());
  num(w, "daily_cost", t.daily());
  num(w, "monthly_cost", t.monthly());
  w.EndObject();
}

std::unique_ptr<Sink> make_json_sink(std::FILE* out) { return std::make_unique<JsonSink>(out); }
std::unique_ptr<Sink> make_summary_sink(std::FILE* out) { return std::make_unique<SummarySink>(out); }

}  // namespace sf::pc
