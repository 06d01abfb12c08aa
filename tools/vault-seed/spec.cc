#include "vault-seed/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>

#include "common/cli.h"
#include "common/error.h"
#include "common/file_read.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/yaml_json.h"
#include "vault-seed/vault_path.h"
#include "vault-seed/yaml_text.h"

namespace sf::vs {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxSpecBytes = 1u << 20;
constexpr size_t kMaxPolicyBytes = 1u << 20;
constexpr size_t kMaxSecrets = 100'000;
constexpr size_t kMaxKeys = 1'000;
constexpr size_t kMaxGenerated = 4'096;
constexpr size_t kMaxIssues = 50;

const char* const kLiteralRefused =
    "a literal value is refused: secret values never go into Git. Write {generate: password}, "
    "{generate: {kind: hex, bytes: 32}}, {file: PATH} or {env: NAME} instead";

// Collects every problem of the spec; the loader reports them together.
class Walker {
 public:
  Walker(std::string source, std::string dir, const LoadContext& context)
      : source_(std::move(source)), dir_(std::move(dir)), context_(context) {}

  const std::string& source() const { return source_; }
  const LoadContext& context() const { return context_; }
  bool ok() const { return issues_.empty(); }

  // Calls `each(item, "name[i]")` for every item of a list section; an absent section is
  // empty, anything else than a list is an error.
  template <typename F>
  void list(const YAML::Node& node, const std::string& name, const char* what, F&& each) {
    if (!node) return;
    if (!node.IsSequence()) {
      fail(node, name, cat("must be a list of ", what));
      return;
    }
    size_t i = 0;
    for (const auto& item : node) each(item, cat(name, "[", i++, "]"));
  }
  const std::vector<std::string>& issues() const { return issues_; }

  Where where(const YAML::Node& node, const std::string& field) const {
    Where w;
    w.field = field;
    if (!node.IsDefined()) return w;
    const YAML::Mark mark = node.Mark();
    if (!mark.is_null()) {
      w.line = mark.line + 1;
      w.column = mark.column + 1;
    }
    return w;
  }

  void fail(const Where& w, const std::string& message) {
    if (issues_.size() >= kMaxIssues) return;
    std::string location = source_;
    if (w.line > 0) location += cat(":", w.line, ":", w.column);
    issues_.push_back(cat(location, ": ", w.field.empty() ? std::string() : w.field + ": ", message));
    if (issues_.size() == kMaxIssues) issues_.push_back(cat(source_, ": (more problems not shown)"));
  }
  void fail(Where w, const std::string& field, const std::string& message) {
    w.field = field;
    fail(w, message);
  }
  void fail(const YAML::Node& node, const std::string& field, const std::string& message) {
    fail(where(node, field), message);
  }

