#include "render-manifests/template_set.h"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;
namespace fs = std::filesystem;
using sf::rm::test::source_dir;

namespace {

std::string set_dir(const std::string& name) { return (source_dir() / "bootstrap" / name).string(); }
std::string values_fixture(const std::string& name) {
  return (source_dir() / "tests" / "render-manifests" / "values" / name).string();
}

std::map<std::string, std::string> render_bootstrap(const std::string& set_name, const std::vector<std::string>& files,
                                                    const std::vector<std::string>& sets = {}) {
  const TemplateSet set = load_template_set(set_dir(set_name));
  return render_set(set, load_values(set.values_file, files, sets));
}

bool has_mount(const YAML::Node& node, const std::string& host, const std::string& container) {
  for (const auto& m : node["extraMounts"])
    if (m["hostPath"].as<std::string>() == host && m["containerPath"].as<std::string>() == container)
      return m["readOnly"].as<bool>();
  return false;
}

}  // namespace

TEST_CASE("bootstrap/cluster: the laptop's kind config", "[set]") {
  const auto files = render_bootstrap("cluster", {values_fixture("cluster-laptop.yaml")});
  CHECK(files.size() == 1);  // no mirror: no hosts.toml
  REQUIRE(files.count("kind-config.yaml"));
  const YAML::Node kind = YAML::Load(files.at("kind-config.yaml"));
  CHECK(kind["kind"].as<std::string>() == "Cluster");
  CHECK(kind["apiVersion"].as<std::string>() == "kind.x-k8s.io/v1alpha4");
  CHECK(kind["name"].as<std::string>() == "sovereign-finops");
  CHECK(kind["networking"]["apiServerAddress"].as<std::string>() == "127.0.0.1");
  CHECK_FALSE(kind["containerdConfigPatches"].IsDefined());
  const YAML::Node nodes = kind["nodes"];
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[0]["role"].as<std::string>() == "control-plane");
  CHECK(nodes[1]["role"].as<std::string>() == "worker");
  CHECK(nodes[2]["role"].as<std::string>() == "worker");
  const YAML::Node cp = nodes[0];
  // ingress-ready=true through the kubeadm patch, parsed as the YAML kind applies.
  REQUIRE(cp["kubeadmConfigPatches"].size() == 1);
  const YAML::Node patch = YAML::Load(cp["kubeadmConfigPatches"][0].as<std::string>());
  CHECK(patch["kind"].as<std::string>() == "InitConfiguration");
  CHECK(patch["nodeRegistration"]["kubeletExtraArgs"]["node-labels"].as<std::string>() == "ingress-ready=true");
  // 80/443 mapped, bound to 127.0.0.1 by default, TCP.
  REQUIRE(cp["extraPortMappings"].size() == 2);
  for (int i = 0; i < 2; ++i) {
    const YAML::Node m = cp["extraPortMappings"][i];
    const int port = i == 0 ? 80 : 443;
    CHECK(m["containerPort"].as<int>() == port);
    CHECK(m["hostPort"].as<int>() == port);
    CHECK(m["listenAddress"].as<std::string>() == "127.0.0.1");
    CHECK(m["protocol"].as<std::string>() == "TCP");
  }
  // The checkout's Git directory read-only at the Git server's path, on the control plane; no
  // mounts on the workers without a mirror; the node image pinned everywhere.
  CHECK(has_mount(cp, "/home/alice/src/sovereign-finops/.git", "/srv/git/sovereign-finops.git"));
  CHECK(cp["extraMounts"].size() == 1);
  for (const auto& n : nodes) {
    CHECK(n["image"].as<std::string>().find("@sha256:") != std::string::npos);
    if (n["role"].as<std::string>() == "worker") {
      CHECK_FALSE(n["extraMounts"].IsDefined());
      CHECK_FALSE(n["extraPortMappings"].IsDefined());
      CHECK_FALSE(n["kubeadmConfigPatches"].IsDefined());
    }
  }
}

