#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "price-calc/format_csv.h"
#include "price-calc/format_focus.h"
#include "price-calc/format_html.h"
#include "price-calc/format_json.h"
#include "price-calc/format_table.h"
#include "price-calc/sink.h"

namespace sf::pc {

const std::vector<std::string>& format_names() {
  static const std::vector<std::string> names = {"table", "json", "csv", "focus", "html", "summary"};
  return names;
}

std::unique_ptr<Sink> make_sink(std::string_view format, Output& out, const SinkOptions& options) {
  if (format == "table") return make_table_sink(out, options);
  if (format == "json") return make_json_sink(out);
  if (format == "csv") return make_csv_sink(out);
  if (format == "focus") return make_focus_sink(out, options);
  if (format == "html") return make_html_sink(out, options);
  if (format == "summary") return make_summary_sink(out);
  throw UsageError(cat("--format: '", printable(format, 40), "' is not a format; use table, json, csv, focus, html or summary"));
}

}  // namespace sf::pc
