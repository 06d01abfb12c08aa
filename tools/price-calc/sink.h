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