TEST_CASE("bootstrap/platform: the root Application carries the run-time facts", "[set]") {
  const auto files = render_bootstrap("platform", {values_fixture("platform-laptop.yaml")});
  CHECK(files.size() == 2);
  const YAML::Node app = YAML::Load(files.at("root-application.yaml"));
  CHECK(app["apiVersion"].as<std::string>() == "argoproj.io/v1alpha1");
  CHECK(app["kind"].as<std::string>() == "Application");
  CHECK(app["metadata"]["name"].as<std::string>() == "root");
  CHECK(app["metadata"]["namespace"].as<std::string>() == "argocd");
  CHECK(app["spec"]["project"].as<std::string>() == "default");
  const YAML::Node source = app["spec"]["source"];
  CHECK(source["path"].as<std::string>() == "argocd/root");
  CHECK(source["repoURL"].as<std::string>() == "git://git-server.git-server.svc.cluster.local/sovereign-finops.git");
  CHECK_FALSE(app["metadata"]["finalizers"].IsDefined());
  CHECK(app["spec"]["syncPolicy"]["retry"]["limit"].as<int>() == -1);
  const YAML::Node values = source["helm"]["valuesObject"];
  CHECK(values["layer"].as<std::string>() == "kind");
  CHECK(values["git"]["repoURL"].as<std::string>() == source["repoURL"].as<std::string>());
  CHECK(values["git"]["targetRevision"].as<std::string>() == "HEAD");
  REQUIRE(values["metallb"]["addresses"].IsSequence());
  REQUIRE(values["metallb"]["addresses"].size() == 1);
  CHECK(values["metallb"]["addresses"][0].as<std::string>() == "172.18.255.205-172.18.255.254");
  CHECK(values["registry"]["mirror"].as<std::string>().empty());
  CHECK(values["ingress"]["domain"].as<std::string>() == "localhost");
  CHECK(values["network"]["controlPlaneCIDRs"][0].as<std::string>() == "172.18.0.3/32");
  CHECK(values["network"]["nodeCIDRs"][0].as<std::string>() == "172.18.0.0/16");
  CHECK(values["network"]["kubernetesServiceCIDRs"][0].as<std::string>() == "10.96.0.1/32");
  CHECK(app["spec"]["destination"]["server"].as<std::string>() == "https://kubernetes.default.svc");
  CHECK(app["spec"]["syncPolicy"]["automated"]["prune"].as<bool>());
  CHECK(app["spec"]["syncPolicy"]["automated"]["selfHeal"].as<bool>());
}

TEST_CASE("bootstrap/platform: the two namespaces, restricted, kept by Helm", "[set]") {
  const auto files = render_bootstrap("platform", {values_fixture("platform-laptop.yaml")});
  const std::vector<YAML::Node> docs = YAML::LoadAll(files.at("namespaces.yaml"));
  std::vector<std::string> names;
  for (const auto& d : docs) {
    if (!d.IsMap()) continue;
    CHECK(d["kind"].as<std::string>() == "Namespace");
    names.push_back(d["metadata"]["name"].as<std::string>());
    for (const char* mode : {"enforce", "audit", "warn"}) {
      CHECK(d["metadata"]["labels"][std::string("pod-security.kubernetes.io/") + mode].as<std::string>() == "restricted");
      CHECK(d["metadata"]["labels"][std::string("pod-security.kubernetes.io/") + mode + "-version"].as<std::string>() == "v1.34");
    }
    CHECK(d["metadata"]["annotations"]["helm.sh/resource-policy"].as<std::string>() == "keep");
  }
  CHECK(names == std::vector<std::string>{"git-server", "argocd"});
}

