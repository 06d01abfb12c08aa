#include "price-calc/format_csv.h"

#include "common/csv.h"

namespace sf::pc {
namespace {

class CsvSink : public Sink {
 public:
  explicit CsvSink(Output& out) : out_(out) {
    line_.clear();
    csv::append_record(line_, csv_columns());
    out_.write(line_);
  }
  void row(const CostRow& r) override { emit(r); }
  void unpriced(const CostRow& r) override { emit(r); }
  void finish(const Totals&) override { out_.flush(); }

 private:
  void emit(const CostRow& r) {
    line_.clear();
    csv::append_record(line_, csv_fields(r));
    out_.write(line_);
  }
  Output& out_;
  std::string line_;
};

}  // namespace

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> names;
    for (const RowField& f : row_fields())
      if (f.output) names.emplace_back(f.name);
    return names;
  }();
  return columns;
}

std::vector<std::string> csv_fields(const CostRow& r) {
  std::vector<std::string> fields;
  fields.reserve(csv_columns().size());
  for (const RowField& f : row_fields()) {
    if (!f.output) continue;
    fields.push_back(r.priced || f.always ? cell_text(f, r) : std::string());
  }
  return fields;
}

std::unique_ptr<Sink> make_csv_sink(Output& out) { return std::make_unique<CsvSink>(out); }

}  // namespace sf::pc
