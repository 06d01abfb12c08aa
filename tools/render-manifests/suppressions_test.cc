#include "render-manifests/suppressions.h"

#include <catch2/catch.hpp>

using namespace sf::rm;

TEST_CASE("suppressions: trailing and preceding comments", "[allow]") {
  const auto allows = find_allows(
      "a: 1\n"
      "image: busybox:latest   # lint: allow unpinned-image the e2e test wants the moving tag\n"
      "# lint: allow psa-level node-exporter reads the host's /proc\n"
      "# another comment\n"
      "\n"
      "apiVersion: v1\n"
      "url: \"http://x/#lint: allow nothing\"\n"
      "#   lint: allow resources\n"
      "# lint: allow ingress-host at the end\n");
  REQUIRE(allows.size() == 4);
  CHECK(allows[0].line == 2);
  CHECK(allows[0].covers == 2);
  CHECK(allows[0].rule == "unpinned-image");
  CHECK(allows[0].reason == "the e2e test wants the moving tag");
  CHECK(allows[1].line == 3);
  CHECK(allows[1].covers == 6);  // past comments and blank lines
  CHECK(allows[1].rule == "psa-level");
  CHECK(allows[2].rule == "resources");
  CHECK(allows[2].reason.empty());
  CHECK(allows[2].covers == 0);  // only comments follow: nothing to cover
  CHECK(allows[3].covers == 0);  // nothing after it
}
