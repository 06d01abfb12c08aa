#include "render-manifests/tree.h"

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "common/strings.h"

namespace fs = std::filesystem;

namespace sf::rm {

const std::vector<std::string>& default_tree_roots() {
  static const std::vector<std::string> roots{"argocd", "k8s", "vault", "opencost", "bootstrap"};
  return roots;
}

namespace {

bool yaml_name(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

void scan(const fs::path& dir, std::vector<TreeFile>& out) {
  std::vector<fs::directory_entry> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  if (ec) throw UsageError(cat(dir.string(), ": cannot list: ", ec.message()));
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path() < b.path(); });
  const bool chart_dir = fs::exists(dir / "Chart.yaml");
  for (const auto& e : entries) {
    const std::string name = e.path().filename().string();
    if (!name.empty() && name[0] == '.') continue;
    if (e.is_directory()) {
      if (chart_dir && (name == "templates" || name == "charts")) continue;
      scan(e.path(), out);
    } else if (e.is_regular_file() && yaml_name(e.path())) {
      out.push_back({e.path().lexically_normal().string(), name == "Chart.yaml"});
    }
  }
}

}  // namespace

std::vector<TreeFile> list_tree(const std::vector<std::string>& roots, bool skip_missing) {
  std::vector<TreeFile> out;
  for (const auto& root : roots) {
    std::error_code ec;
    const fs::path p(root);
    if (!fs::exists(p, ec)) {
      if (skip_missing) continue;
      throw UsageError(cat(root, ": no such file or folder"));
    }
    if (fs::is_directory(p, ec)) scan(p, out);
    else out.push_back({p.lexically_normal().string(), p.filename() == "Chart.yaml"});
  }
  return out;
}

}  // namespace sf::rm
