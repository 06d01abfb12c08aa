#include "render-manifests/template_set.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "common/error.h"
#include "common/file_read.h"
#include "common/redact.h"
#include "common/strings.h"
#include "render-manifests/template_render.h"
#include "render-manifests/template_scan.h"
#include "render-manifests/yaml_docs.h"

namespace fs = std::filesystem;

namespace sf::rm {
namespace {

constexpr const char* kIndex = "templates.yaml";
constexpr size_t kMaxTemplate = 4u << 20;

std::string scalar_field(const YAML::Node& entry, const char* key, const std::string& where, bool required) {
  const YAML::Node v = entry[key];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) throw ParseError(where, cat("'", key, "' is missing"));
    return "";
  }
  if (!v.IsScalar()) throw ParseError(where, cat("'", key, "' must be a string"));
  return v.Scalar();
}

// Output names ending in .yaml/.yml must hold YAML: a template bug is caught here, naming it.
void check_output(const std::string& path, const std::string& text, const std::string& template_file) {
  const bool yaml = path.ends_with(".yaml") || path.ends_with(".yml");
  if (!yaml) return;
  const YamlFile parsed = parse_yaml_file(path, text);
  if (!parsed.problems.empty())
    throw ParseError(template_file, cat("renders invalid YAML for ", path, " (output line ", parsed.problems.front().line,
                                        ": ", parsed.problems.front().message, "); fix the template"));
}

ScannedTemplate scan_file(const std::string& file) {
  const std::string text = read_small_input(file, kMaxTemplate, "template");
  return scan_template(text, file);
}

std::string strip_template_suffix(const std::string& name) {
  return name.ends_with(".mustache") ? name.substr(0, name.size() - 9) : name;
}

}  // namespace

bool is_template_set(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_regular_file(fs::path(dir) / kIndex, ec);
}

TemplateSet load_template_set(const std::string& dir) {
  const std::string index = (fs::path(dir) / kIndex).string();
  const std::string text = read_small_file(index, 1u << 20, "template set index");
  const YamlFile parsed = parse_yaml_file(index, text);
  if (!parsed.problems.empty())
    throw ParseError(cat(index, ':', parsed.problems.front().line), cat("invalid YAML: ", parsed.problems.front().message));
  if (parsed.documents.size() != 1 || !parsed.documents[0].root.IsMap())
    throw ParseError(index, "expected one map with 'values' and 'outputs'");
  const YamlDocument& doc = parsed.documents[0];
  const YAML::Node& root = doc.root;
  TemplateSet set;
  set.dir = dir;
  const std::string values = scalar_field(root, "values", index, false);
  if (!values.empty()) set.values_file = (fs::path(dir) / values).string();
  const YAML::Node outputs = root["outputs"];
  if (!outputs.IsSequence() || outputs.size() == 0)
    throw ParseError(index, "'outputs' must be a list of {template, path[, each][, when]}");
  for (const auto& entry : outputs) {
    const std::string where = cat(index, ':', doc.file_line(entry, doc.line));
    if (!entry.IsMap()) throw ParseError(where, "an output is a map {template, path[, each][, when]}");
    for (const auto& kv : entry) {
      const std::string key = kv.first.Scalar();
      if (key != "template" && key != "path" && key != "each" && key != "when")
        throw ParseError(where, cat("unknown key '", printable(key, 40), "' (template, path, each, when)"));
    }
    OutputSpec spec;
    spec.origin = where;
    spec.template_file = scalar_field(entry, "template", where, true);
    spec.path = scalar_field(entry, "path", where, false);
    if (spec.path.empty()) spec.path = strip_template_suffix(spec.template_file);
    spec.each = scalar_field(entry, "each", where, false);
    spec.when = scalar_field(entry, "when", where, false);
    set.outputs.push_back(std::move(spec));
  }
  return set;
}

Value load_values(const std::string& defaults_file, const std::vector<std::string>& values_files,
                  const std::vector<std::string>& sets) {
  Value values;
  values.type = Value::Type::kMap;
  if (!defaults_file.empty()) values = parse_values(read_small_file(defaults_file, 4u << 20, "values file"), defaults_file);
  for (const auto& file : values_files) merge_values(values, parse_values(read_small_input(file, 4u << 20, "values file"), file));
  for (const auto& s : sets) {
    std::string key;
    const Value v = parse_set(s, key);
    apply_set(values, key, v);
  }
  return values;
}

std::map<std::string, std::string> render_set(const TemplateSet& set, const Value& values) {
  const BoundValues bound(values);
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> made_by;
  for (const auto& spec : set.outputs) {
    const std::vector<const Value*> root_stack{&values};
    if (!spec.when.empty()) {
      std::string key = spec.when;
      const bool presence = key.back() == '?';
      if (presence) key.pop_back();
      std::string why;
      const Value* v = lookup(root_stack, key, why);
      if (v == nullptr) throw ParseError(spec.origin, cat("when: undefined value '", key, "': ", why));
      if (!presence && v->type != Value::Type::kBool)
        throw ParseError(spec.origin, cat("when: '", key, "' is ", type_name(v->type), " (", v->origin,
                                          "); use a boolean, or '", key, "?' to test that it is set"));
      if (!is_set(*v)) continue;
    }
    const std::string template_file = (fs::path(set.dir) / spec.template_file).string();
    const ScannedTemplate body = scan_file(template_file);
    const ScannedTemplate path = scan_template(spec.path, spec.origin + " (path)");
    std::vector<std::vector<const Value*>> contexts;
    if (spec.each.empty()) {
      contexts.push_back({});
    } else {
      std::string why;
      const Value* list = lookup(root_stack, spec.each, why);
      if (list == nullptr) throw ParseError(spec.origin, cat("each: undefined value '", spec.each, "': ", why));
      if (list->type != Value::Type::kList)
        throw ParseError(spec.origin, cat("each: '", spec.each, "' is ", type_name(list->type), " (", list->origin,
                                          "), not a list"));
      for (const auto& item : list->items) contexts.push_back({&item});
    }
    for (const auto& inner : contexts) {
      const std::string out_path = render_template(path, bound, inner);
      const std::string text = render_template(body, bound, inner);
      check_output(out_path, text, template_file);
      if (const auto it = made_by.find(out_path); it != made_by.end())
        throw ParseError(spec.origin, cat("output '", out_path, "' is also made by ", it->second,
                                          "; each output needs its own path"));
      made_by[out_path] = spec.origin;
      files[out_path] = text;
    }
  }
  return files;
}

std::string render_file(const std::string& template_file, const Value& values) {
  const BoundValues bound(values);
  const std::string text = render_template(scan_file(template_file), bound);
  check_output(strip_template_suffix(fs::path(template_file).filename().string()), text, template_file);
  return text;
}

}  // namespace sf::rm