  // A mapping whose keys must all be in `allowed`; duplicate keys are errors. Returns false
  // (and records why) when `node` is not a mapping.
  bool mapping(const YAML::Node& node, const std::string& field, std::initializer_list<const char*> allowed,
               const std::map<std::string, std::string>& hints = {}) {
    if (!node.IsMap()) {
      fail(node, field, cat("must be a mapping (key: value), not ", describe(node)));
      return false;
    }
    std::set<std::string> seen;
    for (const auto& item : node) {
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : std::string();
      const std::string sub = field.empty() ? key : field + "." + key;
      if (!item.first.IsScalar()) {
        fail(item.first, field, "keys must be plain words");
        continue;
      }
      if (!seen.insert(key).second) fail(item.first, sub, "given twice");
      if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }) == allowed.end()) {
        const auto hint = hints.find(key);
        std::string known;
        for (const char* a : allowed) known += cat(known.empty() ? "" : ", ", a);
        fail(item.first, sub,
             hint != hints.end() ? hint->second : cat("unknown field \"", printable(key, 64), "\" (known: ", known, ")"));
      }
    }
    return true;
  }

  static std::string describe(const YAML::Node& node) {
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "empty";
    return "a single value";
  }

  // A string: quoted, or plain resolving to a string (so `yes`, `1` or `~` are not silently
  // taken as text: YAML 1.1 reads them as bool, int and null, as Kubernetes does).
  std::optional<std::string> string(const YAML::Node& node, const std::string& field, bool allow_empty = false) {
    if (!node.IsScalar()) {
      fail(node, field, cat("must be a string, not ", describe(node)));
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    if (node.Tag() == "?") {
      const auto scalar = yamljson::resolve_plain(text);
      if (scalar.kind != yamljson::Kind::kString) {
        fail(node, field, cat("\"", printable(text, 64), "\" reads as a ", kind_name(scalar.kind),
                              " in YAML: put it in quotes if it is text"));
        return std::nullopt;
      }
    } else if (node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str") {
      fail(node, field, cat("tag ", printable(node.Tag(), 64), " is not a string"));
      return std::nullopt;
    }
    if (!valid_utf8(text)) {
      fail(node, field, "is not valid UTF-8");
      return std::nullopt;
    }
    if (text.empty() && !allow_empty) {
      fail(node, field, "is empty");
      return std::nullopt;
    }
    for (const char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        fail(node, field, "holds a control character");
        return std::nullopt;
      }
    }
    return text;
  }

  std::optional<long> integer(const YAML::Node& node, const std::string& field, long min, long max) {
    if (!node.IsScalar() || node.Tag() != "?") {
      fail(node, field, cat("must be a whole number from ", min, " to ", max));
      return std::nullopt;
    }
    const auto scalar = yamljson::resolve_plain(node.Scalar());
    if (scalar.kind != yamljson::Kind::kInt || scalar.integer < min || scalar.integer > max) {
      fail(node, field, cat("must be a whole number from ", min, " to ", max, ", not \"",
                            printable(node.Scalar(), 64), "\""));
      return std::nullopt;
    }
    return static_cast<long>(scalar.integer);
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& field) {
    if (node.IsScalar() && node.Tag() == "?") {
      const auto scalar = yamljson::resolve_plain(node.Scalar());
      if (scalar.kind == yamljson::Kind::kBool) return scalar.boolean;
    }
    fail(node, field, "must be true or false");
    return std::nullopt;
  }

  // A duration: "1h", "90s", "1h30m", or a whole number of seconds.
  std::optional<long> duration(const YAML::Node& node, const std::string& field) {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      if (node.Tag() == "?") {
        const auto scalar = yamljson::resolve_plain(text);
        if (scalar.kind == yamljson::Kind::kInt && scalar.integer >= 0 && scalar.integer <= 100L * 365 * 86400)
          return static_cast<long>(scalar.integer);
      }
      try {
        const auto ms = cli::parse_duration(text, field);
        if (ms.count() % 1000 == 0 && ms.count() <= 100LL * 365 * 86400 * 1000) return static_cast<long>(ms.count() / 1000);
      } catch (const UsageError&) {
      }
    }
    fail(node, field, "must be a duration in whole seconds, like 1h, 30m, 90s or 3600");
    return std::nullopt;
  }

  // A list of strings; a single string is taken as a list of one.
  std::optional<std::vector<std::string>> strings(const YAML::Node& node, const std::string& field) {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      auto s = string(node, field);
      if (!s) return std::nullopt;
      out.push_back(*s);
      return out;
    }
    if (!node.IsSequence()) {
      fail(node, field, cat("must be a list of strings, not ", describe(node)));
      return std::nullopt;
    }
    bool good = true;
    size_t i = 0;
    for (const auto& item : node) {
      auto s = string(item, cat(field, "[", i++, "]"));
      if (s) out.push_back(*s);
      else good = false;
    }
    if (!good) return std::nullopt;
    return out;
  }

  // A file path: ${state_dir} and ${cluster} expanded, relative paths against the spec's folder.
  std::optional<std::string> file_path(const YAML::Node& node, const std::string& field) {
    auto text = string(node, field);
    if (!text) return std::nullopt;
    std::string out;
    std::string_view rest = *text;
    while (!rest.empty()) {
      const size_t dollar = rest.find("${");
      if (dollar == std::string_view::npos) {
        out += rest;
        break;
      }
      out += rest.substr(0, dollar);
      rest.remove_prefix(dollar);
      const size_t close = rest.find('}');
      const std::string name(rest.substr(2, close == std::string_view::npos ? std::string_view::npos : close - 2));
      if (close != std::string_view::npos && name == "state_dir" && !context_.state_dir.empty()) {
        out += context_.state_dir;
      } else if (close != std::string_view::npos && name == "cluster" && !context_.cluster.empty()) {
        out += context_.cluster;
      } else {
        fail(node, field, cat("\"${", printable(name, 32),
                              "}\" is not known here: only ${state_dir} and ${cluster} are expanded"));
        return std::nullopt;
      }
      rest.remove_prefix(close + 1);
    }
    fs::path p(out);
    if (p.is_relative()) p = fs::path(dir_.empty() ? "." : dir_) / p;
    return p.lexically_normal().string();
  }

 private:
  static const char* kind_name(yamljson::Kind kind) {
    switch (kind) {
      case yamljson::Kind::kNull: return "null";
      case yamljson::Kind::kBool: return "boolean";
      case yamljson::Kind::kInt:
      case yamljson::Kind::kUint: return "number";
      case yamljson::Kind::kFloat: return "number";
      case yamljson::Kind::kMerge: return "merge key";
      case yamljson::Kind::kString: return "string";
    }
    return "value";
  }

  std::string source_;
  std::string dir_;
  const LoadContext& context_;
  std::vector<std::string> issues_;
};

std::string index_field(const std::string& list, size_t i) { return cat(list, "[", i, "]"); }

// ---------------------------------------------------------------- key sources

