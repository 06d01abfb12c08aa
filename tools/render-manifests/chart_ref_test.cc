#include "render-manifests/chart_ref.h"

#include <catch2/catch.hpp>

#include "render-manifests/image_ref.h"

using namespace sf::rm;

namespace {
ChartRef chart(const std::string& url, const std::string& name, const std::string& version) {
  ChartRef r{url, name, version};
  std::string error;
  REQUIRE(classify_chart_repo(r, error));
  return r;
}
}  // namespace

TEST_CASE("charts: repository types", "[chart]") {
  CHECK(chart("https://metallb.github.io/metallb", "metallb", "0.16.1").type == ChartRepoType::kHttp);
  CHECK(chart("oci://ghcr.io/nginx/charts", "nginx-ingress", "2.6.4").type == ChartRepoType::kOci);
  CHECK(chart("ghcr.io/nginx/charts", "nginx-ingress", "2.6.4").type == ChartRepoType::kOci);  // Argo CD's form
  CHECK(chart("registry.local:5000/charts", "x", "1.0.0").type == ChartRepoType::kOci);
  ChartRef git{"git@github.com:org/repo.git", "x", "1.0.0"};
  std::string error;
  CHECK_FALSE(classify_chart_repo(git, error));
  CHECK_THAT(error, Catch::Contains("neither an http(s) Helm repository nor an OCI registry"));
  ChartRef ssh{"ssh://git@host/repo", "x", "1"};
  CHECK_FALSE(classify_chart_repo(ssh, error));
}

TEST_CASE("charts: exact versions only", "[chart]") {
  for (const char* v : {"0.16.1", "10.1.1", "v3.4.4", "1.0.0-rc.1", "2.5.17+build.7", "1.2.3-alpha-beta.0+x"})
    CHECK(exact_chart_version(v));
  for (const char* v : {"", "*", "latest", "HEAD", "main", "1.2", "1", "^1.2.3", "~1.2.3", ">=1.0.0", "1.x", "1.2.x",
                        "1.2.*", "01.2.3", "1.2.3-", "1.2.3+", "1.2.3 - 1.4.0", "1.2.3||2.0.0", "v", "1.2.3.4"})
    CHECK_FALSE(exact_chart_version(v));
}

TEST_CASE("charts: the mirror mapping", "[chart]") {
  const ChartRef metallb = chart("https://metallb.github.io/metallb", "metallb", "0.16.1");
  CHECK(mirror_chart_path(metallb) == "metallb.github.io/metallb");
  CHECK(mirror_chart_repo_url(metallb, "registry.local:5000") == "oci://registry.local:5000/metallb.github.io/metallb");
  CHECK(mirror_chart_ref(metallb, "registry.local:5000") == "registry.local:5000/metallb.github.io/metallb/metallb:0.16.1");
  const ChartRef nic = chart("oci://ghcr.io/nginx/charts", "nginx-ingress", "2.6.4");
  CHECK(mirror_chart_ref(nic, "m:5000") == "m:5000/ghcr.io/nginx/charts/nginx-ingress:2.6.4");
  CHECK(mirror_chart_ref(chart("ghcr.io/nginx/charts/", "nginx-ingress", "2.6.4"), "m:5000") ==
        "m:5000/ghcr.io/nginx/charts/nginx-ingress:2.6.4");
  CHECK(mirror_chart_path(chart("https://helm.releases.hashicorp.com", "vault", "0.34.1")) == "helm.releases.hashicorp.com");
  CHECK(mirror_chart_path(chart("https://user:pw@Charts.Example.com:8443/Team%20A/stable/?x=1", "c", "1.0.0")) ==
        "charts.example.com-8443/team-20a/stable");
  // Every mapped reference is a valid image-style reference in the mirror.
  for (const ChartRef& r : {metallb, nic, chart("https://charts.external-secrets.io", "external-secrets", "2.9.0"),
                            chart("https://prometheus-community.github.io/helm-charts", "prometheus", "29.27.0")}) {
    ImageRef parsed;
    std::string error;
    INFO(mirror_chart_ref(r, "registry.local:5000"));
    CHECK(parse_image_ref(mirror_chart_ref(r, "registry.local:5000"), parsed, error));
  }
}
