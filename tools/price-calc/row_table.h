// The machinery of a row schema as ONE field table: a row type's fields, each with its name,
// member, type, unit, whether json and csv write it, whether unpriced rows show it, and how
// rows merge in a report; and the ways every format writes, reads back and shows a field.
// Two schemas use it: node rows (cost_row.h) and allocation rows (alloc_row.h). No format maps
// fields by hand: each walks its schema's table.
#pragma once

#include <rapidjson/document.h>

#include <cmath>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "common/contracts.h"
#include "common/error.h"
#include "common/json_writer.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::pc {

// How a field of two windows merges (price-calc report).
enum class Merge {
  kSame,        // identity (node, priced, error): equal by construction
  kEarliest,    // window_start: of the earlier window
  kLatestEnd,   // window_end: of the later window
  kLatest,      // capacity, prices, rates, labels: the later window's
  kSum,         // costs, hours, resource-hours, windows
  kMeanByHours, // usage: averaged over the hours (null if either is null)
  kRecomputed,  // efficiencies and averages: from the summed resource-hours
  kDropped,     // network bytes, sample windows: meaningless over many windows
};

// What a value means, for the human formats (table, html).
enum class Unit { kText, kHours, kCount, kCores, kBytes, kMoney, kRatio, kPrice, kFlag };

template <typename Row>
using MemberOf = std::variant<std::string Row::*, double Row::*, std::optional<double> Row::*, bool Row::*,
                              size_t Row::*, LabelList Row::*>;

template <typename Row>
struct RowFieldOf {
  std::string_view name;
  MemberOf<Row> member;
  bool output;              // written by json and csv (in table order)
  bool always;              // shown for unpriced rows too
  Merge merge;
  Unit unit;
  bool (*present)(const Row&) = nullptr;  // json: left out when false (null = always there)
};

template <typename... F>
struct Overload : F... {
  using F::operator()...;
};
template <typename... F>
Overload(F...) -> Overload<F...>;

// The field's value as JSON, appended to `out` (the one JSON writer's checks apply).
template <typename Row>
void append_json_value(std::string& out, const RowFieldOf<Row>& f, const Row& r) {
  std::visit(Overload{
                 [&](std::string Row::*m) { json::append_string(out, r.*m, f.name); },
                 [&](double Row::*m) { json::append_number(out, r.*m, f.name); },
                 [&](std::optional<double> Row::*m) {
                   if (r.*m) json::append_number(out, *(r.*m), f.name);
                   else out += "null";
                 },
                 [&](bool Row::*m) { out += (r.*m) ? "true" : "false"; },
                 [&](size_t Row::*m) { json::append_number(out, static_cast<double>(r.*m), f.name); },
                 [&](LabelList Row::*m) {
                   json::ObjectWriter inner(out);
                   for (const auto& [k, v] : r.*m) json::append_string(inner.escaped_key(k), v, k);
                   inner.close();
                 },
             },
             f.member);
}

// csv and ledger: "" for null, labels as one JSON object.
template <typename Row>
std::string cell_text(const RowFieldOf<Row>& f, const Row& r) {
  return std::visit(Overload{
                        [&](std::string Row::*m) { return r.*m; },
                        [&](double Row::*m) { return format_number(r.*m); },
                        [&](std::optional<double> Row::*m) { return (r.*m) ? format_number(*(r.*m)) : std::string(); },
                        [&](bool Row::*m) { return std::string((r.*m) ? "true" : "false"); },
                        [&](size_t Row::*m) { return std::to_string(r.*m); },
                        [&](LabelList Row::*m) { return json::labels_json(r.*m); },
                    },
                    f.member);
}