std::optional<GenerateRule> parse_generate(Walker& w, const YAML::Node& node, const std::string& field) {
  GenerateRule rule;
  std::string kind_text;
  if (node.IsScalar()) {
    auto k = w.string(node, field);
    if (!k) return std::nullopt;
    kind_text = *k;
  } else {
    if (!w.mapping(node, field, {"kind", "length", "bytes", "alphabet"})) return std::nullopt;
    if (node["kind"]) {
      auto k = w.string(node["kind"], field + ".kind");
      if (!k) return std::nullopt;
      kind_text = *k;
    } else if (node["alphabet"]) {
      kind_text = "alphabet";
    } else {
      w.fail(node, field, "give kind (password, hex, base64, uuid) or length and alphabet");
      return std::nullopt;
    }
  }
  if (kind_text == "password") {
    rule.kind = GenerateKind::kPassword;
    rule.length = 32;
    rule.alphabet = *named_alphabet("alnum");
  } else if (kind_text == "hex") {
    rule.kind = GenerateKind::kHex;
    rule.bytes = 32;
  } else if (kind_text == "base64") {
    rule.kind = GenerateKind::kBase64;
    rule.bytes = 32;
  } else if (kind_text == "uuid") {
    rule.kind = GenerateKind::kUuid;
  } else if (kind_text == "alphabet") {
    rule.kind = GenerateKind::kAlphabet;
  } else {
    w.fail(node, field, cat("kind \"", printable(kind_text, 32), "\" is not one of password, hex, base64, uuid"));
    return std::nullopt;
  }
  if (!node.IsMap()) return rule;
  const bool bytes_kind = rule.kind == GenerateKind::kHex || rule.kind == GenerateKind::kBase64;
  const bool chars_kind = rule.kind == GenerateKind::kPassword || rule.kind == GenerateKind::kAlphabet;
  if (node["length"]) {
    if (!chars_kind) {
      w.fail(node["length"], field + ".length",
             bytes_kind ? "hex and base64 take bytes (random bytes before encoding), not length" : "uuid has no length");
      return std::nullopt;
    }
    const long min = rule.kind == GenerateKind::kPassword ? 16 : 1;
    auto n = w.integer(node["length"], field + ".length", min, kMaxGenerated);
    if (!n) return std::nullopt;
    rule.length = static_cast<size_t>(*n);
  } else if (rule.kind == GenerateKind::kAlphabet) {
    w.fail(node, field, "an alphabet needs a length (characters to draw)");
    return std::nullopt;
  }
  if (node["bytes"]) {
    if (!bytes_kind) {
      w.fail(node["bytes"], field + ".bytes", "bytes is for hex and base64 only");
      return std::nullopt;
    }
    auto n = w.integer(node["bytes"], field + ".bytes", 16, kMaxGenerated);
    if (!n) return std::nullopt;
    rule.bytes = static_cast<size_t>(*n);
  }
  if (node["alphabet"]) {
    if (!chars_kind) {
      w.fail(node["alphabet"], field + ".alphabet", "an alphabet is for password or alphabet kinds");
      return std::nullopt;
    }
    auto a = w.string(node["alphabet"], field + ".alphabet");
    if (!a) return std::nullopt;
    std::string chars = named_alphabet(*a).value_or(*a);
    std::set<char> distinct(chars.begin(), chars.end());
    const bool printable_ascii = std::all_of(chars.begin(), chars.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (!printable_ascii || distinct.size() != chars.size() || chars.size() < 2) {
      w.fail(node["alphabet"], field + ".alphabet",
             "must be a name (lower, upper, digits, alnum, hex) or at least 2 distinct printable ASCII "
             "characters without spaces");
      return std::nullopt;
    }
    rule.alphabet = chars;
  }
  return rule;
}

std::optional<KeySource> parse_source(Walker& w, const YAML::Node& node, const std::string& field,
                                      bool allow_generate) {
  if (node.IsScalar() || node.IsNull()) {
    w.fail(node, field, kLiteralRefused);
    return std::nullopt;
  }
  if (!w.mapping(node, field, {"generate", "file", "env"}, {{"value", kLiteralRefused}, {"literal", kLiteralRefused}}))
    return std::nullopt;
  const int given = (node["generate"] ? 1 : 0) + (node["file"] ? 1 : 0) + (node["env"] ? 1 : 0);
  if (given != 1) {
    w.fail(node, field, "give exactly one of generate, file or env");
    return std::nullopt;
  }
  KeySource source;
  source.where = w.where(node, field);
  if (node["generate"]) {
    if (!allow_generate) {
      w.fail(node, field, "this value cannot be generated: read it with file or env");
      return std::nullopt;
    }
    auto rule = parse_generate(w, node["generate"], field + ".generate");
    if (!rule) return std::nullopt;
    source.type = SourceType::kGenerate;
    source.generate = *rule;
  } else if (node["file"]) {
    auto p = w.file_path(node["file"], field + ".file");
    if (!p) return std::nullopt;
    source.type = SourceType::kFile;
    source.file = *p;
  } else {
    auto name = w.string(node["env"], field + ".env");
    if (!name) return std::nullopt;
    static const std::regex kEnvName("[A-Za-z_][A-Za-z0-9_]*");
    if (!std::regex_match(*name, kEnvName)) {
      w.fail(node["env"], field + ".env", "must be an environment variable name (letters, digits, _)");
      return std::nullopt;
    }
    if (name->rfind("VAULT_", 0) == 0) {
      w.fail(node["env"], field + ".env", "VAULT_* variables configure vault-seed itself; use another name");
      return std::nullopt;
    }
    source.type = SourceType::kEnv;
    source.env = *name;
  }
  return source;
}

// ---------------------------------------------------------------- sections

void parse_init(Walker& w, const YAML::Node& node, InitSpec& init) {
  init.where = w.where(node, "init");
  init.file = w.context().state_dir.empty() ? std::string() : w.context().state_dir + "/vault-init.json";
  if (!node) return;
  if (!w.mapping(node, "init", {"shares", "threshold", "file", "pgp_keys"})) return;
  if (node["shares"]) init.shares = static_cast<int>(w.integer(node["shares"], "init.shares", 1, 255).value_or(init.shares));
  if (node["threshold"])
    init.threshold = static_cast<int>(w.integer(node["threshold"], "init.threshold", 1, 255).value_or(init.threshold));
  const YAML::Node threshold_node = node["threshold"] ? node["threshold"] : node;
  if (init.threshold > init.shares)
    w.fail(threshold_node, "init.threshold", cat("threshold ", init.threshold, " cannot be larger than shares ", init.shares));
  else if (init.shares > 1 && init.threshold < 2)
    w.fail(threshold_node, "init.threshold", "must be at least 2 when there is more than one share (Vault refuses 1-of-N)");
  if (node["file"]) {
    if (auto p = w.file_path(node["file"], "init.file")) init.file = *p;
  }
  if (node["pgp_keys"]) {
    const YAML::Node& keys = node["pgp_keys"];
    if (!keys.IsSequence()) {
      w.fail(keys, "init.pgp_keys", "must be a list of public key files, one per share");
    } else {
      size_t i = 0;
      for (const auto& k : keys) {
        if (auto p = w.file_path(k, index_field("init.pgp_keys", i))) init.pgp_key_files.push_back(*p);
        ++i;
      }
      if (i != static_cast<size_t>(init.shares))
        w.fail(keys, "init.pgp_keys", cat("gives ", i, " keys for ", init.shares, " shares: Vault needs one per share"));
    }
  }
}

void parse_mounts(Walker& w, const YAML::Node& node, std::vector<MountSpec>& mounts) {
  w.list(node, "mounts", "mounts", [&](const YAML::Node& m, const std::string& field) {
    if (!w.mapping(m, field, {"path", "type", "version", "cas_required", "max_versions", "description"})) return;
    MountSpec mount;
    mount.where = w.where(m, field);
    if (!m["path"]) {
      w.fail(m, field, "needs a path (e.g. secret)");
      return;
    }
    auto path = w.string(m["path"], field + ".path");
    if (!path) return;
    std::string p = *path;
    if (!p.empty() && p.back() == '/') p.pop_back();
    if (const std::string problem = path_problem(p); !problem.empty()) {
      w.fail(m["path"], field + ".path", problem);
      return;
    }
    mount.path = p;
    if (m["type"]) {
      auto t = w.string(m["type"], field + ".type");
      if (t && *t != "kv") w.fail(m["type"], field + ".type", "vault-seed manages kv (version 2) mounts only");
    }
    if (m["version"]) {
      auto v = w.integer(m["version"], field + ".version", 1, 2);
      if (v && *v != 2)
        w.fail(m["version"], field + ".version",
               "vault-seed manages KV version 2 only (versions, check-and-set, soft delete)");
    }
    if (m["cas_required"]) mount.cas_required = w.boolean(m["cas_required"], field + ".cas_required").value_or(true);
    if (m["max_versions"]) mount.max_versions = w.integer(m["max_versions"], field + ".max_versions", 0, 1'000'000);
    if (m["description"]) mount.description = w.string(m["description"], field + ".description", true).value_or("");
    if (std::any_of(mounts.begin(), mounts.end(), [&](const MountSpec& o) { return o.path == mount.path; }))
      w.fail(m["path"], field + ".path", cat("mount ", mount.path, " is declared twice"));
    else
      mounts.push_back(mount);
  });
}

void parse_policies(Walker& w, const YAML::Node& node, std::vector<PolicySpec>& policies) {
  w.list(node, "policies", "{name, file}", [&](const YAML::Node& p, const std::string& field) {
    if (!w.mapping(p, field, {"name", "file"}, {{"policy", "write the HCL into a file under vault/policies/ and "
                                                           "name it with file:"}}))
      return;
    if (!p["name"] || !p["file"]) {
      w.fail(p, field, "needs name and file");
      return;
    }
    PolicySpec policy;
    policy.where = w.where(p, field);
    auto name = w.string(p["name"], field + ".name");
    auto file = w.file_path(p["file"], field + ".file");
    if (!name || !file) return;
    if (const std::string problem = name_problem(*name); !problem.empty()) {
      w.fail(p["name"], field + ".name", problem);
      return;
    }
    if (to_lower(*name) != *name) {
      w.fail(p["name"], field + ".name", "Vault stores policy names in lower case: write it in lower case");
      return;
    }
    if (*name == "root" || *name == "default" || *name == "vault-seed") {
      w.fail(p["name"], field + ".name",
             cat("\"", *name, "\" is ", *name == "vault-seed" ? "vault-seed's own policy (made from this spec)"
                                                             : "a built-in Vault policy", ": choose another name"));
      return;
    }
    policy.name = *name;
    policy.file = *file;
    if (w.context().read_policy_files) {
      try {
        policy.text = read_small_file(policy.file, kMaxPolicyBytes, cat("policy file of ", policy.name));
        if (trim(policy.text).empty() || !valid_utf8(policy.text))
          w.fail(p["file"], field + ".file", cat(policy.file, " is empty or not UTF-8 text"));
      } catch (const FileReadError& e) {
        w.fail(p["file"], field + ".file", e.what());  // still declared: roles naming it need no second error
      }
    }
    if (std::any_of(policies.begin(), policies.end(), [&](const PolicySpec& o) { return o.name == policy.name; }))
      w.fail(p["name"], field + ".name", cat("policy ", policy.name, " is declared twice"));
    else
      policies.push_back(policy);
  });
}

void parse_role(Walker& w, const YAML::Node& r, const std::string& field, AuthSpec& auth) {
  static const std::map<std::string, std::string> hints = {
      {"audiences", "Vault's Kubernetes role takes `audience` (one string); Vault ignores `audiences` with only a "
                    "warning and every login then fails the audience check: write audience: vault"},
      {"policies", "deprecated in Vault: write token_policies"},
      {"ttl", "deprecated in Vault: write token_ttl"},
      {"max_ttl", "deprecated in Vault: write token_max_ttl"},
      {"bound_service_account_name", "write bound_service_account_names (a list)"},
  };
  if (!w.mapping(r, field, {"name", "bound_service_account_names", "bound_service_account_namespaces", "audience",
                            "token_policies", "token_ttl", "token_max_ttl", "alias_name_source"},
                 hints))
    return;
  RoleSpec role;
  role.where = w.where(r, field);
  for (const char* required : {"name", "bound_service_account_names", "bound_service_account_namespaces",
                               "audience", "token_policies", "token_ttl"}) {
    if (!r[required]) {
      w.fail(r, field,
             std::string(required) == "audience"
                 ? "needs audience (one string, e.g. vault): without it Vault warns on every write, and the "
                   "ClusterSecretStore's serviceAccountRef.audiences must carry the same value"
                 : cat("needs ", required));
      return;
    }
  }
  static const std::regex kRoleName(R"(\w(([\w.-]+)?\w)?)");
  auto name = w.string(r["name"], field + ".name");
  if (name && !std::regex_match(*name, kRoleName)) {
    w.fail(r["name"], field + ".name", "a role name is letters, digits, _ . - (not at the ends)");
    name.reset();
  }
  auto names = w.strings(r["bound_service_account_names"], field + ".bound_service_account_names");
  auto namespaces = w.strings(r["bound_service_account_namespaces"], field + ".bound_service_account_namespaces");
  auto audience = w.string(r["audience"], field + ".audience");
  auto policies = w.strings(r["token_policies"], field + ".token_policies");
  auto ttl = w.duration(r["token_ttl"], field + ".token_ttl");
  if (!name || !names || !namespaces || !audience || !policies || !ttl) return;
  for (const auto* list : {&*names, &*namespaces}) {
    if (list->size() > 1 && std::find(list->begin(), list->end(), "*") != list->end())
      w.fail(r, field, "\"*\" cannot be mixed with names (Vault refuses it)");
  }
  role.name = *name;
  role.bound_service_account_names = *names;
  role.bound_service_account_namespaces = *namespaces;
  role.audience = *audience;
  role.token_policies = *policies;
  role.token_ttl_seconds = *ttl;
  if (r["token_max_ttl"]) {
    role.token_max_ttl_seconds = w.duration(r["token_max_ttl"], field + ".token_max_ttl");
    if (role.token_max_ttl_seconds && *role.token_max_ttl_seconds > 0 && *role.token_max_ttl_seconds < role.token_ttl_seconds)
      w.fail(r["token_max_ttl"], field + ".token_max_ttl", "is shorter than token_ttl");
  }
  if (r["alias_name_source"]) {
    auto s = w.string(r["alias_name_source"], field + ".alias_name_source");
    if (s && *s != "serviceaccount_uid" && *s != "serviceaccount_name")
      w.fail(r["alias_name_source"], field + ".alias_name_source", "is serviceaccount_uid or serviceaccount_name");
    else if (s)
      role.alias_name_source = *s;
  }
  if (std::any_of(auth.roles.begin(), auth.roles.end(), [&](const RoleSpec& o) { return to_lower(o.name) == to_lower(role.name); }))
    w.fail(r["name"], field + ".name", cat("role ", role.name, " is declared twice (Vault folds case)"));
  else
    auth.roles.push_back(role);
}

void parse_auth(Walker& w, const YAML::Node& node, std::vector<AuthSpec>& auths) {
  w.list(node, "auth", "auth mounts", [&](const YAML::Node& a, const std::string& field) {
    if (!w.mapping(a, field, {"path", "type", "description", "config", "roles"})) return;
    AuthSpec auth;
    auth.where = w.where(a, field);
    if (a["path"]) {
      auto p = w.string(a["path"], field + ".path");
      if (!p) return;
      std::string path = *p;
      if (!path.empty() && path.back() == '/') path.pop_back();
      if (const std::string problem = path_problem(path); !problem.empty()) {
        w.fail(a["path"], field + ".path", problem);
        return;
      }
      auth.path = path;
    }
    if (a["type"]) {
      auto t = w.string(a["type"], field + ".type");
      if (t && *t != "kubernetes") w.fail(a["type"], field + ".type", "vault-seed manages kubernetes auth only");
    }
    if (a["description"]) auth.description = w.string(a["description"], field + ".description", true).value_or("");
    if (const YAML::Node c = a["config"]) {
      const std::string cf = field + ".config";
      auth.config.where = w.where(c, cf);
      if (w.mapping(c, cf, {"kubernetes_host", "kubernetes_ca_cert", "token_reviewer_jwt", "disable_local_ca_jwt"})) {
        if (c["kubernetes_host"]) {
          auto host = w.string(c["kubernetes_host"], cf + ".kubernetes_host");
          static const std::regex kHost(R"((https?://)?[A-Za-z0-9.\-\[\]:]+(:[0-9]+)?/?)");
          if (host && !std::regex_match(*host, kHost))
            w.fail(c["kubernetes_host"], cf + ".kubernetes_host", "must be a URL like https://kubernetes.default.svc");
          else if (host)
            auth.config.kubernetes_host = *host;
        }
        if (c["kubernetes_ca_cert"])
          auth.config.kubernetes_ca_cert = parse_source(w, c["kubernetes_ca_cert"], cf + ".kubernetes_ca_cert", false);
        if (c["token_reviewer_jwt"])
          auth.config.token_reviewer_jwt = parse_source(w, c["token_reviewer_jwt"], cf + ".token_reviewer_jwt", false);
        if (c["disable_local_ca_jwt"])
          auth.config.disable_local_ca_jwt = w.boolean(c["disable_local_ca_jwt"], cf + ".disable_local_ca_jwt").value_or(false);
      }
    } else {
      auth.config.where = auth.where;
    }
    if (const YAML::Node roles = a["roles"]) {
      if (!roles.IsSequence()) {
        w.fail(roles, field + ".roles", "must be a list of roles");
      } else {
        size_t j = 0;
        for (const auto& r : roles) parse_role(w, r, index_field(field + ".roles", j++), auth);
      }
    }
    if (std::any_of(auths.begin(), auths.end(), [&](const AuthSpec& o) { return o.path == auth.path; }))
      w.fail(a, field + ".path", cat("auth mount ", auth.path, " is declared twice"));
    else
      auths.push_back(auth);
  });
}

void parse_audit(Walker& w, const YAML::Node& node, std::vector<AuditSpec>& devices) {
  w.list(node, "audit", "audit devices", [&](const YAML::Node& d, const std::string& field) {
    if (!w.mapping(d, field, {"path", "type", "description", "options"})) return;
    if (!d["path"] || !d["type"]) {
      w.fail(d, field, "needs path and type");
      return;
    }
    AuditSpec device;
    device.where = w.where(d, field);
    auto path = w.string(d["path"], field + ".path");
    auto type = w.string(d["type"], field + ".type");
    if (!path || !type) return;
    if (const std::string problem = name_problem(*path); !problem.empty()) {
      w.fail(d["path"], field + ".path", problem);
      return;
    }
    if (*type != "file" && *type != "socket" && *type != "syslog") {
      w.fail(d["type"], field + ".type", "is file, socket or syslog");
      return;
    }
    device.path = *path;
    device.type = *type;
    if (d["description"]) device.description = w.string(d["description"], field + ".description", true).value_or("");
    if (const YAML::Node o = d["options"]) {
      if (!o.IsMap()) {
        w.fail(o, field + ".options", "must be a mapping of option: value");
      } else {
        for (const auto& kv : o) {
          const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
          if (!kv.second.IsScalar()) {
            w.fail(kv.second, field + ".options." + key, "must be a single value");
            continue;
          }
          device.options[key] = kv.second.Scalar();  // Vault stores audit options as strings
        }
      }
    }
    if (device.type == "file" && device.options.find("file_path") == device.options.end())
      w.fail(d, field + ".options", "a file audit device needs options.file_path (a path, or stdout)");
    if (std::any_of(devices.begin(), devices.end(), [&](const AuditSpec& o) { return o.path == device.path; }))
      w.fail(d["path"], field + ".path", cat("audit device ", device.path, " is declared twice"));
    else
      devices.push_back(device);
  });
}

void parse_secrets(Walker& w, const YAML::Node& node, const std::vector<MountSpec>& mounts,
                   std::vector<SecretSpec>& secrets) {
  if (node && node.IsSequence() && node.size() > kMaxSecrets) {
    w.fail(node, "secrets", cat("more than ", kMaxSecrets, " secrets"));
    return;
  }
  std::set<std::string> seen;
  w.list(node, "secrets", "{path, keys}", [&](const YAML::Node& s, const std::string& field) {
    if (!w.mapping(s, field, {"path", "mount", "keys"}, {{"data", "write the keys under keys:"}})) return;
    if (!s["path"] || !s["keys"]) {
      w.fail(s, field, "needs path and keys");
      return;
    }
    SecretSpec secret;
    secret.where = w.where(s, field);
    auto path = w.string(s["path"], field + ".path");
    if (!path) return;
    if (const std::string problem = path_problem(*path); !problem.empty()) {
      w.fail(s["path"], field + ".path", problem);
      return;
    }
    secret.path = *path;
    if (s["mount"]) {
      auto m = w.string(s["mount"], field + ".mount");
      if (!m) return;
      std::string mp = *m;
      if (!mp.empty() && mp.back() == '/') mp.pop_back();
      if (std::none_of(mounts.begin(), mounts.end(), [&](const MountSpec& x) { return x.path == mp; })) {
        w.fail(s["mount"], field + ".mount", cat("mount ", printable(mp, 64), " is not declared under mounts"));
        return;
      }
      secret.mount = mp;
    } else if (mounts.size() == 1) {
      secret.mount = mounts.front().path;
    } else {
      w.fail(s, field, mounts.empty() ? "no KV mount is declared under mounts"
                                      : "several mounts are declared: say which with mount:");
      return;
    }
    if (secret.path.rfind("data/", 0) == 0 || secret.path.rfind("metadata/", 0) == 0) {
      w.fail(s["path"], field + ".path",
             "is the path inside the mount, without data/ (as ESO's remoteRef.key and `vault kv put` take it)");
      return;
    }
    const YAML::Node keys = s["keys"];
    if (!keys.IsMap() || keys.size() == 0) {
      w.fail(keys, field + ".keys", "must be a mapping of key name: {generate|file|env}");
      return;
    }
    if (keys.size() > kMaxKeys) {
      w.fail(keys, field + ".keys", cat("more than ", kMaxKeys, " keys"));
      return;
    }
    std::set<std::string> key_names;
    bool good = true;
    for (const auto& k : keys) {
      auto name = w.string(k.first, field + ".keys");
      if (!name) {
        good = false;
        continue;
      }
      const std::string kf = field + ".keys." + *name;
      if (name->size() > 256) {
        w.fail(k.first, kf, "a key name is at most 256 characters");
        good = false;
        continue;
      }
      if (!key_names.insert(*name).second) {
        w.fail(k.first, kf, "given twice");
        good = false;
        continue;
      }
      auto source = parse_source(w, k.second, kf, true);
      if (!source) {
        good = false;
        continue;
      }
      secret.keys.emplace_back(*name, *source);
    }
    if (!good) return;
    if (!seen.insert(secret.full_path()).second) {
      w.fail(s["path"], field + ".path", cat("secret ", secret.full_path(), " is declared twice"));
      return;
    }
    secrets.push_back(std::move(secret));
  });
}

// Checks that need every section: policies a role names, the init file outside the spec's tree.
void cross_check(Walker& w, const Spec& spec) {
  for (const auto& auth : spec.auth) {
    for (const auto& role : auth.roles) {
      for (const auto& p : role.token_policies) {
        if (p == "default") continue;
        if (std::none_of(spec.policies.begin(), spec.policies.end(), [&](const PolicySpec& x) { return x.name == p; }))
          w.fail(role.where, role.where.field + ".token_policies",
                 cat("policy ", printable(p, 64), " is not declared under policies (vault-seed writes every policy "
                     "a role grants, so that the role never points at nothing)"));
      }
    }
  }
  if (spec.init.file.empty()) {
    w.fail(spec.init.where, "init.file", "no state folder is known: give --state-dir or init.file");
  } else if (!spec.dir.empty()) {
    // The repository is the nearest folder above the spec that holds .git; a spec outside any
    // Git working tree has nothing to keep the init file out of.
    std::error_code ec;
    const fs::path dir = fs::weakly_canonical(fs::absolute(spec.dir), ec);
    fs::path repo;
    for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
      if (fs::exists(p / ".git", ec)) {
        repo = p;
        break;
      }
      if (p == p.parent_path()) break;
    }
    if (repo.empty()) return;
    const fs::path file = fs::weakly_canonical(fs::absolute(spec.init.file), ec);
    const auto rel = file.lexically_relative(repo);
    if (!rel.empty() && rel.native().rfind("..", 0) != 0)
      w.fail(spec.init.where, "init.file",
             cat(spec.init.file, " is inside ", repo.string(), ": the init file holds the unseal keys and must "
                 "stay outside Git (default: the state folder)"));
  }
}

}  // namespace

