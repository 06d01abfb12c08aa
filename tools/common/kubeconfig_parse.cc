// One kubeconfig file's text -> Config, as client-go's clientcmd.Load does it: the YAML becomes
// JSON as sigs.k8s.io/yaml.YAMLToJSON makes it (yaml_json.h: YAML 1.1 types, the last of a
// duplicated key wins), then the JSON is decoded into the api/v1 types the way
// k8s.io/apimachinery's serializer does (sigs.k8s.io/json, case-sensitive, unknown fields
// ignored, a value of the wrong JSON type is an error: `token: 12345` is a number, not a
// string; `insecure-skip-tls-verify: "true"` is a string, not a boolean), and the v1 lists
// become maps (a name twice in one list is an error, as in api/v1/conversion.go).
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "common/base64.h"
#include "common/kubeconfig.h"
#include "common/strings.h"
#include "common/yaml_json.h"

namespace sf::kube {
namespace fs = std::filesystem;
namespace {

using Json = rapidjson::Value;

constexpr const char* kExecExtensionName = "client.authentication.k8s.io/exec";
constexpr const char* kExecV1beta1 = "client.authentication.k8s.io/v1beta1";

// Where a value sits, for messages: "file:12: users[0] \"kind-kind\": user.client-key-data".
struct Where {
  std::string file;
  int line = 0;
  std::string entry;   // users[0] "kind-kind"
  std::string prefix;  // user, user.exec, cluster
  std::string here() const {
    std::string out = file;
    if (line > 0) out += cat(":", line);
    if (!entry.empty()) out += ": " + entry;
    return out;
  }
  std::string at(const std::string& field) const {
    return here() + ": " + (prefix.empty() ? field : prefix + "." + field);
  }
};

const char* json_kind(const Json& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kNumberType: return "a number";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kArrayType: return "a list";
    case rapidjson::kObjectType: return "a map";
  }
  return "something else";
}

// The member `key` (exact case, as sigs.k8s.io/json matches) or nullptr; null counts as absent.
const Json* field(const Json& object, const char* key) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

// Never quotes the value: it may be a secret.
KubeconfigError wrong_type(const Where& where, const char* key, const char* want, const Json& got) {
  std::string hint;
  if (got.IsNumber() || got.IsBool())
    hint = "; YAML reads an unquoted 12345, true or yes as a number or boolean: quote the value";
  return KubeconfigError(cat(where.at(key), " must be ", want, ", not ", json_kind(got), hint));
}

std::string get_string(const Json& object, const char* key, const Where& where) {
  const Json* v = field(object, key);
  if (v == nullptr) return {};
  if (!v->IsString()) throw wrong_type(where, key, "a string", *v);
  return std::string(v->GetString(), v->GetStringLength());
}

bool get_bool(const Json& object, const char* key, const Where& where) {
  const Json* v = field(object, key);
  if (v == nullptr) return false;
  if (v->IsBool()) return v->GetBool();
  if (v->IsString())
    throw KubeconfigError(cat(where.at(key), " must be true or false without quotes, not a string"));
  throw wrong_type(where, key, "true or false", *v);
}

// A []byte field: base64 of PEM in JSON, decoded. Never quotes the value (it may be a key).
std::string get_bytes(const Json& object, const char* key, const Where& where, bool& present) {
  const std::string text = get_string(object, key, where);
  present = field(object, key) != nullptr;
  std::string decoded;
  if (!base64_decode(text, decoded))
    throw KubeconfigError(cat(where.at(key), " is not valid base64 (it must hold base64-encoded PEM; the plain "
                                             "field without -data takes a file path)"));
  present = present && !decoded.empty();
  return decoded;
}

std::vector<std::string> get_string_list(const Json& object, const char* key, const Where& where) {
  std::vector<std::string> out;
  const Json* v = field(object, key);
  if (v == nullptr) return out;
  if (!v->IsArray()) throw wrong_type(where, key, "a list of strings", *v);
  for (const auto& item : v->GetArray()) {
    if (item.IsNull()) {
      out.emplace_back();  // Go leaves a null element as ""
      continue;
    }
    if (!item.IsString()) throw wrong_type(where, key, "a list of strings", item);
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

const Json* get_object(const Json& object, const char* key, const Where& where) {
  const Json* v = field(object, key);
  if (v != nullptr && !v->IsObject()) throw wrong_type(where, key, "a map", *v);
  return v;
}

const Json* get_list(const Json& object, const char* key, const Where& where) {
  const Json* v = field(object, key);
  if (v != nullptr && !v->IsArray()) throw wrong_type(where, key, "a list", *v);
  return v;
}

// Relative paths resolve against the folder of the file that defined them (client-go
// ResolvePaths); empty stays empty.
std::string resolve_path(const std::string& path, const std::string& base) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

// An `extensions` list ([]NamedExtension): names unique (api/v1 conversion), each extension
// kept as the JSON YAMLToJSON made of it. Returns the exec plugin's extension as Go JSON.
std::string check_extensions(const Json& object, const Where& where) {
  const Json* list = get_list(object, "extensions", where);
  std::string exec_json;
  if (list == nullptr) return exec_json;
  std::set<std::string> named;  // names with a non-null extension
  for (const auto& ext : list->GetArray()) {
    if (ext.IsNull()) continue;
    if (!ext.IsObject()) throw wrong_type(where, "extensions", "a list of {name, extension}", ext);
    const std::string name = get_string(ext, "name", where);
    const Json* value = field(ext, "extension");
    if (value == nullptr) continue;  // a null extension converts to nothing, and is no duplicate
    if (!named.insert(name).second)
      throw KubeconfigError(cat(where.at("extensions"), ": duplicate name \"", name, "\"; each name may appear once"));
    if (name == kExecExtensionName) exec_json = yamljson::go_json(*value);
  }
  return exec_json;
}

ExecConfig parse_exec(const Json& node, const Where& where, const std::string& base) {
  ExecConfig exec;
  Where w = where;
  w.prefix = "user.exec";
  exec.command = get_string(node, "command", w);
  // PATH-based commands stay as they are; only ones with a separator resolve (client-go).
  if (exec.command.find('/') != std::string::npos) exec.command = resolve_path(exec.command, base);
  exec.args = get_string_list(node, "args", w);
  if (const Json* env = get_list(node, "env", w)) {
    for (const auto& item : env->GetArray()) {
      if (item.IsNull()) {
        exec.env.emplace_back();
        continue;
      }
      if (!item.IsObject()) throw wrong_type(w, "env", "a list of {name, value}", item);
      exec.env.emplace_back(get_string(item, "name", w), get_string(item, "value", w));
    }
  }
  exec.api_version = get_string(node, "apiVersion", w);
  exec.install_hint = get_string(node, "installHint", w);
  exec.provide_cluster_info = get_bool(node, "provideClusterInfo", w);
  exec.interactive_mode = get_string(node, "interactiveMode", w);
  // client-go's SetDefaults_ExecConfig: v1beta1 (and v1alpha1) default to IfAvailable; v1 and
  // anything else must say it, which validation then requires.
  if (exec.interactive_mode.empty() &&
      (exec.api_version == kExecV1beta1 || exec.api_version == "client.authentication.k8s.io/v1alpha1"))
    exec.interactive_mode = "IfAvailable";
  return exec;
}

// Lines of the items of a top-level list, from the YAML itself (JSON has no lines). Zero when
// the list is not written out plainly (merged in from elsewhere, say).
std::vector<int> entry_lines(const YAML::Node& root, const char* section) {
  std::vector<int> lines;
  if (!root.IsMap()) return lines;
  YAML::Node list;
  for (const auto& kv : root)
    if (kv.first.IsScalar() && kv.first.Scalar() == section) list = kv.second;  // the last one wins
  if (!list.IsDefined() || !list.IsSequence()) return lines;
  for (const auto& item : list) lines.push_back(item.Mark().line >= 0 ? item.Mark().line + 1 : 0);
  return lines;
}

// Each named entry of a section: clusters/users/contexts, each `{name, <inner>: {...}}`.
template <typename Fn>
void for_each_entry(const Json& root, const YAML::Node& yaml, const char* section, const char* inner,
                    const std::string& path, Fn fn) {
  const Where top{path, 0, "", ""};
  const Json* list = field(root, section);
  if (list == nullptr) return;
  if (!list->IsArray())
    throw KubeconfigError(cat(path, ": ", section, " must be a list of {name, ", inner, "}, not ", json_kind(*list)));
  const std::vector<int> lines = entry_lines(yaml, section);
  std::set<std::string> seen;
  size_t index = 0;
  static const Json empty_object(rapidjson::kObjectType);
  for (const auto& item : list->GetArray()) {
    const int line = lines.size() == list->Size() ? lines[index] : 0;
    Where where{path, line, cat(section, "[", index, "]"), ""};
    if (!item.IsNull() && !item.IsObject())
      throw KubeconfigError(cat(where.here(), ": must be a map with name and ", inner, ", not ", json_kind(item)));
    const Json& entry = item.IsNull() ? empty_object : item;
    const std::string name = get_string(entry, "name", where);
    where.entry += cat(" \"", name, "\"");
    if (!seen.insert(name).second)
      throw KubeconfigError(cat(where.here(), ": duplicate name \"", name, "\" in ", section,
                                "; each name may appear once per file"));
    const Json* body = get_object(entry, inner, where);
    where.prefix = inner;
    fn(name, body != nullptr ? *body : empty_object, where);
    ++index;
  }
}

// apiVersion and kind, found as Go's encoding/json finds them (exact key preferred, else a
// case-insensitive match), must name the one registered type: v1 Config. Empty means that.
void check_type(const Json& root, const std::string& path) {
  auto find = [&](const char* key) -> std::string {
    const Json* exact = nullptr;
    const Json* folded = nullptr;
    for (const auto& m : root.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == key) exact = &m.value;
      else if (iequals(name, key)) folded = &m.value;
    }
    const Json* v = exact != nullptr ? exact : folded;
    if (v == nullptr || v->IsNull()) return {};
    if (!v->IsString())
      throw KubeconfigError(cat(path, ": ", key, " must be a string, not ", json_kind(*v),
                                " (couldn't get version/kind)"));
    return std::string(v->GetString(), v->GetStringLength());
  };
  const std::string api_version = find("apiVersion");
  const std::string kind = find("kind");
  if ((api_version.empty() || api_version == "v1") && (kind.empty() || kind == "Config")) return;
  throw KubeconfigError(cat(path, ": apiVersion \"", api_version, "\" kind \"", kind,
                            "\" is not a kubeconfig (no kind \"", kind.empty() ? "Config" : kind,
                            "\" is registered for version \"", api_version.empty() ? "v1" : api_version,
                            "\"); a kubeconfig has apiVersion: v1 and kind: Config"));
}

// A Cluster, AuthInfo or Context with the name and the place it was defined.
template <typename Entry>
Entry defined(const std::string& name, const std::string& path, const Where& where) {
  Entry entry;
  entry.name = name;
  entry.source = path;
  entry.line = where.line;
  return entry;
}

}  // namespace

Config parse_config(std::string_view yaml, const std::string& path) {
  Config config;
  config.files.push_back(path);
  if (yaml.empty()) return config;  // client-go: no data is the default (empty) config
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    // A half-written file looks exactly like this, so it is transient (retried if fresh).
    throw KubeconfigError(cat(path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": not valid YAML (", e.msg,
                              "); fix the file or point --kubeconfig/KUBECONFIG elsewhere"),
                          true);
  }
  rapidjson::Document doc;
  try {
    yamljson::Limits limits;
    limits.max_values = yaml.size() + 10'000;  // a value costs at least a byte unless aliases re-expand it
    doc = yamljson::convert(root, path, limits);
  } catch (const ParseError& e) {
    throw KubeconfigError(cat(e.what(), " (kubeconfig)"));
  }
  if (doc.IsNull()) return config;
  if (!doc.IsObject())
    throw KubeconfigError(cat(path, ": a kubeconfig is a YAML map with clusters, users and contexts; this file holds ",
                              json_kind(doc)));
  check_type(doc, path);
  std::error_code ec;
  const fs::path absolute = fs::absolute(fs::path(path), ec);
  const std::string base = (ec ? fs::path(path) : absolute).parent_path().string();
  const Where top{path, 0, "", ""};

