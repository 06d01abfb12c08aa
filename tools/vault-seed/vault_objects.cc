#include "vault-seed/vault_objects.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <optional>
#include <set>

#include "common/redact.h"
#include "common/strings.h"

namespace sf::vs {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void put_list(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values) w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

std::string text_of(const rapidjson::StringBuffer& buffer) { return std::string(buffer.GetString(), buffer.GetSize()); }

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  const auto* v = member(object, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

// Vault answers numbers as JSON numbers, and some fields as strings ("2"); both are read.
std::optional<long> long_member(const rapidjson::Value& object, const char* name) {
  const auto* v = member(object, name);
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return static_cast<long>(v->GetInt64());
  if (v->IsString()) {
    char* end = nullptr;
    const long n = std::strtol(v->GetString(), &end, 10);
    if (end != v->GetString() && *end == '\0') return n;
  }
  return std::nullopt;
}

std::optional<bool> bool_member(const rapidjson::Value& object, const char* name) {
  const auto* v = member(object, name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::vector<std::string> list_member(const rapidjson::Value& object, const char* name) {
  std::vector<std::string> out;
  const auto* v = member(object, name);
  if (v == nullptr) return out;
  if (v->IsString()) {  // comma strings are accepted on write; reads give arrays, but be lenient
    for (const auto& part : split(v->GetString(), ','))
      if (!trim(part).empty()) out.emplace_back(trim(part));
    return out;
  }
  if (v->IsArray())
    for (const auto& e : v->GetArray())
      if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
  return out;
}

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

std::string shown(const std::vector<std::string>& v) {
  std::vector<std::string> sorted(v);
  std::sort(sorted.begin(), sorted.end());
  return join_names(sorted);
}

void compare_list(std::vector<std::string>& changes, const char* field, const std::vector<std::string>& want,
                  const std::vector<std::string>& have) {
  if (as_set(want) != as_set(have)) changes.push_back(cat(field, " ", shown(have), " -> ", shown(want)));
}

}  // namespace

std::string join_names(const std::vector<std::string>& names) {
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) out += cat(i ? ", " : "", printable(names[i], 80));
  return out + "}";
}

// ---------------------------------------------------------------- mounts

std::string mount_body(const MountSpec& mount) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put(w, "type", "kv");
  if (!mount.description.empty()) put(w, "description", mount.description);
  w.Key("options");
  w.StartObject();
  put(w, "version", "2");
  w.EndObject();
  w.EndObject();
  return text_of(b);
}

std::string mount_problem(const MountSpec& mount, const rapidjson::Value& existing) {
  const std::string type = string_member(existing, "type");
  std::string version;
  if (const auto* options = member(existing, "options"); options != nullptr && options->IsObject())
    version = string_member(*options, "version");
  if (type == "kv" && version == "2") return "";
  if (type == "kv")
    return cat(mount.path, "/ is a KV version 1 mount; vault-seed never remounts (that deletes its data). Upgrade it "
                           "in place with `vault kv enable-versioning ", mount.path, "/`, then run again");
  return cat(mount.path, "/ is a \"", printable(type, 40), "\" mount, not KV version 2; vault-seed never remounts "
             "(that deletes its data): choose another path in the spec, or move that engine");
}

std::vector<std::string> kv_config_changes(const MountSpec& mount, const rapidjson::Value& config) {
  std::vector<std::string> changes;
  const auto cas = bool_member(config, "cas_required");
  if (!cas || *cas != mount.cas_required)
    changes.push_back(cat("cas_required ", cas ? (*cas ? "true" : "false") : "unset", " -> ",
                          mount.cas_required ? "true" : "false"));
  if (mount.max_versions) {
    const auto have = long_member(config, "max_versions");
    if (!have || *have != *mount.max_versions)
      changes.push_back(cat("max_versions ", have ? std::to_string(*have) : "unset", " -> ", *mount.max_versions));
  }
  return changes;
}

std::string kv_config_body(const MountSpec& mount) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("cas_required");
  w.Bool(mount.cas_required);
  if (mount.max_versions) {
    w.Key("max_versions");
    w.Int64(*mount.max_versions);
  }
  w.EndObject();
  return text_of(b);
}

// ---------------------------------------------------------------- auth

std::string auth_body(const AuthSpec& auth) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put(w, "type", auth.type);
  if (!auth.description.empty()) put(w, "description", auth.description);
  w.EndObject();
  return text_of(b);
}

std::string auth_problem(const AuthSpec& auth, const rapidjson::Value& existing) {
  const std::string type = string_member(existing, "type");
  if (type == auth.type) return "";
  return cat("auth/", auth.path, "/ is a \"", printable(type, 40), "\" auth method, not ", auth.type,
             "; vault-seed never disables an auth method (that drops its roles and logins): choose another path");
}