std::string GenerateRule::describe() const {
  switch (kind) {
    case GenerateKind::kPassword: return cat("password, ", length, " characters");
    case GenerateKind::kAlphabet: return cat(length, " characters from a ", alphabet.size(), "-character alphabet");
    case GenerateKind::kHex: return cat("hex, ", bytes, " random bytes");
    case GenerateKind::kBase64: return cat("base64, ", bytes, " random bytes");
    case GenerateKind::kUuid: return "uuid";
  }
  return "generated";
}

std::string KeySource::describe() const {
  switch (type) {
    case SourceType::kGenerate: return cat("generated (", generate.describe(), ")");
    case SourceType::kFile: return cat("from file ", file);
    case SourceType::kEnv: return cat("from $", env);
  }
  return "";
}

std::string Spec::at(const Where& where) const {
  std::string out = source;
  if (where.line > 0) out += cat(":", where.line);
  if (!where.field.empty()) out += ": " + where.field;
  return out;
}

const MountSpec* Spec::mount(std::string_view path) const {
  for (const auto& m : mounts)
    if (m.path == path) return &m;
  return nullptr;
}

const SecretSpec* Spec::secret(std::string_view mount_path, std::string_view path) const {
  for (const auto& s : secrets)
    if (s.mount == mount_path && s.path == path) return &s;
  return nullptr;
}

