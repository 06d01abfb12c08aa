// Where priced rows go: one Sink per output format. Rows arrive one by one (streaming formats
// write them at once; table and html keep them to align columns and draw charts), then finish()
// gets the totals.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "price-calc/cost_model.h"
#include "price-calc/totals.h"

namespace sf::pc {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void row(const CostRow& row) = 0;
  virtual void unpriced(const Unpriced& row) = 0;
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
  void unpriced(const Unpriced& row) override { failed_.push_back(row); }

 protected:
  std::vector<CostRow> rows_;
  std::vector<Unpriced> failed_;
};

struct SinkOptions {
  std::string title = "Node costs";        // html
  std::string account = "local";           // FOCUS BillingAccountId/Name
  std::string provider_name = "Self-hosted";  // FOCUS ProviderName, PublisherName, InvoiceIssuerName
  std::string source_note;  // where the figures come from ("prices from X"), shown by table and html
  bool color = false;                      // table: ANSI colour
  std::string currency;                    // the price list's, for rows without a price (failed nodes)
};

// table | json | csv | focus | html | summary
const std::vector<std::string>& format_names();
std::unique_ptr<Sink> make_sink(std::string_view format, std::FILE* out, const SinkOptions& options);

}  // namespace sf::pc
