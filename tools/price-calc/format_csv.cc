#include "price-calc/format_csv.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/csv.h"
#include "common/strings.h"

namespace sf::pc {
namespace {

std::string n(double v) { return format_number(v); }
std::string n(const std::optional<double>& v) { return v ? format_number(*v) : std::string(); }
std::string b(bool v) { return v ? "true" : "false"; }

class CsvSink : public Sink {
 public:
  CsvSink(std::FILE* out, std::string currency) : out_(out), currency_(std::move(currency)) {
    line_.clear();
    csv::append_record(line_, csv_columns());
    std::fwrite(line_.data(), 1, line_.size(), out_);
  }
  void row(const CostRow& r) override {
    currency_ = r.currency;
    emit(csv_fields(r));
  }
  void unpriced(const Unpriced& u) override { emit(csv_fields(u, currency_)); }
  void finish(const Totals&) override { std::fflush(out_); }

 private:
  void emit(const std::vector<std::string>& fields) {
    line_.clear();
    csv::append_record(line_, fields);
    std::fwrite(line_.data(), 1, line_.size(), out_);
  }
  std::FILE* out_;
  std::string line_;
  std::string currency_;
};

}  // namespace

std::string labels_to_json(const LabelList& labels) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [k, v] : labels) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> columns = {
      "node", "source", "window_start", "window_end", "hours", "cpu_cores", "cpu_busy_cores", "memory_bytes",
      "memory_used_bytes", "filesystem_bytes", "filesystem_used_bytes", "network_receive_bytes",
      "network_transmit_bytes", "gpus", "priced", "price_set", "spot", "gpu_node", "gpu_count", "cpu_price",
      "ram_price", "gpu_price", "storage_price", "discount", "currency", "cpu_cost", "ram_cost", "gpu_cost",
      "storage_cost", "total_cost", "used_cost", "idle_cost", "cpu_efficiency", "ram_efficiency", "total_efficiency",
      "hourly_cost", "daily_cost", "monthly_cost", "labels", "error"};
  return columns;
}

std::vector<std::string> csv_fields(const CostRow& r) {
  return {r.node,
          r.source,
          r.window_start,
          r.window_end,
          n(r.hours),
          n(r.cpu_cores),
          r.cpu_usage_known ? n(r.cpu_busy_cores) : std::string(),
          n(r.memory_bytes),
          n(r.memory_used_bytes),
          n(r.filesystem_bytes),
          n(r.filesystem_used_bytes),
          n(r.network_receive_bytes),
          n(r.network_transmit_bytes),
          n(r.gpus),
          "true",
          r.price_set,
          b(r.spot),
          b(r.gpu_node),
          n(r.gpu_count),
          n(r.cpu_price),
          n(r.ram_price),
          n(r.gpu_price),
          r.storage_priced ? n(r.storage_price) : std::string(),
          n(r.discount),
          r.currency,
          n(r.cpu_cost),
          n(r.ram_cost),
          n(r.gpu_cost),
          n(r.storage_cost),
          n(r.total_cost),
          n(r.used_cost),
          n(r.idle_cost),
          n(r.cpu_efficiency),
          n(r.ram_efficiency),
          n(r.total_efficiency),
          n(r.hourly_cost),
          n(r.daily_cost),
          n(r.monthly_cost),
          labels_to_json(r.labels),
          ""};
}

std::vector<std::string> csv_fields(const Unpriced& u, const std::string& currency) {
  std::vector<std::string> fields(csv_columns().size());
  fields[0] = u.node;
  fields[1] = u.source;
  fields[2] = u.window_start;
  fields[3] = u.window_end;
  fields[14] = "false";
  fields[24] = currency;
  fields[fields.size() - 2] = labels_to_json(u.labels);
  fields[fields.size() - 1] = u.error;
  return fields;
}

std::unique_ptr<Sink> make_csv_sink(std::FILE* out, const std::string& currency) {
  return std::make_unique<CsvSink>(out, currency);
}

}  // namespace sf::pc
