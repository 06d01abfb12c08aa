#include "render-manifests/inventory.h"

#include "common/strings.h"

namespace sf::rm {
namespace {

bool named_like_image(const std::string& key) {
  const std::string k = to_lower(key);
  return k == "image" || k.ends_with("image");
}

void add_image(std::string raw, const Location& where, std::string field, const YamlDocument& doc, Inventory& out) {
  ImageUse use;
  use.helm_source = doc.helm_source;
  use.raw = std::move(raw);
  use.where = where;
  use.field = std::move(field);
  if (!parse_image_ref(use.raw, use.ref, use.error)) use.ref = ImageRef{};
  out.images.push_back(std::move(use));
}

// {registry?, repository, tag?, digest?} as most charts write an image in their values.
void add_image_map(const YAML::Node& map, const Location& where, const std::string& field, const YamlDocument& doc,
                   Inventory& out) {
  const std::string registry = scalar_at(map, "registry");
  const std::string repository = scalar_at(map, "repository");
  const std::string tag = scalar_at(map, "tag");
  std::string digest = scalar_at(map, "digest");
  std::string raw = registry.empty() ? repository : registry + "/" + repository;
  if (!tag.empty()) raw += ":" + tag;
  if (!digest.empty()) raw += "@" + digest;
  add_image(raw, where, field, doc, out);
}

// `overrides`: an Argo CD source's inline values, merged over the chart's own values and its
// value files: an image map there without tag and digest only changes the repository (a
// mirror's, say) and the tag comes from below, pinned with the chart's version.
void collect_values(const YamlFile& file, const YamlDocument& doc, const YAML::Node& root,
                    const std::vector<std::string>& prefix, bool overrides, Inventory& out);

// An Argo CD source: a chart, and Helm values that may name images.
void collect_source(const YamlFile& file, const YamlDocument& doc, const YAML::Node& source, size_t line,
                    const std::vector<std::string>& path, Inventory& out) {
  const std::string chart = scalar_at(source, "chart");
  if (!chart.empty()) {
    ChartUse use;
    use.ref.repo_url = scalar_at(source, "repoURL");
    use.ref.chart = chart;
    use.ref.version = scalar_at(source, "targetRevision");
    use.where = {file.path, doc.file_line(child(source, "chart"), line)};
    if (!classify_chart_repo(use.ref, use.error)) use.ref.type = ChartRepoType::kHttp;
    out.charts.push_back(std::move(use));
  }
  const YAML::Node helm = child(source, "helm");
  if (!helm.IsMap()) return;
  const bool overrides = true;
  std::vector<std::string> values_path = path;
  values_path.push_back("helm");
  if (const YAML::Node object = child(helm, "valuesObject"); object.IsMap()) {
    values_path.push_back("valuesObject");
    collect_values(file, doc, object, values_path, overrides, out);
    values_path.pop_back();
  }
  if (const YAML::Node values = child(helm, "values"); values.IsScalar()) {
    values_path.push_back("values");
    for (const auto& d : embedded_yaml(file, doc, values, line))
      collect_values(file, d, d.root, values_path, overrides, out);
  }
}

void collect_values(const YamlFile& file, const YamlDocument& doc, const YAML::Node& root,
                    const std::vector<std::string>& prefix, bool overrides, Inventory& out) {
  // A new document around `root`: assigning to a copy's YAML::Node would write through to the
  // node it shares with `doc` (yaml-cpp's operator= sets the referenced node).
  const YamlDocument sub{root, doc.line, doc.helm_source};
  walk_yaml(sub, [&](const YamlVisit& v) {
    if (v.path.empty()) return;
    const std::string& key = v.path.back();
    if (!named_like_image(key)) return;
    std::vector<std::string> full = prefix;
    full.insert(full.end(), v.path.begin(), v.path.end());
    const Location where{file.path, v.line};
    if (v.node.IsScalar() && !v.node.Scalar().empty()) add_image(v.node.Scalar(), where, path_text(full), doc, out);
    else if (v.node.IsMap() && !scalar_at(v.node, "repository").empty() &&
             !(overrides && !has_key(v.node, "tag") && !has_key(v.node, "digest")))
      add_image_map(v.node, where, path_text(full), doc, out);
  });
}

bool is_argo(const YAML::Node& root, const char* kind) {
  return scalar_at(root, "kind") == kind && scalar_at(root, "apiVersion").starts_with("argoproj.io/");
}

}  // namespace

std::string Location::text() const { return cat(file, ':', line); }

void collect_document(const YamlFile& file, const YamlDocument& doc, bool chart_yaml, Inventory& out) {
  const YAML::Node& root = doc.root;
  if (!root.IsMap()) return;
  const size_t line = doc.file_line(root, doc.line);
  if (chart_yaml) {
    const YAML::Node deps = child(root, "dependencies");
    if (!deps.IsSequence()) return;
    for (const auto& dep : deps) {
      ChartUse use;
      use.ref.repo_url = scalar_at(dep, "repository");
      use.ref.chart = scalar_at(dep, "name");
      use.ref.version = scalar_at(dep, "version");
      use.where = {file.path, doc.file_line(dep, line)};
      if (use.ref.repo_url.empty() || use.ref.repo_url.starts_with("file://")) continue;  // a local subchart
      if (!classify_chart_repo(use.ref, use.error)) use.ref.type = ChartRepoType::kHttp;
      out.charts.push_back(std::move(use));
    }
    return;
  }
  const YAML::Node spec = child(root, "spec");
  const bool application = is_argo(root, "Application");
  const bool application_set = is_argo(root, "ApplicationSet");
  if ((application || application_set) && spec.IsMap()) {
    const YAML::Node app_spec = application ? spec : child(child(spec, "template"), "spec");
    const std::vector<std::string> base =
        application ? std::vector<std::string>{"spec"} : std::vector<std::string>{"spec", "template", "spec"};
    if (app_spec.IsMap()) {
      if (const YAML::Node source = child(app_spec, "source"); source.IsMap()) {
        auto p = base;
        p.push_back("source");
        collect_source(file, doc, source, line, p, out);
      }
      if (const YAML::Node sources = child(app_spec, "sources"); sources.IsSequence()) {
        size_t i = 0;
        for (const auto& s : sources) {
          auto p = base;
          p.push_back(cat("sources[", i++, "]"));
          if (s.IsMap()) collect_source(file, doc, s, line, p, out);
        }
      }
    }
    return;
  }
  // A plain manifest or a values file: every image field, wherever it is.
  collect_values(file, doc, root, {}, false, out);
}

void collect(const YamlFile& file, bool chart_yaml, Inventory& out) {
  for (const auto& doc : file.documents) collect_document(file, doc, chart_yaml, out);
}

}  // namespace sf::rm
