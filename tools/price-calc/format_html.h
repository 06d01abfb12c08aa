// --format html: one self-contained page (inline CSS and SVG, no scripts, no external assets):
// the totals, SVG bar charts of cost per node split by resource and by used vs idle, the rows
// as a table, and failed nodes with their errors. Keeps the rows until the end.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "price-calc/sink.h"

namespace sf::pc {

std::string html_escape(std::string_view text);
// The page every html report shares: doctype, head, the one style sheet, <body>; and its end,
// with a footer (HTML) saying how the figures were computed.
std::string html_page_start(const std::string& title);
std::string html_page_end(const std::string& footer_html);
std::unique_ptr<Sink> make_html_sink(Output& out, const SinkOptions& options);

}  // namespace sf::pc
