#include "common/kubeconfig.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/log.h"
#include "common/strings.h"

extern char** environ;

namespace sf::kube {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxKubeconfigBytes = 16u << 20;
constexpr const char* kExecExtensionName = "client.authentication.k8s.io/exec";
constexpr const char* kExecV1 = "client.authentication.k8s.io/v1";
constexpr const char* kExecV1beta1 = "client.authentication.k8s.io/v1beta1";

// ------------------------------------------------------------------ small helpers

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const auto& i : items) q.push_back("\"" + i + "\"");
  return q.empty() ? std::string("none") : join(q, ", ");
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Reads a whole file; false with `error` set (strerror text) when it cannot.
bool read_file(const std::string& path, std::string& out, std::string& error, size_t cap = kMaxKubeconfigBytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  char chunk[65536];
  size_t total = 0;
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    total += static_cast<size_t>(in.gcount());
    if (total > cap) {
      error = cat("larger than ", cap, " bytes");
      return false;
    }
    buffer.write(chunk, in.gcount());
  }
  if (in.bad()) {
    error = std::strerror(errno);
    return false;
  }
  out = buffer.str();
  return true;
}

// Whether a file can be opened for reading; `error` gets strerror otherwise (client-go opens it).
bool readable(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  ::close(fd);
  return true;
}

bool looks_like_pem(const std::string& data) { return data.find("-----BEGIN ") != std::string::npos; }

// ------------------------------------------------------------------ YAML access

// Where a node sits, for messages: "file:12: users[0] \"kind-kind\": user.client-key-data".
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

int line_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::string get_string(const YAML::Node& map, const char* key, const Where& where) {
  const YAML::Node v = map[key];
  if (!v.IsDefined() || v.IsNull()) return {};
  if (!v.IsScalar()) throw KubeconfigError(cat(where.at(key), " must be a string"));
  return v.Scalar();
}

bool get_bool(const YAML::Node& map, const char* key, const Where& where) {
  const YAML::Node v = map[key];
  if (!v.IsDefined() || v.IsNull()) return false;
  bool out = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, out))
    throw KubeconfigError(cat(where.at(key), " must be true or false, not \"", v.IsScalar() ? v.Scalar() : "?", "\""));
  return out;
}

std::vector<std::string> get_string_list(const YAML::Node& map, const char* key, const Where& where) {
  std::vector<std::string> out;
  const YAML::Node v = map[key];
  if (!v.IsDefined() || v.IsNull()) return out;
  if (!v.IsSequence()) throw KubeconfigError(cat(where.at(key), " must be a list of strings"));
  for (const auto& item : v) {
    if (!item.IsScalar()) throw KubeconfigError(cat(where.at(key), " must be a list of strings"));
    out.push_back(item.Scalar());
  }
  return out;
}

// A *-data field: base64 of PEM, decoded. Never quotes the value (it may be a key).
std::string get_data(const YAML::Node& map, const char* key, const Where& where, bool& present) {
  const std::string text = get_string(map, key, where);
  present = !text.empty();
  if (text.empty()) return {};
  std::string decoded;
  if (!base64_decode(text, decoded))
    throw KubeconfigError(cat(where.at(key), " is not valid base64 (it must hold base64-encoded PEM; the plain "
                                             "field without -data takes a file path)"));
  return decoded;
}

// Relative paths resolve against the folder of the file that defined them (client-go
// ResolvePaths); empty stays empty.
std::string resolve_path(const std::string& path, const std::string& base) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

// YAML to JSON for cluster extensions (handed to exec plugins as spec.cluster.config). Depth and
// size are bounded: YAML aliases can make a small file expand exponentially.
rapidjson::Value yaml_to_json(const YAML::Node& node, rapidjson::Document::AllocatorType& a, int depth,
                              size_t& budget) {
  if (depth > 64 || budget == 0) return rapidjson::Value(rapidjson::kNullType);
  --budget;
  if (node.IsMap()) {
    rapidjson::Value obj(rapidjson::kObjectType);
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      obj.AddMember(rapidjson::Value(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), a),
                    yaml_to_json(kv.second, a, depth + 1, budget), a);
    }
    return obj;
  }
  if (node.IsSequence()) {
    rapidjson::Value arr(rapidjson::kArrayType);
    for (const auto& item : node) arr.PushBack(yaml_to_json(item, a, depth + 1, budget), a);
    return arr;
  }
  if (!node.IsScalar()) return rapidjson::Value(rapidjson::kNullType);
  const std::string& s = node.Scalar();
  if (node.Tag() == "?") {  // plain scalar: YAML types apply
    bool b = false;
    double d = 0;
    if (s == "true" || s == "false") return rapidjson::Value(s == "true");
    if (YAML::convert<bool>::decode(node, b) && (s == "True" || s == "False" || s == "TRUE" || s == "FALSE"))
      return rapidjson::Value(b);
    if (parse_double(s, d)) return rapidjson::Value(d);
  }
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The named list of a section: clusters/users/contexts, each `{name, <inner>: {...}}`.
template <typename Fn>
void for_each_entry(const YAML::Node& root, const char* section, const char* inner, const std::string& path, Fn fn) {
  const YAML::Node list = root[section];
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence())
    throw KubeconfigError(cat(path, ":", line_of(list), ": ", section, " must be a list of {name, ", inner, "}"));
  std::set<std::string> seen;
  size_t index = 0;
  for (const auto& item : list) {
    Where where{path, line_of(item), cat(section, "[", index, "]"), ""};
    if (!item.IsMap()) throw KubeconfigError(cat(where.here(), ": must be a map with name and ", inner));
    const std::string name = get_string(item, "name", where);
    where.entry += cat(" \"", name, "\"");
    if (!seen.insert(name).second)
      throw KubeconfigError(cat(where.here(), ": duplicate name \"", name, "\" in ", section,
                                "; each name may appear once per file"));
    const YAML::Node body = item[inner];
    if (body.IsDefined() && !body.IsNull() && !body.IsMap())
      throw KubeconfigError(cat(where.at(inner), " must be a map"));
    where.prefix = inner;
    fn(name, body.IsDefined() && body.IsMap() ? body : YAML::Node(YAML::NodeType::Map), where);
    ++index;
  }
}

