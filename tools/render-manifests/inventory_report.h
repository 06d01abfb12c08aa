// The inventory as an air-gap bundle needs it: one row per distinct image (normalised) or chart
// (repository, name, version), with every place it was found, its pinning, and its name in the
// mirror. Written as JSON lines ({"kind":"image",...} / {"kind":"chart",...}) or as a plain list
// (one per line; "SOURCE MIRROR" pairs with --mirror). One field table per kind serves both.
#pragma once

#include <string>
#include <vector>

#include "common/output.h"
#include "render-manifests/inventory.h"

namespace sf::rm {

struct ReportField {
  std::string name;
  enum class Type { kString, kBool, kList } type = Type::kString;
  std::string text;
  bool flag = false;
  std::vector<std::string> items;
};

struct ReportRow {
  std::string kind;  // "image" or "chart"
  std::vector<ReportField> fields;
  std::string list_line;  // the plain-list form; "" for a row that has an error
  bool error = false;
  bool unpinned = false;
};

std::vector<ReportRow> image_rows(const Inventory& inventory, const std::string& mirror);
std::vector<ReportRow> chart_rows(const Inventory& inventory, const std::string& mirror);

enum class ReportFormat { kJsonLines, kList };
ReportFormat parse_report_format(const std::string& text);

// Writes every row that can be written: a row holding text JSON or a plain list cannot carry
// (invalid UTF-8, control characters: a hostile chart name or version) is left out with an
// error naming where it was found, and counted in the result, so it spoils its own row only.
size_t write_rows(Output& out, const std::vector<ReportRow>& rows, ReportFormat format);

}  // namespace sf::rm
