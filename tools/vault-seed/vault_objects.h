// What vault-seed writes to Vault for each spec item (request bodies), and how what Vault
// holds is compared with the spec (read back from Vault's answers). Pure functions: the steps
// do the requests, these decide. Field names and value shapes are Vault's (sys/mounts,
// <mount>/config, sys/auth, auth/kubernetes/config and role/NAME, sys/audit).
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "vault-seed/spec.h"

namespace sf::vs {

// ---- secrets engines (sys/mounts)
std::string mount_body(const MountSpec& mount);
// "" when the existing mount (an entry of GET sys/mounts) is the KV v2 the spec wants, else
// what is wrong and what to do (vault-seed never remounts: that would delete the data).
std::string mount_problem(const MountSpec& mount, const rapidjson::Value& existing);
// The engine config changes the spec asks for, as "cas_required false -> true"; empty: none.
std::vector<std::string> kv_config_changes(const MountSpec& mount, const rapidjson::Value& config);
std::string kv_config_body(const MountSpec& mount);

// ---- auth methods (sys/auth) and Kubernetes auth
std::string auth_body(const AuthSpec& auth);
std::string auth_problem(const AuthSpec& auth, const rapidjson::Value& existing);

struct KubernetesConfigValues {
  std::string ca_cert;         // "" when the spec sets none
  std::string reviewer_jwt;    // secret; "" when the spec sets none
};
std::vector<std::string> k8s_config_changes(const KubernetesConfigSpec& config, const KubernetesConfigValues& values,
                                            const rapidjson::Value& existing);
std::string k8s_config_body(const KubernetesConfigSpec& config, const KubernetesConfigValues& values);

std::vector<std::string> role_changes(const RoleSpec& role, const rapidjson::Value& existing);
std::string role_body(const RoleSpec& role);

// ---- audit devices (sys/audit)
std::string audit_body(const AuditSpec& device);
std::string audit_problem(const AuditSpec& device, const rapidjson::Value& existing);

// ---- KV v2 data
// {"options":{"cas":N},"data":{...}}; the text holds the values: wipe it after sending.
std::string kv_write_body(long cas, const std::map<std::string, std::string>& data);

// "{a, b}" for messages.
std::string join_names(const std::vector<std::string>& names);

}  // namespace sf::vs
