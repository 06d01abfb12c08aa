#include "render-manifests/lint.h"

#include <algorithm>
#include <set>

#include "common/redact.h"
#include "common/strings.h"
#include "render-manifests/inventory.h"
#include "render-manifests/secrets.h"
#include "render-manifests/suppressions.h"

namespace sf::rm {

const std::vector<LintRule>& lint_rules() {
  static const std::vector<LintRule> rules{
      {"yaml", "a document that is not valid YAML (the rest of the file is still checked)"},
      {"duplicate-key", "a key twice in one map: YAML tools disagree on which one wins"},
      {"unpinned-image", "an image without a tag or with latest: what runs changes without a commit"},
      {"invalid-image", "an image reference Docker would refuse (upper case, bad tag or digest)"},
      {"unpinned-chart", "a chart version that is not exact SemVer (a range, *, latest, empty)"},
      {"invalid-chart", "a chart repoURL that is neither an http(s) Helm repository nor OCI"},
      {"secret-literal", "a credential in a tracked file: keys, tokens, passwords, Secret data; keep it in Vault"},
      {"resources", "a container without requests and limits for cpu and memory"},
      {"namespace-psa", "a namespace (or one Argo CD creates) without a Pod Security Admission enforce label"},
      {"psa-level", "a namespace enforcing less than restricted: allow it with the reason"},
      {"ingress-host", "an Ingress host outside .localhost (or the --domain given)"},
      {"eso-v1beta1", "External Secrets API v1beta1/v1alpha1: no longer served since ESO 0.17; use v1"},
      {"ingress-nginx", "the retired community ingress-nginx (chart, image, class or annotations)"},
      {"lint-allow", "a suppression comment without a reason, for an unknown rule, or allowing nothing"},
  };
  return rules;
}

bool known_rule(const std::string& id) {
  for (const auto& r : lint_rules())
    if (id == r.id) return true;
  return false;
}

// Messages quote the linted text (keys, names, images): shown escaped, never as raw bytes.
std::string Finding::text() const {
  return cat(printable(file, 4096), ':', line, ": ", rule, ": ", printable(message, 4096));
}

namespace {

const char* const kEnforce = "pod-security.kubernetes.io/enforce";
// Where the platform tree writes why a namespace cannot be restricted (argocd/root's chart puts it
// on every namespace it creates); a non-empty one counts as the written reason.
const char* const kReason = "sovereign-finops.io/pod-security-reason";

std::string object_name(const YAML::Node& root) {
  const YAML::Node meta = child(root, "metadata");
  const std::string ns = scalar_at(meta, "namespace");
  const std::string name = scalar_at(meta, "name");
  std::string out = scalar_at(root, "kind");
  if (!ns.empty()) out += "/" + ns;
  if (!name.empty()) out += "/" + name;
  return out;
}

bool lower_contains(const std::string& text, const char* what) { return to_lower(text).find(what) != std::string::npos; }

class FileLinter {
 public:
  FileLinter(const YamlFile& file, bool chart_yaml, const LintOptions& options)
      : f_(file), chart_yaml_(chart_yaml), options_(options) {}

  std::vector<Finding> run() {
    for (const auto& p : f_.problems) add(p.line, "yaml", cat("not valid YAML: ", p.message));
    for (const auto& m : find_secret_patterns(f_.text))
      add(m.line, "secret-literal", cat(m.what, " in a tracked file: keep it in Vault (vault-seed) and deliver it "
                                        "with an ExternalSecret; rotate it, it is in the Git history"));
    for (const auto& doc : f_.documents) lint_document(doc);
    return apply_allows();
  }

 private:
  void add(size_t line, const char* rule, std::string message) { out_.push_back({f_.path, line, rule, std::move(message)}); }

