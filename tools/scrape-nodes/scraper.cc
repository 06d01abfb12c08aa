#include "scrape-nodes/scraper.h"

namespace sf::scrape {
namespace {

// First bytes of an error body, on one line, for the message.
std::string excerpt(const std::string& body) { return printable(trim(body.substr(0, 160)), 160); }

}  // namespace

std::string status_error(const Target& target, long status, const std::string& body, bool via_apiserver,
                         const std::string& peer, const std::string& location) {
  const bool kubelet = peer == "kubelet";
  const std::string url = redact_url(target.url);
  const std::string answer = cat("HTTP ", status, body.empty() ? "" : cat(" (", excerpt(body), ")"));
  if (status >= 300 && status < 400)
    return cat(url, ": ", answer, "; the server redirects",
               location.empty() ? std::string() : cat(" to ", printable(redact_urls_in(location), 200)),
               ", and redirects are not followed: give the URL it names");
  if (!via_apiserver && (status == 429 || status == 503))
    return cat(url, ": ", answer, "; the ", peer, " (or a proxy in front of it) is busy or limiting the rate, ",
               "still after the --retries given");
  if (!via_apiserver) return cat(url, ": ", answer, "; is this the ", peer, "'s metrics URL?");
  const std::string node = printable(target.node_name, 80);
  switch (status) {
    case 401:
      return cat(url, ": ", answer, "; the API server refused the kubeconfig's credentials: check the user's token ",
                 "or client certificate (kubectl --kubeconfig ... get nodes would be refused too)");
    case 403:
      return cat(url, ": ", answer, "; the kubeconfig's user may not use the node proxy: grant it RBAC verb 'get' on ",
                 "resource 'nodes/proxy' (a ClusterRole and ClusterRoleBinding)");
    case 404:
      return cat(url, ": ", answer, "; the API server has no node \"", node, "\": check the name (kind-wait --list nodes)");
    case 502:
    case 503:
    case 504:
      return cat(url, ": ", answer, "; the API server could not reach the ", kubelet ? "kubelet" : "exporter",
                 " on node \"", node, "\": ",
                 kubelet ? "is the node up and its kubelet running?" : "is node-exporter running there, on the --port given?");
    default:
      return cat(url, ": ", answer, "; through the API server's node proxy to node \"", node, "\"");
  }
}

std::string credentials_rejected(const Target& target, const std::string& body, const std::string& credentials_of) {
  return cat(redact_url(target.url), ": HTTP 401", body.empty() ? "" : cat(" (", excerpt(body), ")"),
             "; the API server rejected the credentials of ",
             credentials_of.empty() ? std::string("the kubeconfig's user") : credentials_of,
             ": an expired client certificate or token, or a kubeconfig from another cluster. Re-export the ",
             "kubeconfig (kind export kubeconfig, or your cluster's own way); every node would be refused alike, ",
             "so the run stops here");
}

}  // namespace sf::scrape
