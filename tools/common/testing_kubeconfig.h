// Test-only: kubeconfig texts and real (throwaway) TLS material for the kubeconfig, exec
// credential and client tests (header-only; included by *_test.cc files).
#pragma once

#include <string>

#include "common/base64.h"
#include "common/kubeconfig.h"
#include "common/testing_pki.h"

namespace sf::testing {

// One CA and one client pair per test binary: OpenSSL key generation takes a moment.
inline const Pem& test_ca() {
  static const Pem pem = make_self_signed("test CA");
  return pem;
}
inline const Pem& test_client() {
  static const Pem pem = make_self_signed("test client");
  return pem;
}

// What kind writes: one cluster, user and context named kind-<name>, all credentials inline.
inline std::string kind_config(const std::string& name = "kind", const std::string& server = "https://127.0.0.1:40123") {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority-data: " + base64_encode(test_ca().certificate) + "\n"
         "    server: " + server + "\n"
         "  name: kind-" + name + "\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: kind-" + name + "\n"
         "    user: kind-" + name + "\n"
         "  name: kind-" + name + "\n"
         "current-context: kind-" + name + "\n"
         "kind: Config\n"
         "users:\n"
         "- name: kind-" + name + "\n"
         "  user:\n"
         "    client-certificate-data: " + base64_encode(test_client().certificate) + "\n"
         "    client-key-data: " + base64_encode(test_client().key) + "\n";
}

// A one-context kubeconfig (context x, cluster c, user u) with the given cluster and user
// bodies (YAML flow maps or indented blocks).
inline std::string one_context(const std::string& cluster_body, const std::string& user_body) {
  return "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
         "clusters:\n- name: c\n  cluster: " + cluster_body + "\n"
         "users:\n- name: u\n  user: " + user_body + "\n";
}

inline kube::LoadOptions env_options(const std::string& kubeconfig_env, const std::string& home = "/nonexistent-home") {
  kube::LoadOptions o;
  o.kubeconfig_env = kubeconfig_env;
  o.home = home;
  o.allow_in_cluster = false;
  o.settle = std::chrono::milliseconds(1500);
  return o;
}

}  // namespace sf::testing
