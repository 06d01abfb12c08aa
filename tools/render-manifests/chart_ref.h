// Helm charts as Argo CD sources name them (repoURL + chart + targetRevision) and as Chart.yaml
// dependencies do (repository + name + version), their pinning, and the mirror mapping of an
// air gap: every chart goes to the OCI registry MIRROR under the path of its repository,
//   https://metallb.github.io/metallb  metallb  -> oci://MIRROR/metallb.github.io/metallb  (MIRROR/metallb.github.io/metallb/metallb:0.16.1)
//   oci://ghcr.io/nginx/charts  nginx-ingress   -> oci://MIRROR/ghcr.io/nginx/charts        (MIRROR/ghcr.io/nginx/charts/nginx-ingress:2.6.4)
// (helm pull from the source, helm push to the mirror's folder: the layout an air-gap bundle
// holds). Path components are lower-cased; characters an OCI path cannot hold become '-'.
#pragma once

#include <string>
#include <string_view>

namespace sf::rm {

enum class ChartRepoType { kHttp, kOci };

struct ChartRef {
  std::string repo_url;  // as written ("oci://" may be absent: Argo CD's OCI form "ghcr.io/x")
  std::string chart;
  std::string version;
  ChartRepoType type = ChartRepoType::kHttp;
};

// Sets `type` from the URL; false with `error` for a URL that is neither http(s) nor OCI.
bool classify_chart_repo(ChartRef& ref, std::string& error);

// An exact SemVer 2 version (an optional leading 'v'): what Helm resolves to one chart.
// Ranges ("^1.2", "1.x", ">=1"), "*", "latest" and "" are not.
bool exact_chart_version(std::string_view version);

// The repository path inside the mirror: "metallb.github.io/metallb", "ghcr.io/nginx/charts".
std::string mirror_chart_path(const ChartRef& ref);
std::string mirror_chart_repo_url(const ChartRef& ref, std::string_view mirror);  // "oci://MIRROR/<path>"
std::string mirror_chart_ref(const ChartRef& ref, std::string_view mirror);       // "MIRROR/<path>/<chart>:<version>"

}  // namespace sf::rm
