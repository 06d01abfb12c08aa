#include "price-calc/format_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sf::pc {
namespace {

// An object being written: literal keys, values appended by the caller.
class Object {
 public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  void close() { out_ += '}'; }
  std::string& key(std::string_view k) {  // k: a literal without characters to escape
    char buffer[64];
    size_t n = 0;
    if (!first_) buffer[n++] = ',';
    first_ = false;
    buffer[n++] = '"';
    if (k.size() > sizeof buffer - 4) return escaped_key(k);
    std::memcpy(buffer + n, k.data(), k.size());
    n += k.size();
    buffer[n++] = '"';
    buffer[n++] = ':';
    out_.append(buffer, n);
    return out_;
  }
  std::string& escaped_key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json_string(out_, k);
    out_ += ':';
    return out_;
  }
  void number(std::string_view k, double v) { append_json_number(key(k), v); }
  void optional(std::string_view k, const std::optional<double>& v) {
    if (v) append_json_number(key(k), *v);
    else key(k) += "null";
  }
  void text(std::string_view k, std::string_view v) { append_json_string(key(k), v); }
  void boolean(std::string_view k, bool v) { key(k) += v ? "true" : "false"; }
  void labels(const LabelList& list) {
    std::string& out = key("labels");
    Object inner(out);
    for (const auto& [k, v] : list) append_json_string(inner.escaped_key(k), v);
    inner.close();
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// The fields this format writes itself: an input field of the same name is not repeated.
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

class JsonSink : public Sink {
 public:
  JsonSink(std::FILE* out, std::string currency) : out_(out), currency_(std::move(currency)) {}
  void row(const CostRow& r) override {
    currency_ = r.currency;
    line_.clear();
    append_row_json(line_, r);
    emit();
  }
  void unpriced(const Unpriced& u) override {
    line_.clear();
    append_unpriced_json(line_, u, currency_);
    emit();
  }
  void finish(const Totals&) override { std::fflush(out_); }

 private:
  void emit() {
    line_ += '\n';
    std::fwrite(line_.data(), 1, line_.size(), out_);
  }
  std::FILE* out_;
  std::string line_;
  std::string currency_;
};

class SummarySink : public Sink {
 public:
  explicit SummarySink(std::FILE* out) : out_(out) {}
  void row(const CostRow&) override {}
  void unpriced(const Unpriced&) override {}
  void finish(const Totals& t) override {
    std::string line;
    append_summary_json(line, t);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  size_t start = 0;
  // Eight bytes at a time while none needs escaping ('"', '\\', below 0x20): the usual case.
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    const uint64_t quote = w ^ (kOnes * '"'), slash = w ^ (kOnes * '\\');
    if ((((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash) | ((w - kOnes * 0x20) & ~w)) & kHighs) break;
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(text, start, std::string_view::npos);
  out += '"';
}

void append_json_number(std::string& out, double v) {
  char buffer[32];
  std::to_chars_result r;
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    r = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(v));
  } else {
    r = std::to_chars(buffer, buffer + sizeof buffer, v);
  }
  out.append(buffer, r.ptr);
}

void append_row_json(std::string& out, const CostRow& r) {
  Object o(out);
  o.text("kind", "node_cost");
  o.text("node", r.node);
  o.text("source", r.source);
  o.text("window_start", r.window_start);
  o.text("window_end", r.window_end);
  if (!r.sample_window_start.empty()) {
    o.text("sample_window_start", r.sample_window_start);
    o.text("sample_window_end", r.sample_window_end);
  }
  o.number("hours", r.hours);
  if (r.windows != 1) o.number("windows", static_cast<double>(r.windows));
  o.number("cpu_cores", r.cpu_cores);
  o.optional("cpu_busy_cores", r.cpu_usage_known ? std::optional<double>(r.cpu_busy_cores) : std::nullopt);
  o.number("memory_bytes", r.memory_bytes);
  o.number("memory_used_bytes", r.memory_used_bytes);
  o.number("filesystem_bytes", r.filesystem_bytes);
  o.number("filesystem_used_bytes", r.filesystem_used_bytes);
  o.optional("network_receive_bytes", r.network_receive_bytes);
  o.optional("network_transmit_bytes", r.network_transmit_bytes);
  o.number("gpus", r.gpus);
  o.labels(r.labels);
  if (r.extra != nullptr) {
    for (const RawMember& m : *r.extra) {
      if (written_here(m.name)) continue;
      o.escaped_key(m.name) += m.json;
    }
  }
  o.boolean("priced", true);
  o.text("price_set", r.price_set);
  o.boolean("spot", r.spot);
  o.boolean("gpu_node", r.gpu_node);
  o.number("gpu_count", r.gpu_count);
  o.number("cpu_price", r.cpu_price);
  o.number("ram_price", r.ram_price);
  o.number("gpu_price", r.gpu_price);
  o.optional("storage_price", r.storage_priced ? std::optional<double>(r.storage_price) : std::nullopt);
  o.number("discount", r.discount);
  o.text("currency", r.currency);
  o.number("cpu_cost", r.cpu_cost);
  o.number("ram_cost", r.ram_cost);
  o.number("gpu_cost", r.gpu_cost);
  o.number("storage_cost", r.storage_cost);
  o.number("total_cost", r.total_cost);
  o.number("cpu_used_cost", r.cpu_used_cost);
  o.number("ram_used_cost", r.ram_used_cost);
  o.number("storage_used_cost", r.storage_used_cost);
  o.number("used_cost", r.used_cost);
  o.number("idle_cost", r.idle_cost);
  o.optional("cpu_efficiency", r.cpu_efficiency);
  o.number("ram_efficiency", r.ram_efficiency);
  o.optional("total_efficiency", r.total_efficiency);
  o.number("hourly_cost", r.hourly_cost);
  o.number("daily_cost", r.daily_cost);
  o.number("monthly_cost", r.monthly_cost);
  o.close();
}

void append_unpriced_json(std::string& out, const Unpriced& u, const std::string& currency) {
  Object o(out);
  o.text("kind", "node_cost");
  o.text("node", u.node);
  o.text("source", u.source);
  o.text("window_start", u.window_start);
  o.text("window_end", u.window_end);
  o.labels(u.labels);
  o.boolean("priced", false);
  o.text("error", u.error);
  if (!currency.empty()) o.text("currency", currency);
  o.close();
}

void append_summary_json(std::string& out, const Totals& t) {
  Object o(out);
  o.text("kind", "cost_summary");
  o.text("currency", t.currency);
  o.number("nodes", static_cast<double>(t.nodes()));
  o.number("priced", static_cast<double>(t.priced));
  o.number("unpriced", static_cast<double>(t.unpriced));
  o.text("window_start", t.first_start);
  o.text("window_end", t.last_end);
  o.number("hours", t.hours);
  o.number("cpu_core_hours", t.cpu_core_hours);
  o.number("ram_gib_hours", t.ram_gib_hours);
  o.number("cpu_cost", t.cpu_cost);
  o.number("ram_cost", t.ram_cost);
  o.number("gpu_cost", t.gpu_cost);
  o.number("storage_cost", t.storage_cost);
  o.number("total_cost", t.total_cost);
  o.number("used_cost", t.used_cost);
  o.number("idle_cost", t.idle_cost);
  o.optional("cpu_efficiency", t.cpu_efficiency());
  o.number("ram_efficiency", t.ram_efficiency());
  o.optional("total_efficiency", t.total_efficiency());
  o.number("hourly_cost", t.hourly());
  o.number("daily_cost", t.daily());
  o.number("monthly_cost", t.monthly());
  o.close();
}

std::unique_ptr<Sink> make_json_sink(std::FILE* out, const std::string& currency) {
  return std::make_unique<JsonSink>(out, currency);
}
std::unique_ptr<Sink> make_summary_sink(std::FILE* out) { return std::make_unique<SummarySink>(out); }

}  // namespace sf::pc
