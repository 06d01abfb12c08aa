#include "render-manifests/inventory.h"

#include <catch2/catch.hpp>

#include <set>

#include "render-manifests/inventory_report.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;

namespace {

Inventory inventory_of(const std::string& name, const std::string& text, bool chart_yaml = false) {
  Inventory inv;
  collect(parse_yaml_file(name, text), chart_yaml, inv);
  return inv;
}

std::vector<std::string> images_of(const Inventory& inv) {
  std::vector<std::string> out;
  for (const auto& i : inv.images) out.push_back(i.error.empty() ? i.ref.str() + "@" + i.where.text() : "!" + i.raw);
  return out;
}

}  // namespace

TEST_CASE("inventory: rendered Helm output, every workload kind", "[inventory]") {
  const Inventory inv = inventory_of("stdin", sf::rm::test::fixture("rendered/sample-platform.yaml"));
  std::set<std::string> refs;
  for (const auto& i : inv.images) {
    CHECK(i.error.empty());
    refs.insert(i.ref.str());
  }
  CHECK(refs == std::set<std::string>{
                    "docker.io/envoyproxy/envoy:v1.36.2",
                    "docker.io/library/busybox:latest",   // the Pod's ephemeral container
                    "docker.io/library/redis",            // StatefulSet, unpinned
                    "docker.io/prom/node-exporter:v1.12.1",  // DaemonSet
                    "ecr-public.aws.com/docker/library/busybox:1.37.0",  // CronJob's init container
                    "ghcr.io/example/worker:1.8.0",       // CronJob and Pod
                    "localhost:5001/legacy/app:0.9",      // a ReplicaSet inside a List
                    "quay.io/example/api:2.4.1@sha256:0d8c6b8e6a5f6e4f0a3b1b7c9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a1b3c5d7e",
                    "registry.k8s.io/kubectl:v1.34.3",    // a hook Job
                });
  size_t from_deployment = 0;
  for (const auto& i : inv.images)
    if (i.helm_source == "sample-platform/templates/deployment.yaml") ++from_deployment;
  CHECK(from_deployment == 3);  // init container, container, sidecar
  CHECK(inv.charts.empty());
}

TEST_CASE("inventory: Applications, their charts and values", "[inventory]") {
  const std::string text =
      "apiVersion: argoproj.io/v1alpha1\n"          // 1
      "kind: Application\n"                         // 2
      "metadata: {name: vault, namespace: argocd}\n"  // 3
      "spec:\n"                                     // 4
      "  sources:\n"                                // 5
      "    - repoURL: https://helm.releases.hashicorp.com\n"  // 6
      "      chart: vault\n"                        // 7
      "      targetRevision: 0.34.1\n"              // 8
      "      helm:\n"                               // 9
      "        valuesObject:\n"                     // 10
      "          server:\n"                         // 11
      "            image: {repository: hashicorp/vault, tag: \"2.0.4\"}\n"  // 12
      "        values: |\n"                         // 13
      "          injector:\n"                       // 14
      "            agentImage:\n"                   // 15
      "              registry: docker.io\n"         // 16
      "              repository: hashicorp/vault-k8s\n"  // 17
      "              tag: 1.7.6\n"                  // 18
      "    - repoURL: oci://ghcr.io/nginx/charts\n"  // 19
      "      chart: nginx-ingress\n"                // 20
      "      targetRevision: 2.6.*\n"               // 21
      "    - repoURL: git://git-server.git-server.svc/sovereign-finops\n"  // 22
      "      path: k8s/vault\n"                     // 23
      "      targetRevision: HEAD\n"                // 24
      "---\n"                                       // 25
      "apiVersion: argoproj.io/v1alpha1\n"          // 26
      "kind: ApplicationSet\n"                      // 27
      "spec:\n"                                     // 28
      "  template:\n"                               // 29
      "    spec:\n"                                 // 30
      "      source:\n"                             // 31
      "        repoURL: https://metallb.github.io/metallb\n"  // 32
      "        chart: metallb\n"                    // 33
      "        targetRevision: 0.16.1\n";           // 34
  const YamlFile parsed = parse_yaml_file("argocd/apps/vault.yaml", text);
  Inventory inv;
  collect(parsed, false, inv);
  CHECK(scalar_at(parsed.documents[0].root, "kind") == "Application");  // the document is left as it was
  CHECK(images_of(inv) == std::vector<std::string>{"docker.io/hashicorp/vault:2.0.4@argocd/apps/vault.yaml:12",
                                                   "docker.io/hashicorp/vault-k8s:1.7.6@argocd/apps/vault.yaml:15"});
  CHECK(inv.images[0].field == "spec.sources[0].helm.valuesObject.server.image");
  CHECK(inv.images[1].field == "spec.sources[0].helm.values.injector.agentImage");
  REQUIRE(inv.charts.size() == 3);  // the Git source is not a chart
  CHECK(inv.charts[0].ref.chart == "vault");
  CHECK(inv.charts[0].where.line == 7);
  CHECK(inv.charts[1].ref.type == ChartRepoType::kOci);
  CHECK(inv.charts[1].ref.version == "2.6.*");
  CHECK(inv.charts[2].ref.chart == "metallb");
  CHECK(inv.charts[2].where.line == 33);
}