TEST_CASE("bootstrap/cluster: a mirror adds config_path, certs.d on every node and hosts.toml", "[set]") {
  const auto files = render_bootstrap("cluster", {values_fixture("cluster-air-gap.yaml")});
  const YAML::Node kind = YAML::Load(files.at("kind-config.yaml"));
  REQUIRE(kind["containerdConfigPatches"].size() == 1);
  const std::string patch = kind["containerdConfigPatches"][0].as<std::string>();
  CHECK(patch.find("config_path = \"/etc/containerd/certs.d\"") != std::string::npos);
  CHECK(patch.find("registry.mirrors") == std::string::npos);  // never the old patch
  REQUIRE(kind["nodes"].size() == 4);  // three workers from the values file
  for (const auto& n : kind["nodes"]) CHECK(has_mount(n, "/srv/state/finops/containerd-certs.d", "/etc/containerd/certs.d"));
  CHECK(has_mount(kind["nodes"][0], "/srv/checkouts/sovereign-finops/.git", "/srv/git/sovereign-finops.git"));
  // The mirror's own hosts.toml (plain HTTP), and one per upstream: pulls go to the mirror,
  // under the image's path (no registry folder), and never upstream in an air gap.
  REQUIRE(files.count("containerd-certs.d/kind-registry:5000/hosts.toml"));
  CHECK(files.at("containerd-certs.d/kind-registry:5000/hosts.toml").find("server = \"http://kind-registry:5000\"") !=
        std::string::npos);
  for (const char* host : {"docker.io", "registry.k8s.io", "quay.io", "ghcr.io", "ecr-public.aws.com"}) {
    const std::string path = std::string("containerd-certs.d/") + host + "/hosts.toml";
    REQUIRE(files.count(path));
    const std::string& toml = files.at(path);
    CHECK(toml.find("server = \"http://kind-registry:5000\"") != std::string::npos);
    CHECK(toml.find("override_path") == std::string::npos);
    CHECK(toml.find("[host.") == std::string::npos);  // air gap: no upstream fallback
  }
  CHECK(files.size() == 7);
  const auto platform = render_bootstrap("platform", {values_fixture("platform-air-gap.yaml")});
  const YAML::Node app = YAML::Load(platform.at("root-application.yaml"));
  const YAML::Node values = app["spec"]["source"]["helm"]["valuesObject"];
  CHECK(values["registry"]["mirror"].as<std::string>() == "kind-registry:5000");
  CHECK(values["ingress"]["domain"].as<std::string>() == "finops.bank.example");
  CHECK(values["metallb"]["addresses"].size() == 2);
  CHECK(app["spec"]["source"]["targetRevision"].as<std::string>() == "v1.4.0");
}

TEST_CASE("bootstrap sets: --set over the values files, and fallback to the upstream", "[set]") {
  const auto files = render_bootstrap("cluster", {values_fixture("cluster-air-gap.yaml")},
                                      {"registry.upstreamFallback=true", "ingress.listenAddress=0.0.0.0",
                                       "registry.scheme=https"});
  const std::string& toml = files.at("containerd-certs.d/quay.io/hosts.toml");
  CHECK(toml.find("server = \"https://quay.io\"") != std::string::npos);
  CHECK(toml.find("[host.\"https://kind-registry:5000\"]") != std::string::npos);
  const YAML::Node kind = YAML::Load(files.at("kind-config.yaml"));
  CHECK(kind["nodes"][0]["extraPortMappings"][0]["listenAddress"].as<std::string>() == "0.0.0.0");
  const auto platform = render_bootstrap("platform", {values_fixture("platform-air-gap.yaml")}, {"metallb.addresses={}"});
  const YAML::Node app = YAML::Load(platform.at("root-application.yaml"));
  const YAML::Node addresses = app["spec"]["source"]["helm"]["valuesObject"]["metallb"]["addresses"];
  CHECK(addresses.IsSequence());
  CHECK(addresses.size() == 0);
}

