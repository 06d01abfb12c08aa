// Where priced rows go: one Sink per output format, writing through a checked Output (a full
// disk or a closed pipe is an error that stops the run). Rows arrive one by one (streaming
// formats write them at once; table and html keep them to align columns and draw charts),
// then finish() gets the totals.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/output.h"
#include "price-calc/cost_model.h"
#include "price-calc/totals.h"

namespace sf::pc {

// A line that could not be read: where, and why (already reported on stderr).
struct InvalidLine {
  std::string where;
  std::string message;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void row(const CostRow& row) = 0;
  virtual void unpriced(const CostRow& row) = 0;   // row.priced is false, row.error says why
  virtual void invalid(const InvalidLine&) {}      // formats that list problems show it
  // html (report): a figure of cost over time (time_chart.h), shown instead of per-node bars.
  virtual void set_chart(std::string /*html*/) {}
  virtual void finish(const Totals& totals) = 0;
};

// A sink that keeps every row until finish(): table and html size their columns and draw
// their charts from all of them.
class BufferedSink : public Sink {
 public:
  void row(const CostRow& row) override {
    rows_.push_back(row);
    rows_.back().extra = nullptr;  // points into the line being read: not kept
  }
  void unpriced(const CostRow& row) override {
    failed_.push_back(row);
    failed_.back().extra = nullptr;
  }
  void invalid(const InvalidLine& line) override {
    if (invalid_.size() < kMaxInvalidShown) invalid_.push_back(line);
  }
  static constexpr size_t kMaxInvalidShown = 100;

 protected:
  std::vector<CostRow> rows_;
  std::vector<CostRow> failed_;
  std::vector<InvalidLine> invalid_;
};

struct SinkOptions {
  std::string title = "Node costs";        // html
  std::string account = "local";           // FOCUS BillingAccountId/Name
  std::string provider_name = "Self-hosted";  // FOCUS ProviderName, PublisherName, InvoiceIssuerName
  std::string source_note;  // where the figures come from ("prices from X"), shown by table and html
  bool color = false;                      // table: ANSI colour
  std::string currency;                    // the price list's, for rows without a price (failed nodes)
  std::string chart_html;                  // html: a figure of cost over time (reports)
};

// table | json | csv | focus | html | summary
const std::vector<std::string>& format_names();
std::unique_ptr<Sink> make_sink(std::string_view format, Output& out, const SinkOptions& options);

}  // namespace sf::pc