// Reads a cell written by cell_text back into `r`; ParseError naming `where` and the column.
template <typename Row>
void parse_cell(const RowFieldOf<Row>& f, Row& r, std::string_view cell, const std::string& where) {
  auto number = [&]() {
    double v = 0;
    if (!parse_double(cell, v))
      throw ParseError(where, cat("ledger column ", f.name, ": '", printable(cell, 64), "' is not a number"));
    return v;
  };
  std::visit(Overload{
                 [&](std::string Row::*m) { (r.*m).assign(cell); },
                 [&](double Row::*m) { r.*m = number(); },
                 [&](std::optional<double> Row::*m) {
                   if (cell.empty()) (r.*m).reset();
                   else r.*m = number();
                 },
                 [&](bool Row::*m) {
                   if (cell != "true" && cell != "false")
                     throw ParseError(where, cat("ledger column ", f.name, ": '", printable(cell, 64),
                                                 "' is not true or false"));
                   r.*m = cell == "true";
                 },
                 [&](size_t Row::*m) {
                   const double v = number();
                   if (v < 1 || v > 1e15 || v != static_cast<double>(static_cast<size_t>(v)))
                     throw ParseError(where, cat("ledger column ", f.name, ": '", printable(cell, 64),
                                                 "' is not a count"));
                   r.*m = static_cast<size_t>(v);
                 },
                 [&](LabelList Row::*m) {
                   LabelList& labels = r.*m;
                   labels.clear();
                   if (cell.empty()) return;
                   rapidjson::Document doc;
                   doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(cell.data(),
                                                                                                    cell.size());
                   if (doc.HasParseError() || !doc.IsObject())
                     throw ParseError(where, cat("ledger column ", f.name, ": not a JSON object of strings"));
                   const rapidjson::Document& d = doc;
                   for (const auto& m : d.GetObject()) {
                     if (!m.value.IsString())
                       throw ParseError(where, cat("ledger column ", f.name, ": label values must be strings"));
                     labels.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                                         std::string(m.value.GetString(), m.value.GetStringLength()));
                   }
                 },
             },
             f.member);
}

template <typename Row>
void copy_field(const RowFieldOf<Row>& f, Row& to, const Row& from) {
  std::visit([&](auto m) { to.*m = from.*m; }, f.member);
}

// Equal in every field of the table (NaN equals NaN here): for tests and the fuzzers.
template <typename Row>
bool same_fields(std::span<const RowFieldOf<Row>> table, const Row& a, const Row& b) {
  for (const RowFieldOf<Row>& f : table) {
    const bool same = std::visit(
        Overload{
            [&](double Row::*m) { return a.*m == b.*m || (a.*m != a.*m && b.*m != b.*m); },
            [&](auto m) { return a.*m == b.*m; },
        },
        f.member);
    if (!same) return false;
  }
  return true;
}

// A number field's value (charts, decimals); nullopt when null or not a number.
template <typename Row>
std::optional<double> number_of(const RowFieldOf<Row>& f, const Row& r) {
  return std::visit(Overload{
                        [&](double Row::*m) -> std::optional<double> { return r.*m; },
                        [&](std::optional<double> Row::*m) { return r.*m; },
                        [&](size_t Row::*m) -> std::optional<double> { return static_cast<double>(r.*m); },
                        [&](auto) -> std::optional<double> { return std::nullopt; },
                    },
                    f.member);
}

// A field's value for people (table, html): bytes with binary prefixes, hours with 4 decimals,
// cores as counted (2) or measured (0.53), money with `money_decimals`, ratios in percent with
// `percent_decimals` (and `percent_suffix`), null as "n/a".
struct DisplayStyle {
  int money_decimals = 2;
  int percent_decimals = 0;
  const char* percent_suffix = "%";
};

template <typename Row>
std::string display(const RowFieldOf<Row>& f, const Row& r, const DisplayStyle& style) {
  if (f.unit == Unit::kText || f.unit == Unit::kFlag) return cell_text(f, r);
  const std::optional<double> v = number_of(f, r);
  if (!v) return "n/a";
  switch (f.unit) {
    case Unit::kHours: return format_fixed(*v, 4);
    case Unit::kCores: return *v == std::floor(*v) ? format_number(*v) : format_fixed(*v, 2);
    case Unit::kBytes: return format_bytes(*v);
    case Unit::kMoney: return format_fixed(*v, style.money_decimals);
    case Unit::kRatio: return format_fixed(*v * 100, style.percent_decimals) + style.percent_suffix;
    default: return format_number(*v);
  }
}

// The field of `table` called `name`; std::logic_error for a name not in it (a programming error).
template <typename Row>
const RowFieldOf<Row>& field_named(std::span<const RowFieldOf<Row>> table, std::string_view name) {
  for (const RowFieldOf<Row>& f : table)
    if (f.name == name) return f;
  throw std::logic_error(cat("no row field \"", name, "\""));
}

}  // namespace sf::pc