TEST_CASE("inventory: an Application's inline overrides are not images of their own", "[inventory]") {
  // As the root chart renders them with a mirror: only the repository changes, the tag stays in
  // the chart's values or the value files.
  const std::string app =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: argocd, namespace: argocd}\n"
      "spec:\n  sources:\n    - repoURL: https://argoproj.github.io/argo-helm\n      chart: argo-cd\n"
      "      targetRevision: 10.1.1\n      helm:\n        valueFiles: [$values/argocd/argo-cd/values.yaml]\n"
      "        valuesObject:\n          global: {image: {repository: m:5000/argoproj/argocd}}\n"
      "          redis: {image: {repository: m:5000/docker/library/redis, tag: \"\"}}\n"
      "    - repoURL: git://git-server.git-server.svc.cluster.local/sovereign-finops.git\n      path: k8s/apps/demo\n"
      "      targetRevision: HEAD\n      helm:\n        valuesObject: {image: {repository: m:5000/library/postgres}}\n";
  const Inventory inline_values = inventory_of("app.yaml", app);
  REQUIRE(inline_values.images.size() == 1);  // an explicit empty tag still counts
  CHECK(inline_values.images[0].ref.path == "docker/library/redis");
  // In a values file the same map is an image, its tag left to the chart: unpinned.
  const Inventory values_file = inventory_of("values.yaml", "global:\n  image:\n    repository: quay.io/argoproj/argocd\n");
  REQUIRE(values_file.images.size() == 1);
  CHECK_FALSE(values_file.images[0].ref.pinned());
}

TEST_CASE("inventory: values files, Chart.yaml dependencies, bad references", "[inventory]") {
  const Inventory values = inventory_of(
      "vault/values.yaml",
      "server:\n  image:\n    repository: hashicorp/vault\n    tag: 2.0.4\n"
      "opencost:\n  exporter:\n    image:\n      registry: ghcr.io\n      repository: opencost/opencost\n"
      "      tag: 1.120.1@sha256:b0701f9b\n"
      "ui:\n  image: \"{{ .Values.ui.repo }}\"\n  imagePullPolicy: IfNotPresent\n  image2: nginx\n");
  REQUIRE(values.images.size() == 3);
  CHECK(values.images[0].ref.str() == "docker.io/hashicorp/vault:2.0.4");
  CHECK(values.images[0].where.line == 2);
  CHECK_FALSE(values.images[1].error.empty());  // a tag with an '@' in it: not a valid reference
  CHECK_FALSE(values.images[2].error.empty());  // a template expression
  CHECK(values.images[2].raw == "{{ .Values.ui.repo }}");

  const Inventory chart = inventory_of(
      "argocd/root/Chart.yaml",
      "apiVersion: v2\nname: root\nversion: 0.1.0\ndependencies:\n"
      "  - name: common\n    version: 2.31.4\n    repository: oci://registry-1.docker.io/bitnamicharts\n"
      "  - name: local\n    version: 0.1.0\n    repository: file://../local\n",
      true);
  REQUIRE(chart.charts.size() == 1);
  CHECK(chart.charts[0].ref.chart == "common");
  CHECK(chart.charts[0].where.line == 5);
}

TEST_CASE("inventory report: one row per image, every place, mirror names", "[inventory]") {
  Inventory inv;
  collect(parse_yaml_file("a.yaml", "x:\n  image: nginx:1.27\ny:\n  image: docker.io/library/nginx:1.27\nz:\n  image: Bad\n"),
          false, inv);
  const auto rows = image_rows(inv, "registry.local:5000");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].error);  // "!Bad" sorts first
  CHECK_FALSE(rows[1].error);
  CHECK(rows[1].list_line == "docker.io/library/nginx:1.27 registry.local:5000/library/nginx:1.27");
  bool where_ok = false;
  for (const auto& f : rows[1].fields)
    if (f.name == "where") where_ok = f.items == std::vector<std::string>{"a.yaml:2", "a.yaml:4"};
  CHECK(where_ok);
  CHECK_THROWS(parse_report_format("csv"));
}

TEST_CASE("inventory report: two sources one mirror name is an error, not an overwrite", "[inventory]") {
  Inventory inv;
  collect(parse_yaml_file("a.yaml", "x:\n  image: docker.io/bitnami/redis:7\ny:\n  image: ghcr.io/bitnami/redis:7\n"), false, inv);
  const auto rows = image_rows(inv, "m:5000");
  REQUIRE(rows.size() == 2);
  CHECK_FALSE(rows[0].error);
  CHECK(rows[1].error);
  bool named = false;
  for (const auto& f : rows[1].fields)
    if (f.name == "error") named = f.text.find("m:5000/bitnami/redis:7 is also the mirror name of docker.io/bitnami/redis:7") != std::string::npos;
  CHECK(named);
  CHECK_FALSE(image_rows(inv, "")[1].error);  // without a mirror both are fine
}
