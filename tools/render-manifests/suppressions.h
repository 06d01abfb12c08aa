// Findings a file allows on purpose, with the reason written beside them:
//   image: busybox:latest   # lint: allow unpinned-image the e2e test wants the moving tag
//   # lint: allow psa-level node-exporter reads the host's /proc and /sys (hostPath, hostPID)
//   apiVersion: v1
// A comment at the end of a line covers that line; a comment on a line of its own covers the
// next line that is not a comment or blank. The reason is required.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sf::rm {

struct Allow {
  size_t line = 0;        // where the comment is
  size_t covers = 0;      // the line whose findings it allows
  std::string rule;
  std::string reason;
  bool used = false;
};

std::vector<Allow> find_allows(std::string_view text);

}  // namespace sf::rm