  void lint_document(const YamlDocument& doc) {
    Inventory inv;
    collect_document(f_, doc, chart_yaml_, inv);
    for (const auto& i : inv.images) {
      if (!i.error.empty()) {
        add(i.where.line, "invalid-image", cat("image '", i.raw, "': ", i.error));
        continue;
      }
      if (!i.ref.pinned()) add(i.where.line, "unpinned-image", cat("image ", i.ref.str(), ": ", i.ref.unpinned_reason()));
      if (i.ref.path.starts_with("ingress-nginx/") || i.ref.path.find("/ingress-nginx/") != std::string::npos)
        add(i.where.line, "ingress-nginx", cat("image ", i.ref.str(), " is the retired community ingress-nginx; "
                                               "use the NGINX Ingress Controller (nginx/nginx-ingress)"));
    }
    for (const auto& c : inv.charts) {
      if (!c.error.empty()) add(c.where.line, "invalid-chart", cat("chart ", c.ref.chart, ": ", c.error));
      else if (!exact_chart_version(c.ref.version))
        add(c.where.line, "unpinned-chart",
            cat("chart ", c.ref.chart, " version '", c.ref.version, "' is not an exact version; pin the one you tested"));
      if (c.ref.chart == "ingress-nginx" || lower_contains(c.ref.repo_url, "kubernetes.github.io/ingress-nginx"))
        add(c.where.line, "ingress-nginx", "chart ingress-nginx is the retired community controller (no security "
                                           "fixes since March 2026); use nginx-ingress from nginx/kubernetes-ingress");
    }
    const bool ok = walk_yaml(doc, [&](const YamlVisit& v) { visit(doc, v); });
    if (!ok) add(doc.line, "yaml", "document larger than 200000 nodes or 128 levels (YAML anchors?); not checked");
    if (doc.root.IsMap() && !scalar_at(doc.root, "kind").empty()) lint_object(doc);
  }

  // Checks of single nodes, anywhere in a document (values files and embedded values too).
  void visit(const YamlDocument& doc, const YamlVisit& v) {
    const std::string key = v.path.empty() ? "" : v.path.back();
    if (v.node.IsMap()) {
      std::set<std::string> seen;
      for (const auto& kv : v.node) {
        if (!kv.first.IsScalar()) continue;
        if (!seen.insert(kv.first.Scalar()).second)
          add(doc.file_line(kv.first, v.line), "duplicate-key",
              cat("'", kv.first.Scalar(), "' appears twice in this map; keep one (Kubernetes takes the last, "
                                          "some tools the first)"));
        if (kv.first.Scalar().starts_with("nginx.ingress.kubernetes.io/"))
          add(doc.file_line(kv.first, v.line), "ingress-nginx",
              cat("annotation ", kv.first.Scalar(), " belongs to the retired ingress-nginx and is ignored by the NGINX "
                  "Ingress Controller (basic auth, TLS redirects silently off); use its nginx.org/ annotations"));
      }
      if (key == "spec") check_pod_spec(doc, v);
    }
    if (!v.node.IsScalar()) {
      if (v.node.IsSequence() && (key == "hosts") && under_ingress(v.path)) {
        for (const auto& item : v.node)
          if (item.IsScalar()) check_host(doc.file_line(item, v.line), item.Scalar());
      }
      return;
    }
    const std::string& value = v.node.Scalar();
    if (key == "apiVersion" && (value.starts_with("external-secrets.io/v1beta1") || value.starts_with("external-secrets.io/v1alpha1")))
      add(v.line, "eso-v1beta1", cat("apiVersion ", value, " is no longer served (External Secrets 0.17 and later); "
                                     "use external-secrets.io/v1"));
    if (value == "k8s.io/ingress-nginx")
      add(v.line, "ingress-nginx", "controller k8s.io/ingress-nginx is the retired community ingress-nginx; the NGINX "
                                   "Ingress Controller's IngressClass uses nginx.org/ingress-controller");
    if (secret_like_key(key) && looks_random(value))
      add(v.line, "secret-literal", cat("'", path_text(v.path), "' holds what looks like a literal credential; "
                                        "keep it in Vault and reference it (an ExternalSecret, existingSecret)"));
    if ((key == "host" || key == "hostname" || key == "hosts") && under_ingress(v.path)) check_host(v.line, value);
    // Helm values inside an Argo CD Application, as a string: check them like a values file.
    if (key == "values" && v.path.size() >= 2 && v.path[v.path.size() - 2] == "helm") {
      std::vector<YamlProblem> problems;
      for (const auto& inner : embedded_yaml(f_, doc, v.node, v.line, &problems))
        if (!walk_yaml(inner, [&](const YamlVisit& iv) { visit(inner, iv); }))
          add(inner.line, "yaml", "embedded values too large to check");
      for (const auto& p : problems) add(p.line, "yaml", cat("helm.values is not valid YAML: ", p.message));
    }
  }

