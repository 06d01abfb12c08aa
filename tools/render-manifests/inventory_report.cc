#include "render-manifests/inventory_report.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "common/error.h"
#include "common/json_lines.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::rm {
namespace {

ReportField text(std::string name, std::string value) {
  return {std::move(name), ReportField::Type::kString, std::move(value), false, {}};
}
ReportField boolean(std::string name, bool value) { return {std::move(name), ReportField::Type::kBool, "", value, {}}; }
ReportField list(std::string name, std::vector<std::string> items) {
  return {std::move(name), ReportField::Type::kList, "", false, std::move(items)};
}

void add_where(std::vector<std::string>& where, const Location& l) {
  const std::string t = printable(l.text(), 300);
  for (const auto& w : where)
    if (w == t) return;
  where.push_back(t);
}

}  // namespace

std::vector<ReportRow> image_rows(const Inventory& inventory, const std::string& mirror) {
  struct Group {
    const ImageUse* first = nullptr;
    std::vector<std::string> where;
    std::vector<std::string> helm_sources;
  };
  std::map<std::string, Group> groups;  // keyed by the normalised reference (or "!" + raw for errors)
  for (const auto& use : inventory.images) {
    const std::string key = use.error.empty() ? use.ref.str() : "!" + use.raw;
    Group& g = groups[key];
    if (g.first == nullptr) g.first = &use;
    add_where(g.where, use.where);
    if (!use.helm_source.empty() &&
        std::find(g.helm_sources.begin(), g.helm_sources.end(), use.helm_source) == g.helm_sources.end())
      g.helm_sources.push_back(printable(use.helm_source, 300));
  }
  std::vector<ReportRow> rows;
  std::map<std::string, std::string> mirror_of;  // mirror name -> the source that took it
  for (const auto& [key, g] : groups) {
    const ImageUse& u = *g.first;
    ReportRow row;
    row.kind = "image";
    if (u.error.empty() && !mirror.empty()) {
      // Dropping the registry host can make two sources one name: refuse rather than overwrite.
      const std::string m = mirror_image(u.ref, mirror);
      const auto [it, fresh] = mirror_of.emplace(m, u.ref.str());
      if (!fresh) {
        row.error = true;
        row.fields = {text("image", u.ref.str()),
                      text("error", cat("its mirror name ", m, " is also the mirror name of ", it->second,
                                        "; the mirror cannot hold both")),
                      list("where", g.where)};
        rows.push_back(std::move(row));
        continue;
      }
    }
    if (!u.error.empty()) {
      row.error = true;
      row.fields = {text("raw", printable(u.raw, 200)), text("error", printable(u.error, 400)), list("where", g.where)};
      rows.push_back(std::move(row));
      continue;
    }
    row.unpinned = !u.ref.pinned();
    row.fields = {text("image", u.ref.str()),     text("raw", u.raw),      text("registry", u.ref.domain),
                  text("repository", u.ref.path), text("tag", u.ref.tag), text("digest", u.ref.digest),
                  boolean("pinned", u.ref.pinned())};
    if (row.unpinned) row.fields.push_back(text("problem", u.ref.unpinned_reason()));
    row.list_line = u.ref.str();
    if (!mirror.empty()) {
      const std::string m = mirror_image(u.ref, mirror);
      row.fields.push_back(text("mirror", m));
      row.list_line += " " + m;
    }
    row.fields.push_back(list("where", g.where));
    if (!g.helm_sources.empty()) row.fields.push_back(list("helm_sources", g.helm_sources));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<ReportRow> chart_rows(const Inventory& inventory, const std::string& mirror) {
  struct Group {
    const ChartUse* first = nullptr;
    std::vector<std::string> where;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Group> groups;
  for (const auto& use : inventory.charts) {
    Group& g = groups[{use.ref.repo_url, use.ref.chart, use.ref.version}];
    if (g.first == nullptr) g.first = &use;
    add_where(g.where, use.where);
  }
  std::vector<ReportRow> rows;
  for (const auto& [key, g] : groups) {
    const ChartUse& u = *g.first;
    const std::string repo = redact_url(u.ref.repo_url);
    ReportRow row;
    row.kind = "chart";
    if (!u.error.empty()) {
      row.error = true;
      row.fields = {text("chart", u.ref.chart), text("repo_url", printable(repo, 200)), text("version", u.ref.version),
                    text("error", printable(u.error, 400)), list("where", g.where)};
      rows.push_back(std::move(row));
      continue;
    }
    const bool pinned = exact_chart_version(u.ref.version);
    row.unpinned = !pinned;
    row.fields = {text("chart", u.ref.chart), text("repo_url", repo), text("version", u.ref.version),
                  text("type", u.ref.type == ChartRepoType::kOci ? "oci" : "http"), boolean("pinned", pinned)};
    if (!pinned)
      row.fields.push_back(text("problem", u.ref.version.empty()
                                               ? "no version: Helm takes the newest chart"
                                               : "not an exact version: Helm resolves it to whatever is newest"));
    row.list_line = cat(repo, ' ', u.ref.chart, ' ', u.ref.version);
    if (!mirror.empty()) {
      row.fields.push_back(text("mirror_repo_url", mirror_chart_repo_url(u.ref, mirror)));
      row.fields.push_back(text("mirror_ref", mirror_chart_ref(u.ref, mirror)));
      row.list_line += " " + mirror_chart_ref(u.ref, mirror);
    }
    row.fields.push_back(list("where", g.where));
    rows.push_back(std::move(row));
  }
  return rows;
}

ReportFormat parse_report_format(const std::string& t) {
  if (t == "jsonl") return ReportFormat::kJsonLines;
  if (t == "list") return ReportFormat::kList;
  throw UsageError(cat("--format '", t, "': use jsonl (one JSON object per line) or list (one per line)"));
}

namespace {

std::string where_of(const ReportRow& row) {
  for (const auto& f : row.fields)
    if (f.name == "where" && !f.items.empty()) return f.items.front();
  return "(unknown place)";
}

void write_fields(json::ObjectWriter& o, const ReportRow& row) {
  json::append_string(o.key("kind"), row.kind, "kind");
  for (const auto& f : row.fields) {
    std::string& value = o.escaped_key(f.name);
    switch (f.type) {
      case ReportField::Type::kString: json::append_string(value, f.text, f.name); break;
      case ReportField::Type::kBool: value += f.flag ? "true" : "false"; break;
      case ReportField::Type::kList: {
        value += '[';
        for (size_t i = 0; i < f.items.size(); ++i) {
          if (i > 0) value += ',';
          json::append_string(value, f.items[i], f.name);
        }
        value += ']';
        break;
      }
    }
  }
}

}  // namespace

size_t write_rows(Output& out, const std::vector<ReportRow>& rows, ReportFormat format) {
  JsonLineWriter lines(out);
  std::string line;
  size_t refused = 0;
  const auto refuse = [&](const ReportRow& row, const std::string& why) {
    log::error(cat(where_of(row), ": this ", row.kind, " is left out: ", why));
    ++refused;
  };
  for (const auto& row : rows) {
    if (format == ReportFormat::kList) {
      if (row.error) continue;
      if (printable(row.list_line, row.list_line.size()) != row.list_line) {
        refuse(row, cat("'", printable(row.list_line, 200), "' holds bytes a list line cannot carry"));
        continue;
      }
      out.write(row.list_line + "\n");
      continue;
    }
    line.clear();
    json::ObjectWriter o(line);
    try {
      write_fields(o, row);
    } catch (const json::JsonValueError& e) {
      refuse(row, e.what());
      continue;
    }
    o.close();
    lines.write_line(line);  // built whole first: a value JSON cannot carry is refused before a byte
  }
  return refused;
}

}  // namespace sf::rm