ExecConfig parse_exec(const YAML::Node& node, const Where& where, const std::string& base) {
  ExecConfig exec;
  Where w = where;
  w.prefix = "user.exec";
  exec.command = get_string(node, "command", w);
  // PATH-based commands stay as they are; only ones with a separator resolve (client-go).
  if (exec.command.find('/') != std::string::npos) exec.command = resolve_path(exec.command, base);
  exec.args = get_string_list(node, "args", w);
  const YAML::Node env = node["env"];
  if (env.IsDefined() && !env.IsNull()) {
    if (!env.IsSequence()) throw KubeconfigError(cat(w.at("env"), " must be a list of {name, value}"));
    for (const auto& item : env) {
      if (!item.IsMap()) throw KubeconfigError(cat(w.at("env"), " must be a list of {name, value}"));
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

std::string files_text(const Config& config) {
  return config.files.empty() ? std::string("kubeconfig") : cat("kubeconfig ", join(config.files, ":"));
}

}  // namespace

// ------------------------------------------------------------------ base64

bool base64_decode(std::string_view text, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  std::string clean;
  clean.reserve(text.size());
  for (char c : text)
    if (c != '\r' && c != '\n') clean.push_back(c);
  if (clean.size() % 4 != 0) return false;
  out.reserve(clean.size() / 4 * 3);
  for (size_t i = 0; i < clean.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = clean[i + k];
      if (c == '=') {
        // Padding only in the last quantum, only in its last two places, and nothing after it.
        if (i + 4 != clean.size() || k < 2) return false;
        ++pad;
        v[k] = 0;
      } else {
        if (pad > 0) return false;
        v[k] = value(c);
        if (v[k] < 0) return false;
      }
    }
    const unsigned triple = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                            (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
    // Go's strict decoding is off for encoding/json, but non-zero trailing bits are still
    // accepted there; keep it simple and lenient in the same way.
    out.push_back(static_cast<char>((triple >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((triple >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(triple & 0xFF));
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned t = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(alphabet[(t >> 18) & 63]);
    out.push_back(alphabet[(t >> 12) & 63]);
    out.push_back(alphabet[(t >> 6) & 63]);
    out.push_back(alphabet[t & 63]);
  }
  if (i < bytes.size()) {
    unsigned t = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) t |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(alphabet[(t >> 18) & 63]);
    out.push_back(alphabet[(t >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? alphabet[(t >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// ------------------------------------------------------------------ parse and merge

Config parse_config(std::string_view yaml, const std::string& path) {
  Config config;
  config.files.push_back(path);
  if (trim(yaml).empty()) return config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    // A half-written file looks exactly like this, so it is transient (retried if fresh).
    throw KubeconfigError(cat(path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": not valid YAML (", e.msg,
                              "); fix the file or point --kubeconfig/KUBECONFIG elsewhere"),
                          true);
  }
  if (!root.IsDefined() || root.IsNull()) return config;
  if (!root.IsMap())
    throw KubeconfigError(cat(path, ": a kubeconfig is a YAML map with clusters, users and contexts; this "
                                    "file holds something else"));
  std::error_code ec;
  fs::path absolute = fs::absolute(fs::path(path), ec);
  const std::string base = (ec ? fs::path(path) : absolute).parent_path().string();
  try {
    for_each_entry(root, "clusters", "cluster", path, [&](const std::string& name, const YAML::Node& c, const Where& w) {
      Cluster cluster;
      cluster.name = name;
      cluster.source = path;
      cluster.line = w.line;
      const Where& fw = w;
      cluster.server = get_string(c, "server", fw);
      cluster.tls_server_name = get_string(c, "tls-server-name", fw);
      cluster.insecure_skip_tls_verify = get_bool(c, "insecure-skip-tls-verify", fw);
      cluster.certificate_authority = resolve_path(get_string(c, "certificate-authority", fw), base);
      cluster.certificate_authority_data =
          get_data(c, "certificate-authority-data", fw, cluster.has_certificate_authority_data);
      cluster.proxy_url = get_string(c, "proxy-url", fw);
      cluster.disable_compression = get_bool(c, "disable-compression", fw);
      const YAML::Node extensions = c["extensions"];
      if (extensions.IsDefined() && extensions.IsSequence()) {
        for (const auto& ext : extensions) {
          if (!ext.IsMap() || get_string(ext, "name", fw) != kExecExtensionName) continue;
          rapidjson::Document doc;
          size_t budget = 10'000;
          rapidjson::Value v = yaml_to_json(ext["extension"], doc.GetAllocator(), 0, budget);
          cluster.exec_extension_json = json_text(v);
        }
      }
      config.clusters.emplace(name, std::move(cluster));
    });
    for_each_entry(root, "users", "user", path, [&](const std::string& name, const YAML::Node& u, const Where& w) {
      AuthInfo user;
      user.name = name;
      user.source = path;
      user.line = w.line;
      bool present = false;
      user.client_certificate = resolve_path(get_string(u, "client-certificate", w), base);
      user.client_certificate_data = get_data(u, "client-certificate-data", w, present);
      user.client_key = resolve_path(get_string(u, "client-key", w), base);
      user.client_key_data = get_data(u, "client-key-data", w, present);
      user.token = get_string(u, "token", w);
      user.token_file = resolve_path(get_string(u, "tokenFile", w), base);
      user.username = get_string(u, "username", w);
      user.password = get_string(u, "password", w);
      user.impersonate = get_string(u, "as", w);
      user.impersonate_uid = get_string(u, "as-uid", w);
      user.impersonate_groups = get_string_list(u, "as-groups", w);
      const YAML::Node extra = u["as-user-extra"];
      if (extra.IsDefined() && extra.IsMap()) {
        for (const auto& kv : extra) {
          std::vector<std::string> values;
          if (kv.second.IsSequence())
            for (const auto& v : kv.second)
              if (v.IsScalar()) values.push_back(v.Scalar());
          user.impersonate_extra[kv.first.Scalar()] = values;
        }
      }
      const YAML::Node exec = u["exec"];
      if (exec.IsDefined() && !exec.IsNull()) {
        if (!exec.IsMap()) throw KubeconfigError(cat(w.at("exec"), " must be a map"));
        user.exec = parse_exec(exec, w, base);
      }
      const YAML::Node provider = u["auth-provider"];
      if (provider.IsDefined() && provider.IsMap()) {
        user.auth_provider = get_string(provider, "name", w);
        if (user.auth_provider.empty()) user.auth_provider = "(unnamed)";
      }
      config.users.emplace(name, std::move(user));
    });
    for_each_entry(root, "contexts", "context", path, [&](const std::string& name, const YAML::Node& c, const Where& w) {
      Context context;
      context.name = name;
      context.source = path;
      context.line = w.line;
      context.cluster = get_string(c, "cluster", w);
      context.user = get_string(c, "user", w);
      context.namespace_ = get_string(c, "namespace", w);
      config.contexts.emplace(name, std::move(context));
    });
    config.current_context = get_string(root, "current-context", Where{path, 0, "", ""});
    if (!config.current_context.empty()) config.current_context_source = path;
  } catch (const YAML::Exception& e) {
    throw KubeconfigError(cat(path, ":", e.mark.line + 1, ": unexpected YAML structure (", e.msg, ")"));
  }
  return config;
}

void merge_into(Config& into, const Config& later) {
  for (const auto& [name, c] : later.clusters) into.clusters.emplace(name, c);
  for (const auto& [name, u] : later.users) into.users.emplace(name, u);
  for (const auto& [name, c] : later.contexts) into.contexts.emplace(name, c);
  if (into.current_context.empty() && !later.current_context.empty()) {
    into.current_context = later.current_context;
    into.current_context_source = later.current_context_source;
  }
  for (const auto& f : later.files)
    if (std::find(into.files.begin(), into.files.end(), f) == into.files.end()) into.files.push_back(f);
}

// ------------------------------------------------------------------ loading

std::vector<std::string> kubeconfig_paths(const LoadOptions& options) {
  if (!options.explicit_path.empty()) return {options.explicit_path};
  std::string env;
  if (options.kubeconfig_env) {
    env = *options.kubeconfig_env;
  } else if (const char* e = std::getenv("KUBECONFIG")) {
    env = e;
  }
  std::vector<std::string> paths;
  if (!env.empty()) {
    for (const auto& p : split(env, ':')) {
      if (p.empty()) continue;
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
    }
    if (!paths.empty()) return paths;
  }
  std::string home;
  if (options.home) {
    home = *options.home;
  } else if (const char* h = std::getenv("HOME")) {
    home = h;
  }
  return {(fs::path(home) / ".kube" / "config").string()};
}

Config load_config(const LoadOptions& options) {
  const std::vector<std::string> paths = kubeconfig_paths(options);
  Config merged;
  bool any = false;
  std::vector<std::string> missing;
  for (const auto& path : paths) {
    std::string text;
    std::string error;
    if (!file_exists(path)) {
      if (!options.explicit_path.empty())
        throw KubeconfigError(cat("--kubeconfig ", path, ": no such file; check the path (kind writes it after "
                                  "creating the cluster)"));
      missing.push_back(path);
      continue;
    }
    if (!read_file(path, text, error))
      throw KubeconfigError(cat("kubeconfig ", path, ": cannot read it (", error, ")"));
    Config one = parse_config(text, path);
    if (!any) {
      merged = std::move(one);
      any = true;
    } else {
      merge_into(merged, one);
    }
  }
  if (!any) {
    merged.files.clear();
    for (const auto& m : missing) merged.files.push_back(m);
  }
  return merged;
}

bool RestConfig::https() const { return server.rfind("https://", 0) == 0; }

RestConfig resolve(const Config& config, const std::string& context_override) {
  const std::string files = files_text(config);
  std::vector<std::string> context_names;
  for (const auto& [name, c] : config.contexts) context_names.push_back(name);

  if (config.empty())
    throw KubeconfigError(cat(files, ": no configuration has been provided (no clusters, users or contexts); "
                                     "create the cluster first or point --kubeconfig/KUBECONFIG at its kubeconfig"),
                          true);
  const std::string context_name = context_override.empty() ? config.current_context : context_override;
  if (!context_override.empty() && config.contexts.count(context_override) == 0)
    throw KubeconfigError(cat(files, ": context \"", context_override, "\" does not exist (contexts: ",
                              quoted_list(context_names), ")"),
                          true);
  if (context_name.empty())
    throw KubeconfigError(cat(files, ": no current-context is set; choose one with --context (contexts: ",
                              quoted_list(context_names), ")"),
                          true);
  const auto context_it = config.contexts.find(context_name);
  if (context_it == config.contexts.end())
    throw KubeconfigError(cat(files, ": context was not found for specified context: ", context_name,
                              " (current-context in ", config.current_context_source, "; contexts: ",
                              quoted_list(context_names), ")"),
                          true);
  const Context& context = context_it->second;
  const std::string where_context = cat(context.source, ":", context.line, ": context \"", context.name, "\"");

  // ConfirmUsable: collect every problem of the chosen context, its user and its cluster.
  std::vector<std::string> problems;
  bool transient = false;
  const Cluster* cluster = nullptr;
  const AuthInfo* user = nullptr;
  if (context.user.empty()) {
    problems.push_back(cat(where_context, ": user was not specified for context \"", context.name, "\""));
  } else if (auto it = config.users.find(context.user); it == config.users.end()) {
    problems.push_back(cat(where_context, ": user \"", context.user, "\" was not found for context \"",
                           context.name, "\""));
    transient = true;
  } else {
    user = &it->second;
  }
  if (context.cluster.empty()) {
    problems.push_back(cat(where_context, ": cluster was not specified for context \"", context.name, "\""));
  } else if (auto it = config.clusters.find(context.cluster); it == config.clusters.end()) {
    problems.push_back(cat(where_context, ": cluster \"", context.cluster, "\" was not found for context \"",
                           context.name, "\""));
    transient = true;
  } else {
    cluster = &it->second;
  }
  if (user != nullptr) {
    const AuthInfo& u = *user;
    const std::string w = cat(u.source, ":", u.line, ": user \"", u.name, "\"");
    std::vector<std::string> methods;
    if (!u.token.empty()) methods.push_back("token");
    if (!u.username.empty() || !u.password.empty()) methods.push_back("basicAuth");
    const bool has_cert = !u.client_certificate.empty() || !u.client_certificate_data.empty();
    if (has_cert) {
      if (!u.client_certificate.empty() && !u.client_certificate_data.empty())
        problems.push_back(cat(w, ": client-cert-data and client-cert are both specified for ", u.name,
                               ". client-cert-data will override."));
      if (!u.client_key.empty() && !u.client_key_data.empty())
        problems.push_back(cat(w, ": client-key-data and client-key are both specified for ", u.name,
                               "; client-key-data will override"));
      if (u.client_key.empty() && u.client_key_data.empty())
        problems.push_back(cat(w, ": client-key-data or client-key must be specified for ", u.name,
                               " to use the clientCert authentication method."));
      std::string error;
      if (!u.client_certificate.empty() && !readable(u.client_certificate, error))
        problems.push_back(cat(w, ": unable to read client-cert ", u.client_certificate, " for ", u.name,
                               " due to ", error));
      if (!u.client_key.empty() && !readable(u.client_key, error))
        problems.push_back(cat(w, ": unable to read client-key ", u.client_key, " for ", u.name, " due to ", error));
    }
    if (u.exec) {
      const ExecConfig& e = *u.exec;
      if (!u.auth_provider.empty())
        problems.push_back(cat(w, ": authProvider cannot be provided in combination with an exec plugin for ",
                               u.name));
      if (e.command.empty())
        problems.push_back(cat(w, ": command must be specified for ", u.name, " to use exec authentication plugin"));
      if (e.api_version.empty())
        problems.push_back(cat(w, ": apiVersion must be specified for ", u.name,
                               " to use exec authentication plugin"));
      else if (e.api_version != kExecV1 && e.api_version != kExecV1beta1)
        problems.push_back(cat(w, ": exec plugin: invalid apiVersion \"", e.api_version, "\" (use ", kExecV1,
                               " or ", kExecV1beta1, ")"));
      for (const auto& [name, value] : e.env)
        if (name.empty())
          problems.push_back(cat(w, ": env variable name must be specified for ", u.name,
                                 " to use exec authentication plugin"));
      if (e.interactive_mode.empty())
        problems.push_back(cat(w, ": interactiveMode must be specified for ", u.name,
                               " to use exec authentication plugin"));
      else if (e.interactive_mode != "Never" && e.interactive_mode != "IfAvailable" &&
               e.interactive_mode != "Always")
        problems.push_back(cat(w, ": invalid interactiveMode for ", u.name, ": \"", e.interactive_mode, "\""));
    }
    if (methods.size() > 1)
      problems.push_back(cat(w, ": more than one authentication method found for ", u.name, "; found [",
                             join(methods, " "), "], only one is allowed"));
    if ((!u.impersonate_groups.empty() || !u.impersonate_extra.empty()) && u.impersonate.empty())
      problems.push_back(cat(w, ": requesting groups or user-extra for ", u.name, " without impersonating a user"));
  }
  if (cluster != nullptr) {
    const Cluster& c = *cluster;
    const std::string w = cat(c.source, ":", c.line, ": cluster \"", c.name, "\"");
    if (c.server.empty()) problems.push_back(cat(w, ": no server found for cluster \"", c.name, "\""));
    if (!c.certificate_authority.empty() && c.has_certificate_authority_data)
      problems.push_back(cat(w, ": certificate-authority-data and certificate-authority are both specified for ",
                             c.name, ". certificate-authority-data will override."));
    std::string error;
    if (!c.certificate_authority.empty() && !readable(c.certificate_authority, error))
      problems.push_back(cat(w, ": unable to read certificate-authority ", c.certificate_authority, " for ", c.name,
                             " due to ", error));
  }
  if (!problems.empty()) {
    std::string message = cat("invalid configuration in ", files, " (context \"", context.name, "\"):");
    for (const auto& p : problems) message += "\n  " + p;
    throw KubeconfigError(message, transient);
  }

  const Cluster& c = *cluster;
  const AuthInfo& u = *user;
  RestConfig rest;
  rest.context_name = context.name;
  rest.cluster_name = c.name;
  rest.user_name = u.name;
  if (!context.namespace_.empty()) rest.namespace_ = context.namespace_;
  rest.origin = cat("kubeconfig ", context.source, " (context \"", context.name, "\")");
  const std::string cluster_where = cat("cluster \"", c.name, "\" in ", c.source);

  // Server: a URL; without a scheme, https when TLS is configured (client-go DefaultServerURL).
  std::string server = std::string(trim(c.server));
  const bool tls_configured = c.insecure_skip_tls_verify || !c.certificate_authority.empty() ||
                              c.has_certificate_authority_data || !u.client_certificate.empty() ||
                              !u.client_certificate_data.empty();
  if (server.find("://") == std::string::npos) server = (tls_configured ? "https://" : "http://") + server;
  if (server.rfind("https://", 0) != 0 && server.rfind("http://", 0) != 0)
    throw KubeconfigError(cat(cluster_where, ": server \"", c.server,
                              "\" is not an http:// or https:// URL; kind writes https://127.0.0.1:<port>"));
  if (const auto q = server.find_first_of("?#"); q != std::string::npos) server.resize(q);
  while (server.size() > 8 && server.back() == '/') server.pop_back();
  rest.server = server;
  rest.disable_compression = c.disable_compression;
  rest.proxy_url = c.proxy_url;
  rest.exec_extension_json = c.exec_extension_json;

  if (!rest.https()) {
    // client-go reads credentials only for TLS transports: nothing is sent in clear text.
    rest.ca_source = "none (plain http)";
    if (!u.token.empty() || !u.token_file.empty() || !u.username.empty() || u.exec || !u.client_certificate.empty() ||
        !u.client_certificate_data.empty())
      log::debug(cat(rest.origin, ": server ", rest.server, " is plain http, so the credentials of user \"", u.name,
                     "\" are not sent"));
    return rest;
  }

  // Server identification.
  const bool has_ca = !c.certificate_authority.empty() || c.has_certificate_authority_data;
  if (c.insecure_skip_tls_verify && has_ca)
    throw KubeconfigError(cat(cluster_where, ": specifying a root certificates file with the insecure flag is not "
                                             "allowed (remove insecure-skip-tls-verify or the certificate-authority)"));
  rest.tls.verify = !c.insecure_skip_tls_verify;
  rest.tls.server_name = c.tls_server_name;
  if (c.has_certificate_authority_data) {
    if (!looks_like_pem(c.certificate_authority_data))
      throw KubeconfigError(cat(cluster_where, ": certificate-authority-data does not decode to a PEM certificate "
                                               "(expected base64 of -----BEGIN CERTIFICATE-----...)"));
    rest.tls.ca_pem = c.certificate_authority_data;
    rest.ca_source = cat("certificate-authority-data of ", cluster_where);
  } else if (!c.certificate_authority.empty()) {
    rest.tls.ca_file = c.certificate_authority;
    rest.ca_source = cat("certificate-authority file ", c.certificate_authority, " (", cluster_where, ")");
  } else if (c.insecure_skip_tls_verify) {
    rest.ca_source = cat("none: insecure-skip-tls-verify is set for ", cluster_where);
  } else {
    rest.ca_source = cat("the system trust store (", cluster_where, " sets no certificate-authority)");
  }

  // User identification.
  const std::string user_where = cat("user \"", u.name, "\" in ", u.source);
  if (!u.auth_provider.empty() && !u.exec)
    throw KubeconfigError(cat(user_where, ": auth-provider \"", u.auth_provider,
                              "\" is not supported; use an exec credential plugin (users[].user.exec) instead"));
  if (!u.token.empty()) {
    rest.bearer_token = u.token;
    rest.token_file = u.token_file;  // re-read later; the last good value wins
  } else if (!u.token_file.empty()) {
    try {
      rest.bearer_token = read_token_file(u.token_file);
    } catch (const KubeconfigError& e) {
      throw KubeconfigError(cat(user_where, ": ", e.what()));
    }
    rest.token_file = u.token_file;
  }
  if (!u.client_certificate_data.empty() || !u.client_certificate.empty()) {
    if (!u.client_certificate_data.empty()) {
      if (!looks_like_pem(u.client_certificate_data))
        throw KubeconfigError(cat(user_where, ": client-certificate-data does not decode to a PEM certificate"));
      rest.tls.client_cert_pem = u.client_certificate_data;
    } else {
      rest.tls.client_cert_file = u.client_certificate;
    }
    if (!u.client_key_data.empty()) {
      if (!looks_like_pem(u.client_key_data))
        throw KubeconfigError(cat(user_where, ": client-key-data does not decode to a PEM private key"));
      rest.tls.client_key_pem = u.client_key_data;
    } else {
      rest.tls.client_key_file = u.client_key;
    }
  }
  if (!u.username.empty() || !u.password.empty()) rest.basic_auth = u.username + ":" + u.password;
  if (!u.impersonate.empty()) {
    rest.headers.push_back("Impersonate-User: " + u.impersonate);
    if (!u.impersonate_uid.empty()) rest.headers.push_back("Impersonate-Uid: " + u.impersonate_uid);
    for (const auto& g : u.impersonate_groups) rest.headers.push_back("Impersonate-Group: " + g);
    for (const auto& [key, values] : u.impersonate_extra)
      for (const auto& v : values) rest.headers.push_back("Impersonate-Extra-" + key + ": " + v);
  }
  // An exec plugin is used only when nothing else identifies the user (client-go).
  const bool has_other_auth = !rest.bearer_token.empty() || !rest.basic_auth.empty() ||
                              !rest.tls.client_cert_pem.empty() || !rest.tls.client_cert_file.empty();
  if (u.exec && !has_other_auth) rest.exec = u.exec;
  return rest;
}

std::string read_token_file(const std::string& path) {
  std::string text;
  std::string error;
  if (!read_file(path, text, error, 1u << 20))
    throw KubeconfigError(cat("tokenFile ", path, ": cannot read it (", error, ")"));
  const std::string token(trim(text));
  if (token.empty()) throw KubeconfigError(cat("tokenFile ", path, ": read an empty token"));
  return token;
}

std::optional<RestConfig> in_cluster_config(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  const std::string token_path = root + "/token";
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0' || !file_exists(token_path))
    return std::nullopt;
  RestConfig rest;
  const std::string h = host;
  rest.server = cat("https://", h.find(':') != std::string::npos ? "[" + h + "]" : h, ":", port);
  rest.context_name = "in-cluster";
  rest.cluster_name = "in-cluster";
  rest.user_name = "serviceaccount";
  rest.origin = cat("in-cluster service account (", root, ")");
  rest.token_file = token_path;
  rest.bearer_token = read_token_file(token_path);
  if (file_exists(root + "/ca.crt")) {
    rest.tls.ca_file = root + "/ca.crt";
    rest.ca_source = cat("service account CA ", root, "/ca.crt");
  } else {
    rest.ca_source = "the system trust store";
  }
  std::string ns;
  std::string error;
  if (read_file(root + "/namespace", ns, error, 4096) && !trim(ns).empty()) rest.namespace_ = std::string(trim(ns));
  return rest;
}

RestConfig load_rest_config(const LoadOptions& options) {
  using Steady = std::chrono::steady_clock;
  const auto deadline = Steady::now() + options.settle;
  constexpr auto kPause = std::chrono::milliseconds(100);
  constexpr auto kFresh = std::chrono::seconds(3);
  bool announced = false;
  for (;;) {
    const std::vector<std::string> paths = kubeconfig_paths(options);
    std::string lock;
    for (const auto& p : paths)
      if (file_exists(p + ".lock")) lock = p + ".lock";
    if (!lock.empty()) {
      if (Steady::now() >= deadline)
        throw KubeconfigError(cat("kubeconfig is still locked by ", lock, " after ",
                                  std::chrono::duration_cast<std::chrono::seconds>(options.settle).count(),
                                  "s; if no kind or kubectl is writing it, the lock is stale: delete it"));
      if (!announced) log::debug(cat("waiting for ", lock, " to go away (a writer is updating the kubeconfig)"));
      announced = true;
      std::this_thread::sleep_for(kPause);
      continue;
    }
    try {
      Config config = load_config(options);
      if (config.empty() && options.explicit_path.empty()) {
        bool any_file = false;
        for (const auto& p : paths) any_file = any_file || file_exists(p);
        if (!any_file) {
          if (options.allow_in_cluster)
            if (auto in_cluster = in_cluster_config(options.in_cluster_root)) return *in_cluster;
          throw KubeconfigError(cat("no kubeconfig found (looked for ", join(paths, ", "),
                                    "); pass --kubeconfig, set KUBECONFIG, or create the cluster first"));
        }
      }
      RestConfig rest = resolve(config, options.context);
      return rest;
    } catch (const KubeconfigError& e) {
      if (!e.transient() || Steady::now() >= deadline) throw;
      // Retry only while a file changed moments ago: kind writes without an atomic rename.
      bool fresh = false;
      const auto now = fs::file_time_type::clock::now();
      for (const auto& p : paths) {
        std::error_code ec;
        const auto mtime = fs::last_write_time(p, ec);
        if (!ec && now - mtime < kFresh) fresh = true;
      }
      if (!fresh) throw;
      log::debug(cat("kubeconfig not usable yet, retrying: ", e.what()));
      std::this_thread::sleep_for(kPause);
    }
  }
}

// ------------------------------------------------------------------ exec plugins

std::string exec_info_json(const ExecConfig& exec, const RestConfig& cluster, bool interactive) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto str = [&](const std::string& s) {
    return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
  };
  doc.AddMember("kind", "ExecCredential", a);
  doc.AddMember("apiVersion", str(exec.api_version), a);
  rapidjson::Value spec(rapidjson::kObjectType);
  spec.AddMember("interactive", interactive, a);
  if (exec.provide_cluster_info) {
    rapidjson::Value c(rapidjson::kObjectType);
    c.AddMember("server", str(cluster.server), a);
    if (!cluster.tls.server_name.empty()) c.AddMember("tls-server-name", str(cluster.tls.server_name), a);
    if (!cluster.tls.verify) c.AddMember("insecure-skip-tls-verify", true, a);
    std::string ca = cluster.tls.ca_pem;
    std::string error;
    if (ca.empty() && !cluster.tls.ca_file.empty()) read_file(cluster.tls.ca_file, ca, error, 1u << 20);
    if (!ca.empty()) c.AddMember("certificate-authority-data", str(base64_encode(ca)), a);
    if (!cluster.proxy_url.empty()) c.AddMember("proxy-url", str(cluster.proxy_url), a);
    if (cluster.disable_compression) c.AddMember("disable-compression", true, a);
    if (!cluster.exec_extension_json.empty()) {
      rapidjson::Document ext;
      ext.Parse(cluster.exec_extension_json.c_str());
      if (!ext.HasParseError()) c.AddMember("config", rapidjson::Value(ext, a), a);
    }
    spec.AddMember("cluster", c, a);
  }
  doc.AddMember("spec", spec, a);
  return json_text(doc);
}

ExecCredential parse_exec_credential(std::string_view output, const ExecConfig& exec, const std::string& plugin) {
  auto fail = [&](const std::string& what) {
    return KubeconfigError(cat("exec plugin ", plugin, ": ", what));
  };
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(output.data(), output.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw fail("decoding stdout: the plugin did not print an ExecCredential JSON object");
  auto string_at = [](const rapidjson::Value& obj, const char* name) -> std::string {
    if (!obj.IsObject()) return {};
    auto it = obj.FindMember(name);
    return it != obj.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
  };
  const std::string api_version = string_at(doc, "apiVersion");
  const std::string kind = string_at(doc, "kind");
  if (api_version.empty() || kind.empty())
    throw fail("decoding stdout: Object 'Kind' or 'apiVersion' is missing in the plugin's output");
  if (api_version != exec.api_version)
    throw fail(cat("exec plugin is configured to use API version ", exec.api_version, ", plugin returned version ",
                   api_version));
  if (kind != "ExecCredential") throw fail(cat("decoding stdout: expected kind ExecCredential, got ", kind));
  const rapidjson::Value& root = doc;
  const auto status_it = root.FindMember("status");
  if (status_it == root.MemberEnd() || !status_it->value.IsObject())
    throw fail("exec plugin didn't return a status field");
  const rapidjson::Value& status = status_it->value;
  ExecCredential cred;
  cred.token = string_at(status, "token");
  cred.client_cert_pem = string_at(status, "clientCertificateData");
  cred.client_key_pem = string_at(status, "clientKeyData");
  if (cred.token.empty() && cred.client_cert_pem.empty() && cred.client_key_pem.empty())
    throw fail("exec plugin didn't return a token or cert/key pair");
  if (cred.client_cert_pem.empty() != cred.client_key_pem.empty())
    throw fail("exec plugin returned only certificate or key, not both");
  const std::string expiration = string_at(status, "expirationTimestamp");
  if (!expiration.empty()) {
    try {
      cred.expiration = parse_rfc3339(expiration, cat("exec plugin ", plugin, " status.expirationTimestamp"));
    } catch (const Error& e) {
      throw KubeconfigError(e.what());
    }
  }
  return cred;
}

ExecCredential run_exec_plugin(const ExecConfig& exec, const RestConfig& cluster, std::chrono::milliseconds timeout) {
  const std::string plugin = cat("\"", exec.command, "\" (user \"", cluster.user_name, "\" in ", cluster.origin, ")");
  bool interactive = false;
  const bool stdin_tty = isatty(STDIN_FILENO) == 1;
  if (exec.interactive_mode == "IfAvailable") interactive = stdin_tty;
  if (exec.interactive_mode == "Always") {
    if (!stdin_tty)
      throw KubeconfigError(cat("exec plugin ", plugin,
                                ": exec plugin cannot support interactive mode: standard input is not a terminal"));
    interactive = true;
  }
  const std::string info = exec_info_json(exec, cluster, interactive);

  // argv and envp are built before spawning; the child gets our environment plus the plugin's.
  std::vector<std::string> args{exec.command};
  args.insert(args.end(), exec.args.begin(), exec.args.end());
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "KUBERNETES_EXEC_INFO=", 21) == 0) continue;
    env.emplace_back(*e);
  }
  for (const auto& [name, value] : exec.env) env.push_back(name + "=" + value);
  env.push_back("KUBERNETES_EXEC_INFO=" + info);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw Error(cat("exec plugin ", plugin, ": cannot create a pipe: ", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  if (!interactive) posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: a timeout kills the whole tree
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, exec.command.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    if (rc == ENOENT || rc == EACCES || rc == ENOTDIR) {
      std::string message = cat("exec: executable ", exec.command, " not found (exec plugin of user \"",
                                cluster.user_name, "\" in ", cluster.origin, ")");
      message +=
          "\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\n"
          "To learn more about this feature, consult the documentation available at:\n"
          "      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins";
      if (!exec.install_hint.empty()) message += "\n\n" + exec.install_hint;
      throw KubeconfigError(message);
    }
    throw KubeconfigError(cat("exec plugin ", plugin, ": cannot start it: ", std::strerror(rc)));
  }

  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  bool too_big = false;
  char buffer[8192];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{out[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
    if (output.size() > (4u << 20)) {
      too_big = true;
      break;
    }
  }
  ::close(out[0]);
  // The plugin closed stdout (or failed us): give it until the deadline to exit, then kill it.
  int status = 0;
  for (;;) {
    if (timed_out || too_big) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (timed_out)
    throw KubeconfigError(cat("exec plugin ", plugin, ": did not finish within ",
                              std::chrono::duration_cast<std::chrono::seconds>(timeout).count(),
                              "s and was killed; is it waiting for input?",
                              exec.install_hint.empty() ? "" : " (" + exec.install_hint + ")"));
  if (too_big) throw KubeconfigError(cat("exec plugin ", plugin, ": printed more than 4 MiB; that is not an ExecCredential"));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    throw KubeconfigError(cat("exec: executable ", exec.command, " failed with exit code ", WEXITSTATUS(status),
                              " (exec plugin of user \"", cluster.user_name, "\" in ", cluster.origin, ")"));
  if (WIFSIGNALED(status))
    throw KubeconfigError(cat("exec: executable ", exec.command, " was killed by signal ", WTERMSIG(status),
                              " (exec plugin of user \"", cluster.user_name, "\" in ", cluster.origin, ")"));
  return parse_exec_credential(output, exec, plugin);
}

}  // namespace sf::kube