  static bool under_ingress(const std::vector<std::string>& path) {
    for (size_t i = 0; i + 1 < path.size(); ++i)
      if (lower_contains(path[i], "ingress")) return true;
    return false;
  }

  void check_host(size_t line, const std::string& raw) {
    if (raw.empty() || raw.find("{{") != std::string::npos) return;
    std::string host = to_lower(raw);
    if (host.starts_with("*.")) host = host.substr(2);
    for (const auto& d : options_.domains) {
      const std::string domain = to_lower(d);
      if (host == domain || host.ends_with("." + domain)) return;
    }
    std::string allowed;
    for (const auto& d : options_.domains) {
      if (!allowed.empty()) allowed += ", ";
      allowed += "." + d;
    }
    add(line, "ingress-host", cat("host ", raw, " is outside ", allowed, ": it needs DNS the laptop does not have; use "
                                  "NAME.localhost, or pass the domain with --domain"));
  }

  void check_pod_spec(const YamlDocument& doc, const YamlVisit& v) {
    const YAML::Node containers = child(v.node, "containers");
    if (!containers.IsSequence()) return;
    for (const char* list : {"initContainers", "containers"}) {
      const YAML::Node items = child(v.node, list);
      if (!items.IsSequence()) continue;
      for (const auto& c : items) {
        if (!c.IsMap()) continue;
        const YAML::Node res = child(c, "resources");
        std::string missing;
        for (const char* part : {"requests", "limits"})
          for (const char* what : {"cpu", "memory"})
            if (scalar_at(child(res, part), what).empty()) {
              if (!missing.empty()) missing += ", ";
              missing += cat(part, '.', what);
            }
        if (!missing.empty())
          add(doc.file_line(c, v.line), "resources",
              cat(list == std::string("initContainers") ? "init container '" : "container '", scalar_at(c, "name"),
                  "' has no ", missing, "; every workload states what it needs (sized for a 3-node Kind on a laptop)"));
      }
    }
  }