TEST_CASE("bootstrap sets: what is missing or wrong is named", "[set]") {
  auto error_of = [&](const std::string& set_name, const std::vector<std::string>& files,
                      const std::vector<std::string>& sets) {
    const TemplateSet set = load_template_set(set_dir(set_name));
    try {
      render_set(set, load_values(set.values_file, files, sets));
    } catch (const sf::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string laptop = values_fixture("cluster-laptop.yaml");
  CHECK_THAT(error_of("cluster", {}, {}), Catch::Contains("'git.hostPath' is required and has no value"));
  CHECK_THAT(error_of("platform", {}, {}), Catch::Contains("'metallb.addresses' is required and has no value"));
  CHECK_THAT(error_of("cluster", {laptop}, {"registry.mirror=quay.io", "registry.certsHostPath=/c"}),
             Catch::Contains("output 'containerd-certs.d/quay.io/hosts.toml' is also made by"));
  CHECK_THAT(error_of("cluster", {laptop}, {"registry.mirror=kind-registry:5000"}),
             Catch::Contains("kind-config.yaml.mustache:") && Catch::Contains("'registry.certsHostPath' is required"));
  CHECK_THAT(error_of("cluster", {laptop}, {"git.hostPath=/a path/with \"quotes\""}), Catch::Equals("no error"));
  CHECK_THAT(error_of("cluster", {laptop}, {"ingress.httpPort=80: x"}), Catch::Contains("inserted unquoted"));
  CHECK_THAT(error_of("cluster", {laptop}, {"ingress.domain=x"}), Catch::Contains("check the spelling"));
  CHECK_THAT(error_of("cluster", {laptop}, {"cluster.workers=w"}),
             Catch::Contains("cluster.workers is a string, but the defaults") && Catch::Contains("declare a list"));
}

TEST_CASE("bootstrap sets: deterministic", "[set]") {
  const auto first = render_bootstrap("cluster", {values_fixture("cluster-air-gap.yaml")});
  for (int i = 0; i < 3; ++i) CHECK(render_bootstrap("cluster", {values_fixture("cluster-air-gap.yaml")}) == first);
  const auto root = render_bootstrap("platform", {values_fixture("platform-air-gap.yaml")});
  CHECK(render_bootstrap("platform", {values_fixture("platform-air-gap.yaml")}) == root);
}

TEST_CASE("template sets: index errors and each/when rules", "[set]") {
  sf::rm::test::ScratchDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    sf::rm::test::write_text(dir.path() / name, text);
  };
  write("values.yaml", "items: [{n: a}, {n: a}]\nflag: false\nname: x\n");
  write("t.yaml.mustache", "n: \"{{n}}\"\n");
  write("templates.yaml", "values: values.yaml\noutputs:\n  - template: t.yaml.mustache\n    path: \"{{n}}.yaml\"\n    each: items\n");
  const std::string d = dir.path().string();
  auto error_of = [&]() {
    try {
      const TemplateSet s = load_template_set(d);
      render_set(s, load_values(s.values_file, {}, {}));
    } catch (const sf::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of(), Catch::Contains("output 'a.yaml' is also made by") && Catch::Contains("templates.yaml:3"));
  write("templates.yaml", "values: values.yaml\noutputs:\n  - template: t.yaml.mustache\n    each: name\n");
  CHECK_THAT(error_of(), Catch::Contains("each: 'name' is a string"));
  write("templates.yaml", "values: values.yaml\noutputs:\n  - template: t.yaml.mustache\n    when: name\n");
  CHECK_THAT(error_of(), Catch::Contains("use a boolean, or 'name?'"));
  write("templates.yaml", "outputs:\n  - template: t.yaml.mustache\n    when: nope\n");
  CHECK_THAT(error_of(), Catch::Contains("when: undefined value 'nope'"));
  write("templates.yaml", "outputs:\n  - template: t.yaml.mustache\n    colour: red\n");
  CHECK_THAT(error_of(), Catch::Contains("unknown key 'colour'"));
  write("templates.yaml", "outputs: []\n");
  CHECK_THAT(error_of(), Catch::Contains("'outputs' must be a list"));
  write("templates.yaml", "values: values.yaml\noutputs:\n  - template: t.yaml.mustache\n    when: flag\n  - template: bad.yaml.mustache\n");
  write("bad.yaml.mustache", "a: [\"{{name}}\"\n");
  CHECK_THAT(error_of(), Catch::Contains("bad.yaml.mustache: renders invalid YAML for bad.yaml"));
  write("bad.yaml.mustache", "a: \"{{name}}\"\n");
  const TemplateSet s = load_template_set(d);
  const auto files = render_set(s, load_values(s.values_file, {}, {}));
  REQUIRE(files.size() == 1);  // when: flag is false
  CHECK(files.at("bad.yaml") == "a: \"x\"\n");  // path defaults to the template's name without .mustache
  CHECK(render_file((dir.path() / "bad.yaml.mustache").string(), load_values(s.values_file, {}, {})) == "a: \"x\"\n");
  CHECK_FALSE(is_template_set((dir.path() / "nope").string()));
  CHECK(is_template_set(d));
}
