#include "render-manifests/chart_ref.h"

#include "common/strings.h"
#include "render-manifests/image_ref.h"

namespace sf::rm {
namespace {

bool digits(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool identifiers(std::string_view s) {
  if (s.empty()) return false;
  for (const auto& part : split(s, '.')) {
    if (part.empty()) return false;
    for (const char c : part)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')) return false;
  }
  return true;
}

// "Metallb.GitHub.io/x y/" -> "metallb.github.io/x-y": lower case, OCI-safe components.
std::string oci_path(std::string_view host_and_path) {
  std::string out;
  for (const auto& raw : split(host_and_path, '/')) {
    if (raw.empty()) continue;
    std::string component;
    for (const char c : to_lower(raw)) {
      const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      component += keep ? c : '-';
    }
    while (!component.empty() && !((component.front() >= 'a' && component.front() <= 'z') ||
                                   (component.front() >= '0' && component.front() <= '9')))
      component.erase(component.begin());
    while (!component.empty() && !((component.back() >= 'a' && component.back() <= 'z') ||
                                   (component.back() >= '0' && component.back() <= '9')))
      component.pop_back();
    if (component.empty()) continue;
    if (!out.empty()) out += '/';
    out += component;
  }
  return out;
}

std::string_view strip_scheme(std::string_view url) {
  const size_t scheme = url.find("://");
  url = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  if (const size_t at = url.find('@'); at != std::string_view::npos && at < url.find('/')) url = url.substr(at + 1);
  if (const size_t q = url.find_first_of("?#"); q != std::string_view::npos) url = url.substr(0, q);
  return url;
}

}  // namespace

bool classify_chart_repo(ChartRef& ref, std::string& error) {
  const std::string lower = to_lower(ref.repo_url);
  if (lower.starts_with("oci://")) {
    ref.type = ChartRepoType::kOci;
    return true;
  }
  if (lower.starts_with("https://") || lower.starts_with("http://")) {
    ref.type = ChartRepoType::kHttp;
    return true;
  }
  if (lower.find("://") == std::string::npos && !lower.empty()) {
    const size_t slash = lower.find('/');
    if (valid_registry(std::string_view(ref.repo_url).substr(0, slash))) {  // Argo CD's OCI form: "ghcr.io/x/charts"
      ref.type = ChartRepoType::kOci;
      return true;
    }
  }
  error = "repoURL is neither an http(s) Helm repository nor an OCI registry (oci://HOST/PATH)";
  return false;
}

bool exact_chart_version(std::string_view v) {
  if (!v.empty() && v[0] == 'v') v.remove_prefix(1);
  std::string_view build;
  if (const size_t plus = v.find('+'); plus != std::string_view::npos) {
    build = v.substr(plus + 1);
    if (!identifiers(build)) return false;
    v = v.substr(0, plus);
  }
  if (const size_t dash = v.find('-'); dash != std::string_view::npos) {
    if (!identifiers(v.substr(dash + 1))) return false;
    v = v.substr(0, dash);
  }
  const auto parts = split(v, '.');
  return parts.size() == 3 && digits(parts[0]) && digits(parts[1]) && digits(parts[2]);
}

std::string mirror_chart_path(const ChartRef& ref) {
  std::string_view rest = strip_scheme(ref.repo_url);
  const size_t slash = rest.find('/');
  const std::string host = mirror_component(rest.substr(0, slash));
  const std::string path = slash == std::string_view::npos ? "" : oci_path(rest.substr(slash + 1));
  return path.empty() ? oci_path(host) : oci_path(host) + "/" + path;
}

std::string mirror_chart_repo_url(const ChartRef& ref, std::string_view mirror) {
  return cat("oci://", mirror, '/', mirror_chart_path(ref));
}

std::string mirror_chart_ref(const ChartRef& ref, std::string_view mirror) {
  return cat(mirror, '/', mirror_chart_path(ref), '/', oci_path(ref.chart), ':', ref.version);
}

}  // namespace sf::rm