  // Checks of whole Kubernetes objects.
  void lint_object(const YamlDocument& doc) {
    const YAML::Node& root = doc.root;
    const std::string kind = scalar_at(root, "kind");
    const std::string api = scalar_at(root, "apiVersion");
    const size_t first = doc.file_line(root, doc.line);
    const YAML::Node spec = child(root, "spec");
    if (kind == "Secret" && api == "v1") {
      std::string keys;
      for (const char* field : {"data", "stringData"}) {
        const YAML::Node data = child(root, field);
        if (!data.IsMap()) continue;
        for (const auto& kv : data) {
          if (!keys.empty()) keys += ", ";
          keys += kv.first.Scalar();
        }
      }
      if (!keys.empty())
        add(first, "secret-literal", cat(object_name(root), " holds literal data (", keys, "); keep the values in Vault "
                                         "and let an ExternalSecret create this Secret"));
    }
    if (kind == "Namespace" && api == "v1") {
      const YAML::Node meta = child(root, "metadata");
      check_psa(first, object_name(root), child(meta, "labels"), child(meta, "annotations"));
    }
    if (kind == "Application" && api.starts_with("argoproj.io/")) {
      const YAML::Node sync = child(spec, "syncPolicy");
      bool creates = false;
      const YAML::Node options = child(sync, "syncOptions");
      if (options.IsSequence())
        for (const auto& o : options) creates = creates || (o.IsScalar() && o.Scalar() == "CreateNamespace=true");
      if (creates) {
        const std::string target = scalar_at(child(spec, "destination"), "namespace");
        const YAML::Node managed = child(sync, "managedNamespaceMetadata");
        check_psa(first, cat("namespace ", target, " (created by ", object_name(root), ")"), child(managed, "labels"),
                  child(managed, "annotations"));
      }
    }
    if (kind == "Ingress" && api.starts_with("networking.k8s.io/")) {
      const YAML::Node rules = child(spec, "rules");
      if (rules.IsSequence())
        for (const auto& r : rules) {
          const YAML::Node host = child(r, "host");
          if (host.IsScalar()) check_host(doc.file_line(host, first), host.Scalar());
        }
      const YAML::Node tls = child(spec, "tls");
      if (tls.IsSequence())
        for (const auto& t : tls) {
          const YAML::Node hosts = child(t, "hosts");
          if (hosts.IsSequence())
            for (const auto& h : hosts)
              if (h.IsScalar()) check_host(doc.file_line(h, first), h.Scalar());
        }
    }
  }

  void check_psa(size_t line, const std::string& what, const YAML::Node& labels, const YAML::Node& annotations) {
    const std::string level = scalar_at(labels, kEnforce);
    if (level.empty()) {
      add(line, "namespace-psa", cat(what, " has no ", kEnforce, " label; set restricted, or the level the "
                                     "component needs with the reason"));
      return;
    }
    if (level != "restricted" && level != "baseline" && level != "privileged") {
      add(line, "namespace-psa", cat(what, ": ", kEnforce, "=", level, " is not a level (privileged, baseline, restricted)"));
      return;
    }
    if (level != "restricted" && trim(scalar_at(annotations, kReason)).empty())
      add(line, "psa-level", cat(what, " enforces ", level, ", not restricted: write why, in the annotation ", kReason,
                                 " or beside it (# lint: allow psa-level <reason>)"));
  }

  std::vector<Finding> apply_allows() {
    std::vector<Allow> allows = find_allows(f_.text);
    std::vector<Finding> kept;
    for (auto& finding : out_) {
      bool allowed = false;
      for (auto& a : allows)
        if (a.rule == finding.rule && a.covers == finding.line && !a.reason.empty()) {
          a.used = true;
          allowed = true;
        }
      if (!allowed) kept.push_back(std::move(finding));
    }
    for (const auto& a : allows) {
      if (!known_rule(a.rule) || a.rule == "lint-allow")
        kept.push_back({f_.path, a.line, "lint-allow", cat("'", a.rule, "' is not a rule (render-manifests lint --list-rules)")});
      else if (a.reason.empty())
        kept.push_back({f_.path, a.line, "lint-allow", cat("allowing ", a.rule, " needs a reason after the rule")});
      else if (!a.used)
        kept.push_back({f_.path, a.line, "lint-allow", cat("no ", a.rule, " finding on the line this covers; remove the comment")});
    }
    std::stable_sort(kept.begin(), kept.end(), [](const Finding& a, const Finding& b) { return a.line < b.line; });
    return kept;
  }

  const YamlFile& f_;
  bool chart_yaml_;
  const LintOptions& options_;
  std::vector<Finding> out_;
};

}  // namespace

std::vector<Finding> lint_file(const YamlFile& file, bool chart_yaml, const LintOptions& options) {
  return FileLinter(file, chart_yaml, options).run();
}

}  // namespace sf::rm