std::vector<std::string> k8s_config_changes(const KubernetesConfigSpec& config, const KubernetesConfigValues& values,
                                            const rapidjson::Value& existing) {
  std::vector<std::string> changes;
  const std::string host = string_member(existing, "kubernetes_host");
  if (host != config.kubernetes_host)
    changes.push_back(cat("kubernetes_host ", host.empty() ? "unset" : printable(host, 80), " -> ",
                          config.kubernetes_host));
  if (string_member(existing, "kubernetes_ca_cert") != values.ca_cert)
    changes.push_back(values.ca_cert.empty() ? "kubernetes_ca_cert -> unset (Vault's own service account CA)"
                                             : "kubernetes_ca_cert -> the spec's certificate");
  if (bool_member(existing, "disable_local_ca_jwt").value_or(false) != config.disable_local_ca_jwt)
    changes.push_back(cat("disable_local_ca_jwt -> ", config.disable_local_ca_jwt ? "true" : "false"));
  const bool jwt_set = bool_member(existing, "token_reviewer_jwt_set").value_or(false);
  if (jwt_set != !values.reviewer_jwt.empty())
    changes.push_back(values.reviewer_jwt.empty() ? "token_reviewer_jwt -> unset (Vault's own service account token)"
                                                  : "token_reviewer_jwt -> set");
  return changes;
}

std::string k8s_config_body(const KubernetesConfigSpec& config, const KubernetesConfigValues& values) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put(w, "kubernetes_host", config.kubernetes_host);
  put(w, "kubernetes_ca_cert", values.ca_cert);
  put(w, "token_reviewer_jwt", values.reviewer_jwt);
  w.Key("disable_local_ca_jwt");
  w.Bool(config.disable_local_ca_jwt);
  w.EndObject();
  return text_of(b);
}

std::vector<std::string> role_changes(const RoleSpec& role, const rapidjson::Value& existing) {
  std::vector<std::string> changes;
  compare_list(changes, "bound_service_account_names", role.bound_service_account_names,
               list_member(existing, "bound_service_account_names"));
  compare_list(changes, "bound_service_account_namespaces", role.bound_service_account_namespaces,
               list_member(existing, "bound_service_account_namespaces"));
  const std::string audience = string_member(existing, "audience");
  if (audience != role.audience)
    changes.push_back(cat("audience ", audience.empty() ? "unset" : printable(audience, 80), " -> ", role.audience));
  compare_list(changes, "token_policies", role.token_policies, list_member(existing, "token_policies"));
  const long ttl = long_member(existing, "token_ttl").value_or(0);
  if (ttl != role.token_ttl_seconds) changes.push_back(cat("token_ttl ", ttl, "s -> ", role.token_ttl_seconds, "s"));
  if (role.token_max_ttl_seconds) {
    const long max_ttl = long_member(existing, "token_max_ttl").value_or(0);
    if (max_ttl != *role.token_max_ttl_seconds)
      changes.push_back(cat("token_max_ttl ", max_ttl, "s -> ", *role.token_max_ttl_seconds, "s"));
  }
  if (!role.alias_name_source.empty()) {
    const std::string source = string_member(existing, "alias_name_source");
    if (source != role.alias_name_source)
      changes.push_back(cat("alias_name_source ", printable(source, 40), " -> ", role.alias_name_source));
  }
  return changes;
}

std::string role_body(const RoleSpec& role) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put_list(w, "bound_service_account_names", role.bound_service_account_names);
  put_list(w, "bound_service_account_namespaces", role.bound_service_account_namespaces);
  put(w, "audience", role.audience);
  put_list(w, "token_policies", role.token_policies);
  w.Key("token_ttl");
  w.Int64(role.token_ttl_seconds);
  if (role.token_max_ttl_seconds) {
    w.Key("token_max_ttl");
    w.Int64(*role.token_max_ttl_seconds);
  }
  if (!role.alias_name_source.empty()) put(w, "alias_name_source", role.alias_name_source);
  w.EndObject();
  return text_of(b);
}

// ---------------------------------------------------------------- audit

std::string audit_body(const AuditSpec& device) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put(w, "type", device.type);
  if (!device.description.empty()) put(w, "description", device.description);
  w.Key("options");
  w.StartObject();
  for (const auto& [k, v] : device.options) put(w, k.c_str(), v);
  w.EndObject();
  w.EndObject();
  return text_of(b);
}

std::string audit_problem(const AuditSpec& device, const rapidjson::Value& existing) {
  std::vector<std::string> differences;
  const std::string type = string_member(existing, "type");
  if (type != device.type) differences.push_back(cat("type ", printable(type, 40), " (spec: ", device.type, ")"));
  const auto* options = member(existing, "options");
  for (const auto& [k, v] : device.options) {
    const std::string have = options != nullptr ? string_member(*options, k.c_str()) : std::string();
    if (have != v) differences.push_back(cat("options.", k, " ", printable(have, 80), " (spec: ", v, ")"));
  }
  if (differences.empty()) return "";
  std::string text;
  for (const auto& d : differences) text += cat(text.empty() ? "" : ", ", d);
  return cat("audit device ", device.path, "/ exists with ", text,
             "; vault-seed never disables an audit device (Vault would lose its log trail): `vault audit disable ",
             device.path, "/` first if the spec is right, then run again");
}

// ---------------------------------------------------------------- KV data

std::string kv_write_body(long cas, const std::map<std::string, std::string>& data) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("options");
  w.StartObject();
  w.Key("cas");
  w.Int64(cas);
  w.EndObject();
  w.Key("data");
  w.StartObject();
  for (const auto& [k, v] : data) put(w, k.c_str(), v);
  w.EndObject();
  w.EndObject();
  std::string text = text_of(b);
  // The StringBuffer's copy of the values goes with it; clear it first.
  if (b.GetSize() > 0) std::fill(const_cast<char*>(b.GetString()), const_cast<char*>(b.GetString()) + b.GetSize(), '\0');
  return text;
}

}  // namespace sf::vs
