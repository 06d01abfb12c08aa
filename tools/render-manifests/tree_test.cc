#include "render-manifests/tree.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include "common/error.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;
namespace fs = std::filesystem;

TEST_CASE("tree: YAML files in order, chart templates and hidden folders skipped", "[tree]") {
  sf::rm::test::ScratchDir dir;
  const fs::path r = dir.path();
  for (const char* f : {"argocd/apps/b.yaml", "argocd/apps/a.yml", "argocd/root/Chart.yaml", "argocd/root/values.yaml",
                        "argocd/root/templates/app.yaml", "argocd/root/charts/sub/values.yaml", "argocd/.cache/x.yaml",
                        "argocd/README.md", "k8s/ns.yaml"})
    sf::rm::test::write_text(r / f, "a: 1\n");
  const auto files = list_tree({(r / "argocd").string(), (r / "k8s").string(), (r / "vault").string()}, true);
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(fs::relative(f.path, r).string() + (f.chart_yaml ? " (chart)" : ""));
  CHECK(names == std::vector<std::string>{"argocd/apps/a.yml", "argocd/apps/b.yaml", "argocd/root/Chart.yaml (chart)",
                                          "argocd/root/values.yaml", "k8s/ns.yaml"});
  CHECK_THROWS_WITH(list_tree({(r / "vault").string()}, false), Catch::Contains("no such file or folder"));
  // A file given by name is read whatever its extension.
  CHECK(list_tree({(r / "argocd/README.md").string()}, false).size() == 1);
  CHECK(default_tree_roots().front() == "argocd");
}