  if (const Json* preferences = get_object(doc, "preferences", top)) {
    const Where w{path, 0, "", "preferences"};
    get_bool(*preferences, "colors", w);
    check_extensions(*preferences, w);
  }
  check_extensions(doc, top);
  for_each_entry(doc, root, "clusters", "cluster", path, [&](const std::string& name, const Json& c, const Where& w) {
    Cluster cluster = defined<Cluster>(name, path, w);
    cluster.server = get_string(c, "server", w);
    cluster.tls_server_name = get_string(c, "tls-server-name", w);
    cluster.insecure_skip_tls_verify = get_bool(c, "insecure-skip-tls-verify", w);
    cluster.certificate_authority = resolve_path(get_string(c, "certificate-authority", w), base);
    cluster.certificate_authority_data =
        get_bytes(c, "certificate-authority-data", w, cluster.has_certificate_authority_data);
    cluster.proxy_url = get_string(c, "proxy-url", w);
    cluster.disable_compression = get_bool(c, "disable-compression", w);
    cluster.exec_extension_json = check_extensions(c, w);
    config.clusters.emplace(name, std::move(cluster));
  });
  for_each_entry(doc, root, "users", "user", path, [&](const std::string& name, const Json& u, const Where& w) {
    AuthInfo user = defined<AuthInfo>(name, path, w);
    bool present = false;
    user.client_certificate = resolve_path(get_string(u, "client-certificate", w), base);
    user.client_certificate_data = get_bytes(u, "client-certificate-data", w, present);
    user.client_key = resolve_path(get_string(u, "client-key", w), base);
    user.client_key_data = get_bytes(u, "client-key-data", w, present);
    user.token = get_string(u, "token", w);
    user.token_file = resolve_path(get_string(u, "tokenFile", w), base);
    user.username = get_string(u, "username", w);
    user.password = get_string(u, "password", w);
    user.impersonate = get_string(u, "as", w);
    user.impersonate_uid = get_string(u, "as-uid", w);
    user.impersonate_groups = get_string_list(u, "as-groups", w);
    if (const Json* extra = get_object(u, "as-user-extra", w)) {
      for (const auto& kv : extra->GetObject()) {
        std::vector<std::string> values;
        if (!kv.value.IsNull()) {
          if (!kv.value.IsArray()) throw wrong_type(w, "as-user-extra", "a map of lists of strings", kv.value);
          for (const auto& v : kv.value.GetArray()) {
            if (!v.IsString() && !v.IsNull()) throw wrong_type(w, "as-user-extra", "a map of lists of strings", v);
            values.emplace_back(v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string());
          }
        }
        user.impersonate_extra[std::string(kv.name.GetString(), kv.name.GetStringLength())] = std::move(values);
      }
    }
    if (const Json* exec = get_object(u, "exec", w)) user.exec = parse_exec(*exec, w, base);
    if (const Json* provider = get_object(u, "auth-provider", w)) {
      user.has_auth_provider = true;
      Where pw = w;
      pw.prefix = "user.auth-provider";
      user.auth_provider = get_string(*provider, "name", pw);
      if (const Json* cfg = get_object(*provider, "config", pw))
        for (const auto& kv : cfg->GetObject())
          if (!kv.value.IsString() && !kv.value.IsNull()) throw wrong_type(pw, "config", "a map of strings", kv.value);
    }
    check_extensions(u, w);
    config.users.emplace(name, std::move(user));
  });
  for_each_entry(doc, root, "contexts", "context", path, [&](const std::string& name, const Json& c, const Where& w) {
    Context context = defined<Context>(name, path, w);
    context.cluster = get_string(c, "cluster", w);
    context.user = get_string(c, "user", w);
    context.namespace_ = get_string(c, "namespace", w);
    check_extensions(c, w);
    config.contexts.emplace(name, std::move(context));
  });
  config.current_context = get_string(doc, "current-context", top);
  if (!config.current_context.empty()) config.current_context_source = path;
  return config;
}

}  // namespace sf::kube
