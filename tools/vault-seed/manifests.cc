#include "vault-seed/manifests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"
#include "vault-seed/vault_objects.h"
#include "vault-seed/yaml_text.h"

namespace sf::vs {
namespace {

// One YAML document with where it came from.
struct Doc {
  YAML::Node node;
  std::string input;
  std::string template_source;  // the "# Source:" comment Helm writes above it
  int line = 0;                 // its first line in the input
  int offset = 0;               // what to add to yaml-cpp's lines (each document is parsed alone)
};

std::string scalar(const YAML::Node& node) { return node && node.IsScalar() ? node.Scalar() : std::string(); }

// Walks a path of mapping keys. Nodes are rebound with reset(): yaml-cpp's operator= would
// write into the document instead.
YAML::Node at(const YAML::Node& node, std::initializer_list<const char*> path) {
  if (!node) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node current;
  current.reset(node);
  for (const char* key : path) {
    if (!current.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& map = current;
    const YAML::Node next = map[key];
    if (!next) return YAML::Node(YAML::NodeType::Undefined);  // reset() refuses missing nodes
    current.reset(next);
  }
  return current;
}

int line_of(const YAML::Node& node, int fallback) {
  if (!node || !node.IsDefined()) return fallback;
  const YAML::Mark m = node.Mark();
  return m.is_null() ? fallback : m.line + 1;
}

// "# Source: chart/templates/x.yaml" lines with the document separators between them, so a
// document is named by the comment above it and not by an earlier document's.
std::vector<std::pair<int, std::string>> source_comments(const std::string& text) {
  std::vector<std::pair<int, std::string>> out;
  int line = 0;
  for (const auto& l : split(text, '\n')) {
    ++line;
    const std::string_view t = trim(l);
    if (t.rfind("# Source: ", 0) == 0) out.emplace_back(line, std::string(t.substr(10)));
    else if (t.rfind("---", 0) == 0) out.emplace_back(line, "");
  }
  return out;
}

// The documents of a stream, split where Kubernetes' and Helm's readers split it: at lines
// that start with "---" (the marker stays with the document it opens) and after "..." lines.
// Each is then parsed alone: yaml-cpp 0.7's LoadAll never returns on a stray "," at document
// level (found by fuzzing), its Load stops after one document.
struct Part {
  std::string text;
  int first_line = 1;
};

std::vector<Part> split_documents(const std::string& text) {
  std::vector<Part> parts(1);
  int line = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    const std::string_view l(text.data() + start, end - start);
    ++line;
    const auto marker = [&](std::string_view m) {
      return l.rfind(m, 0) == 0 && (l.size() == m.size() || l[m.size()] == ' ' || l[m.size()] == '\t' ||
                                    l[m.size()] == '\n' || l[m.size()] == '\r');
    };
    if (marker("---")) {
      parts.push_back(Part{std::string(), line});
      parts.back().text.append(l);
    } else if (marker("...")) {
      parts.push_back(Part{std::string(), line + 1});
    } else {
      parts.back().text.append(l);
    }
    start = end;
  }
  return parts;
}

std::vector<Doc> load(const ManifestInput& input) {
  std::vector<Doc> docs;
  if (const std::string problem = yaml_text_problem(input.text); !problem.empty())
    throw ParseError(input.name, cat(problem, ": not the YAML of rendered manifests"));
  const auto comments = source_comments(input.text);
  for (const Part& part : split_documents(input.text)) {
    YAML::Node n;
    try {
      n = YAML::Load(part.text);
    } catch (const YAML::Exception& e) {
      throw ParseError(e.mark.is_null() ? input.name : cat(input.name, ":", e.mark.line + part.first_line),
                       cat("not valid YAML: ", e.msg));
    }
    if (!n || !n.IsMap()) continue;  // empty, or not an object: nothing of ours
    Doc d;
    d.node = n;
    d.input = input.name;
    d.offset = part.first_line - 1;
    d.line = line_of(n, 1) + d.offset;
    for (const auto& [l, source] : comments)
      if (l <= d.line) d.template_source = source;
    docs.push_back(std::move(d));
  }
  return docs;
}

struct Store {
  std::string kind;       // ClusterSecretStore | SecretStore
  std::string name;
  std::string ns;         // SecretStore only
  const Doc* doc = nullptr;
  // Resolved against the spec (when usable):
  bool usable = false;
  std::string mount;
  const AuthSpec* auth = nullptr;
  const RoleSpec* role = nullptr;
};

// Vault's ACL path matching, close enough for the policies vault-seed ships: an exact rule
// wins, else the longest matching glob (trailing '*', '+' for one segment).
bool glob_match(const std::string& pattern, const std::string& path) {
  size_t p = 0, s = 0;
  while (p < pattern.size()) {
    if (pattern[p] == '*' && p + 1 == pattern.size()) return true;
    if (pattern[p] == '+') {
      const size_t slash = path.find('/', s);
      s = slash == std::string::npos ? path.size() : slash;
      ++p;
      continue;
    }
    if (s >= path.size() || pattern[p] != path[s]) return false;
    ++p;
    ++s;
  }
  return s == path.size();
}

std::map<std::string, std::set<std::string>> policy_rules(const std::string& text) {
  std::string clean;
  for (const auto& line : split(text, '\n')) {
    const size_t hash = line.find('#');
    clean += (hash == std::string::npos ? line : line.substr(0, hash)) + "\n";
  }
  std::map<std::string, std::set<std::string>> rules;
  static const std::regex block(R"re(path\s+"([^"]+)"\s*\{([^}]*)\})re");
  static const std::regex caps(R"re(capabilities\s*=\s*\[([^\]]*)\])re");
  static const std::regex quoted(R"re("([^"]*)")re");
  for (auto it = std::sregex_iterator(clean.begin(), clean.end(), block); it != std::sregex_iterator(); ++it) {
    const std::string body = (*it)[2];
    std::smatch m;
    if (!std::regex_search(body, m, caps)) continue;
    const std::string list = m[1];
    auto& set = rules[(*it)[1]];
    for (auto q = std::sregex_iterator(list.begin(), list.end(), quoted); q != std::sregex_iterator(); ++q)
      set.insert((*q)[1]);
  }
  return rules;
}

std::optional<bool> grants(const std::map<std::string, std::set<std::string>>& rules, const std::string& path,
                           const std::string& capability) {
  if (rules.empty()) return std::nullopt;
  const std::set<std::string>* best = nullptr;
  if (const auto it = rules.find(path); it != rules.end()) {
    best = &it->second;
  } else {
    size_t best_len = 0;
    for (const auto& [pattern, set] : rules) {
      if (pattern.find_first_of("*+") == std::string::npos || !glob_match(pattern, path)) continue;
      if (best == nullptr || pattern.size() > best_len) {
        best = &set;
        best_len = pattern.size();
      }
    }
  }
  if (best == nullptr || best->count("deny")) return false;
  return best->count(capability) > 0 || best->count("root") > 0;
}

class Checker {
 public:
  Checker(const Spec& spec, Report& report) : spec_(spec), report_(report) {}

  void add_docs(std::vector<Doc> docs) {
    for (auto& d : docs) docs_.push_back(std::move(d));
  }

  int run() {
    for (const auto& d : docs_) {
      const std::string kind = scalar(at(d.node, {"kind"}));
      if (kind == "ClusterSecretStore" || kind == "SecretStore") stores_.push_back(read_store(d, kind));
    }
    for (auto& s : stores_) check_store(s);
    size_t external_secrets = 0;
    for (const auto& d : docs_) {
      if (scalar(at(d.node, {"kind"})) != "ExternalSecret") continue;
      ++external_secrets;
      check_external_secret(d);
    }
    if (exact_) check_everything_read();
    if (external_secrets == 0 || stores_.empty()) {
      std::string inputs;
      for (const auto& i : input_names_) inputs += cat(inputs.empty() ? "" : ", ", i);
      report_.add(Item{"check", "manifests", Action::kError, std::nullopt,
                       cat("found ", external_secrets, " ExternalSecrets and ", stores_.size(),
                           " secret stores in ", docs_.size(), " documents of ", inputs.empty() ? "no input" : inputs,
                           ": the inputs are not the rendered platform (nothing to check is not agreement)")});
      ++errors_;
    }
    return errors_ == 0 ? kExitOk : kExitFailed;
  }

  void note_input(const std::string& name) { input_names_.push_back(name); }
  void set_exact(bool exact) { exact_ = exact; }

 private:
  static std::string where(const Doc& d, const YAML::Node& node) {
    const int relative = line_of(node, 0);
    std::string out = cat(d.input, ":", relative > 0 ? relative + d.offset : d.line);
    if (!d.template_source.empty()) out += cat(" (", d.template_source, ")");
    return out;
  }

  static std::string object_name(const Doc& d, const std::string& kind) {
    const std::string ns = scalar(at(d.node, {"metadata", "namespace"}));
    const std::string name = scalar(at(d.node, {"metadata", "name"}));
    return cat(kind, " ", ns.empty() ? "" : ns + "/", name.empty() ? "(no name)" : name);
  }

  Store read_store(const Doc& d, const std::string& kind) {
    Store s;
    s.kind = kind;
    s.name = scalar(at(d.node, {"metadata", "name"}));
    s.ns = kind == "SecretStore" ? scalar(at(d.node, {"metadata", "namespace"})) : "";
    s.doc = &d;
    return s;
  }

  void check_store(Store& s) {
    const Doc& d = *s.doc;
    std::vector<std::string> problems;
    const auto problem = [&](const YAML::Node& node, const std::string& text) {
      problems.push_back(cat(where(d, node), ": ", text));
    };
    const std::string api = scalar(at(d.node, {"apiVersion"}));
    if (api != "external-secrets.io/v1")
      problem(at(d.node, {"apiVersion"}), cat("apiVersion ", printable(api, 60),
                                        ": ESO serves external-secrets.io/v1 only (v1beta1 is unserved since 0.17)"));
    const YAML::Node vault = at(d.node, {"spec", "provider", "vault"});
    if (!vault) {
      report_.add(Item{"check", object_name(d, s.kind), Action::kAgrees, std::nullopt,
                       "not a Vault store: nothing of the spec to check"});
      return;
    }
    std::string path = scalar(at(vault, {"path"}));
    while (!path.empty() && path.back() == '/') path.pop_back();
    const MountSpec* mount = spec_.mount(path);
    if (path.empty()) problem(vault, "spec.provider.vault.path is not set: name the KV mount (secret)");
    else if (mount == nullptr) problem(at(vault, {"path"}), cat("path ", printable(path, 60), " is not a KV mount of ", spec_.source));
    const std::string version = at(vault, {"version"}) ? scalar(at(vault, {"version"})) : "v2";
    if (version != "v2") problem(at(vault, {"version"}), cat("version ", printable(version, 10), ": the spec's mounts are KV version 2 (v2)"));
    const YAML::Node k8s = at(vault, {"auth", "kubernetes"});
    const AuthSpec* auth = nullptr;
    const RoleSpec* role = nullptr;
    if (!k8s) {
      problem(at(vault, {"auth"}), cat("auth is not kubernetes: ", spec_.source, " sets up Kubernetes auth for ESO"));
    } else {
      const std::string mount_path = at(k8s, {"mountPath"}) ? scalar(at(k8s, {"mountPath"})) : "kubernetes";
      auth = spec_.auth_mount(mount_path);
      if (auth == nullptr) problem(at(k8s, {"mountPath"}) ? at(k8s, {"mountPath"}) : k8s,
                                   cat("auth.kubernetes.mountPath ", printable(mount_path, 60), " is not an auth mount of ", spec_.source));
      const std::string role_name = scalar(at(k8s, {"role"}));
      if (role_name.empty()) {
        problem(k8s, "auth.kubernetes.role is not set");
      } else if (auth != nullptr) {
        for (const auto& r : auth->roles)
          if (to_lower(r.name) == to_lower(role_name)) role = &r;
        if (role == nullptr) {
          std::vector<std::string> names;
          for (const auto& r : auth->roles) names.push_back(r.name);
          problem(at(k8s, {"role"}), cat("role ", printable(role_name, 60), " is not a role of auth/", auth->path, " in ",
                                   spec_.source, " (roles: ", join_names(names), ")"));
        }
      }
      const YAML::Node sa = at(k8s, {"serviceAccountRef"});
      if (!sa) {
        problem(k8s, "no serviceAccountRef: ESO would log in with its own mounted token, whose audience is the API "
                     "server's, not the role's audience");
      } else if (role != nullptr) {
        const std::string name = scalar(at(sa, {"name"}));
        const std::string ns = scalar(at(sa, {"namespace"}));
        const auto bound = [](const std::vector<std::string>& list, const std::string& v) {
          return std::find(list.begin(), list.end(), "*") != list.end() ||
                 std::find(list.begin(), list.end(), v) != list.end();
        };
        if (!bound(role->bound_service_account_names, name))
          problem(at(sa, {"name"}) ? at(sa, {"name"}) : sa, cat("serviceAccountRef.name ", printable(name, 60), " is not bound by role ",
                                                    role->name, " (", join_names(role->bound_service_account_names), ", ",
                                                    spec_.at(role->where), ")"));
        const std::string effective_ns = ns.empty() ? s.ns : ns;
        if (s.kind == "ClusterSecretStore" && ns.empty())
          problem(sa, "serviceAccountRef.namespace is required in a ClusterSecretStore (else ESO uses each "
                      "ExternalSecret's namespace)");
        else if (!bound(role->bound_service_account_namespaces, effective_ns))
          problem(at(sa, {"namespace"}) ? at(sa, {"namespace"}) : sa,
                  cat("serviceAccountRef.namespace ", printable(effective_ns, 60), " is not bound by role ", role->name,
                      " (", join_names(role->bound_service_account_namespaces), ", ", spec_.at(role->where), ")"));
        std::vector<std::string> audiences;
        if (at(sa, {"audiences"}) && at(sa, {"audiences"}).IsSequence())
          for (const auto& a : at(sa, {"audiences"})) audiences.push_back(scalar(a));
        if (std::find(audiences.begin(), audiences.end(), role->audience) == audiences.end())
          problem(at(sa, {"audiences"}) ? at(sa, {"audiences"}) : sa,
                  cat("serviceAccountRef.audiences ", join_names(audiences), " lacks the role's audience \"",
                      role->audience, "\" (", spec_.at(role->where), "): Vault would refuse ESO's token with 403"));
      }
    }
    s.mount = mount != nullptr ? mount->path : "";
    s.auth = auth;
    s.role = role;
    s.usable = problems.empty();
    finish(object_name(d, s.kind), problems,
           s.usable ? cat("mount ", s.mount, "/, auth/", auth->path, "/role/", role->name, ", audience ", role->audience)
                    : "");
  }

  const Store* find_store(const std::string& kind, const std::string& name, const std::string& ns) const {
    for (const auto& s : stores_)
      if (s.kind == kind && s.name == name && (kind == "ClusterSecretStore" || s.ns == ns)) return &s;
    return nullptr;
  }

  // remoteRef.key as ESO's Vault provider builds the path: "<mount>/" and "data/" prefixes
  // are optional.
  static std::string secret_path(std::string key, const std::string& mount) {
    while (!key.empty() && key.front() == '/') key.erase(0, 1);
    if (!mount.empty() && key.rfind(mount + "/", 0) == 0) key = key.substr(mount.size() + 1);
    if (key.rfind("data/", 0) == 0) key = key.substr(5);
    return key;
  }

  void check_ref(const Doc& d, const YAML::Node& node, const Store& store, const std::string& key,
                 const std::string& property, std::vector<std::string>& problems, std::set<std::string>& secrets) {
    const auto problem = [&](const std::string& text) { problems.push_back(cat(where(d, node), ": ", text)); };
    if (!store.usable) {
      const std::string text = cat(where(d, d.node), ": its store ", store.kind, " ", store.name,
                                   " does not agree with the spec (see its line)");
      if (std::find(problems.begin(), problems.end(), text) == problems.end()) problems.push_back(text);
      return;
    }
    const std::string path = secret_path(key, store.mount);
    const SecretSpec* secret = spec_.secret(store.mount, path);
    if (secret == nullptr) {
      problem(cat("remoteRef.key ", printable(key, 80), " (", store.mount, "/", printable(path, 80),
                  ") is not a secret of ", spec_.source, ": declare it under secrets"));
      return;
    }
    secrets.insert(secret->full_path());
    read_[secret->full_path()].insert(property);  // "" = the whole secret
    if (!property.empty() &&
        std::none_of(secret->keys.begin(), secret->keys.end(), [&](const auto& k) { return k.first == property; })) {
      std::vector<std::string> names;
      for (const auto& k : secret->keys) names.push_back(k.first);
      problem(cat("remoteRef.property ", printable(property, 80), " is not a key of ", secret->full_path(), " (",
                  join_names(names), ", ", spec_.at(secret->where), ")"));
    }
    // The role's policies must let ESO read it.
    std::map<std::string, std::set<std::string>> rules;
    for (const auto& name : store.role->token_policies)
      for (const auto& p : spec_.policies)
        if (p.name == name)
          for (const auto& [pattern, caps] : policy_rules(p.text)) rules[pattern].insert(caps.begin(), caps.end());
    const std::string api_path = cat(store.mount, "/data/", path);
    const auto ok = grants(rules, api_path, "read");
    if (ok && !*ok)
      problem(cat("role ", store.role->name, "'s policies ", join_names(store.role->token_policies),
                  " do not grant read on ", api_path));
  }

  void check_external_secret(const Doc& d) {
    const std::string name = object_name(d, "ExternalSecret");
    const std::string ns = scalar(at(d.node, {"metadata", "namespace"}));
    std::vector<std::string> problems;
    std::set<std::string> secrets;
    size_t refs = 0;
    const std::string api = scalar(at(d.node, {"apiVersion"}));
    if (api != "external-secrets.io/v1")
      problems.push_back(cat(where(d, at(d.node, {"apiVersion"})), ": apiVersion ", printable(api, 60),
                             ": ESO serves external-secrets.io/v1 only (v1beta1 is unserved since 0.17)"));
    const YAML::Node ref = at(d.node, {"spec", "secretStoreRef"});
    const auto resolve = [&](const YAML::Node& r, const YAML::Node& node) -> const Store* {
      const std::string kind = at(r, {"kind"}) ? scalar(at(r, {"kind"})) : "SecretStore";
      const std::string store_name = scalar(at(r, {"name"}));
      const Store* s = find_store(kind, store_name, ns);
      if (s == nullptr)
        problems.push_back(cat(where(d, node), ": refers to ", kind, " ", printable(store_name, 60),
                               ", which is not among the inputs"));
      return s;
    };
    const Store* store = ref ? resolve(ref, ref) : nullptr;
    if (!ref) problems.push_back(cat(where(d, d.node), ": no spec.secretStoreRef"));
    const YAML::Node data = at(d.node, {"spec", "data"});
    if (data && data.IsSequence()) {
      for (const auto& entry : data) {
        const YAML::Node remote = at(entry, {"remoteRef"});
        const Store* s = store;
        if (const YAML::Node override_ref = at(entry, {"sourceRef", "storeRef"})) s = resolve(override_ref, override_ref);
        if (!remote || s == nullptr) continue;
        ++refs;
        check_ref(d, remote, *s, scalar(at(remote, {"key"})), scalar(at(remote, {"property"})), problems, secrets);
      }
    }
    const YAML::Node data_from = at(d.node, {"spec", "dataFrom"});
    if (data_from && data_from.IsSequence()) {
      for (const auto& entry : data_from) {
        if (at(entry, {"find"})) {
          problems.push_back(cat(where(d, at(entry, {"find"})), ": dataFrom.find cannot be checked against the spec; "
                                                          "list the keys under data instead"));
          continue;
        }
        const YAML::Node extract = at(entry, {"extract"});
        if (!extract || store == nullptr) continue;
        ++refs;
        check_ref(d, extract, *store, scalar(at(extract, {"key"})), "", problems, secrets);
      }
    }
    if (refs == 0 && problems.empty())
      problems.push_back(cat(where(d, d.node), ": reads nothing from a store (no data or dataFrom)"));
    std::string detail;
    if (problems.empty()) {
      std::vector<std::string> list(secrets.begin(), secrets.end());
      detail = cat(refs, " refs to ", join_names(list), " via ", store != nullptr ? store->kind + " " + store->name : "?");
    }
    finish(name, problems, detail);
  }

  // --exact: the spec holds nothing the platform does not read.
  void check_everything_read() {
    for (const auto& s : spec_.secrets) {
      const auto it = read_.find(s.full_path());
      std::vector<std::string> problems;
      if (it == read_.end()) {
        problems.push_back(cat(spec_.at(s.where), ": secret ", s.full_path(), " is read by no ExternalSecret"));
      } else if (!it->second.count("")) {
        std::vector<std::string> unread;
        for (const auto& [key, source] : s.keys)
          if (!it->second.count(key)) unread.push_back(key);
        if (!unread.empty())
          problems.push_back(cat(spec_.at(s.where), ": keys ", join_names(unread), " of ", s.full_path(),
                                 " are read by no ExternalSecret"));
      }
      if (!problems.empty()) finish("secret " + s.full_path(), problems, "");
    }
  }

  void finish(const std::string& object, const std::vector<std::string>& problems, const std::string& detail) {
    if (problems.empty()) {
      report_.add(Item{"check", object, Action::kAgrees, std::nullopt, detail});
      return;
    }
    for (const auto& p : problems) report_.add(Item{"check", object, Action::kError, std::nullopt, p});
    errors_ += problems.size();
  }

  const Spec& spec_;
  Report& report_;
  std::vector<Doc> docs_;
  std::vector<Store> stores_;
  std::vector<std::string> input_names_;
  std::map<std::string, std::set<std::string>> read_;  // secret -> properties read ("" = all)
  bool exact_ = false;
  size_t errors_ = 0;
};

}  // namespace

std::optional<bool> policy_grants(const std::string& policy_text, const std::string& path,
                                  const std::string& capability) {
  return grants(policy_rules(policy_text), path, capability);
}

int check_manifests(const Spec& spec, const std::vector<ManifestInput>& inputs, Report& report, bool exact) {
  Checker checker(spec, report);
  checker.set_exact(exact);
  for (const auto& input : inputs) {
    checker.note_input(input.name);
    checker.add_docs(load(input));
  }
  return checker.run();
}

}  // namespace sf::vs
