#include "price-calc/format_json.h"

#include "common/json_writer.h"

namespace sf::pc {
namespace {

// Fields the table writes (and "kind"): an input field of the same name is not repeated.
bool written_here(std::string_view name) {
  if (name == "kind") return true;
  for (const RowField& f : row_fields())
    if (f.output && f.name == name) return true;
  return false;
}

class JsonSink : public Sink {
 public:
  explicit JsonSink(Output& out) : out_(out) {}
  void row(const CostRow& r) override { emit(r); }
  void unpriced(const CostRow& r) override { emit(r); }
  void finish(const Totals&) override { out_.flush(); }

 private:
  void emit(const CostRow& r) {
    line_.clear();
    append_row_json(line_, r);
    line_ += '\n';
    out_.write(line_);
  }
  Output& out_;
  std::string line_;
};

class SummarySink : public Sink {
 public:
  explicit SummarySink(Output& out) : out_(out) {}
  void row(const CostRow&) override {}
  void unpriced(const CostRow&) override {}
  void finish(const Totals& t) override {
    std::string line;
    append_summary_json(line, t);
    line += '\n';
    out_.write(line);
    out_.flush();
  }

 private:
  Output& out_;
};

}  // namespace

void append_row_json(std::string& out, const CostRow& r) {
  json::ObjectWriter o(out);
  o.text("kind", "node_cost");
  for (const RowField& f : row_fields()) {
    if (!f.output || (!r.priced && !f.always) || (f.present != nullptr && !f.present(r))) continue;
    append_json_field(o, f, r);
    if (r.extra != nullptr && std::holds_alternative<LabelList CostRow::*>(f.member)) {
      for (const RawMember& m : *r.extra)  // after the labels, as they came
        if (!written_here(m.name)) o.raw(m.name, m.json);
    }
  }
  o.close();
}

void append_summary_json(std::string& out, const Totals& t) {
  json::ObjectWriter o(out);
  o.text("kind", "cost_summary");
  o.text("currency", t.currency);
  o.number("nodes", static_cast<double>(t.nodes()));
  o.number("priced", static_cast<double>(t.priced));
  o.number("unpriced", static_cast<double>(t.unpriced));
  o.number("invalid", static_cast<double>(t.invalid));
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

std::unique_ptr<Sink> make_json_sink(Output& out) { return std::make_unique<JsonSink>(out); }
std::unique_ptr<Sink> make_summary_sink(Output& out) { return std::make_unique<SummarySink>(out); }

}  // namespace sf::pc