const SecretSpec* Spec::find_secret(std::string_view given) const {
  for (const auto& s : secrets)
    if (s.full_path() == given || (s.path == given && mounts.size() == 1)) return &s;
  return nullptr;
}

const AuthSpec* Spec::auth_mount(std::string_view path) const {
  for (const auto& a : auth)
    if (a.path == path) return &a;
  return nullptr;
}

std::optional<std::string> named_alphabet(std::string_view name) {
  if (name == "lower") return std::string("abcdefghijklmnopqrstuvwxyz");
  if (name == "upper") return std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  if (name == "digits") return std::string("0123456789");
  if (name == "hex") return std::string("0123456789abcdef");
  if (name == "alnum") return std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  return std::nullopt;
}

Spec parse_spec(std::string_view yaml, const std::string& source, const std::string& dir, const LoadContext& context) {
  Spec spec;
  spec.source = source;
  spec.dir = dir;
  if (const std::string problem = yaml_text_problem(yaml); !problem.empty())
    throw ParseError(source, cat(problem, ": the spec must be plain YAML text"));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    const std::string where = e.mark.is_null() ? source : cat(source, ":", e.mark.line + 1, ":", e.mark.column + 1);
    throw ParseError(where, cat("not valid YAML: ", e.msg));
  }
  Walker w(source, dir, context);
  if (!root.IsMap()) {
    w.fail(root, "", "the spec must be a mapping with init, mounts, policies, auth, audit and secrets");
  } else if (w.mapping(root, "", {"init", "mounts", "policies", "auth", "audit", "secrets"})) {
    try {
      parse_init(w, root["init"], spec.init);
      if (!context.init_file.empty()) spec.init.file = fs::absolute(context.init_file).lexically_normal().string();
      parse_mounts(w, root["mounts"], spec.mounts);
      parse_policies(w, root["policies"], spec.policies);
      parse_auth(w, root["auth"], spec.auth);
      parse_audit(w, root["audit"], spec.audit);
      parse_secrets(w, root["secrets"], spec.mounts, spec.secrets);
      cross_check(w, spec);
    } catch (const YAML::Exception& e) {
      // yaml-cpp throws for a few shapes the checks above do not expect (e.g. a mapping key
      // that is itself a mapping); report it as a spec problem, never as a crash.
      const std::string where = e.mark.is_null() ? source : cat(source, ":", e.mark.line + 1, ":", e.mark.column + 1);
      throw ParseError(where, cat("unexpected YAML structure: ", e.msg));
    }
  }
  if (!w.ok()) {
    std::string all;
    for (const auto& issue : w.issues()) all += (all.empty() ? "" : "\n") + issue;
    const size_t colon = all.find(": ");
    throw ParseError(all.substr(0, colon), all.substr(colon + 2));
  }
  return spec;
}

Spec load_spec(const std::string& path, const LoadContext& context) {
  const std::string text = read_small_file(path, kMaxSpecBytes, "vault-seed spec");
  const fs::path p(path);
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  return parse_spec(text, path, dir, context);
}

}  // namespace sf::vs
