#include "kind-wait/secret_refresh.h"

#include <catch2/catch.hpp>

using namespace sf::kw;

TEST_CASE("force-sync value: the Unix time, always a change", "[secret_refresh]") {
  CHECK(force_sync_value(1764140400, "") == "1764140400");
  CHECK(force_sync_value(1764140400, "1700000000") == "1764140400");
  // A second run within the same second (or a clock behind the last value) still changes it.
  CHECK(force_sync_value(1764140400, "1764140400") == "1764140401");
  CHECK(force_sync_value(1764140400, "1764140999") == "1764141000");
  // Someone else's value that is not a number is simply replaced.
  CHECK(force_sync_value(1764140400, "manual") == "1764140400");
}

TEST_CASE("force-sync count: what it says it did", "[secret_refresh]") {
  RefreshCount c;
  c.external_secrets = 9;
  c.secret_stores = 1;
  CHECK(c.describe() == "9 ExternalSecrets and 1 secret store");
  c.external_secrets = 1;
  c.secret_stores = 0;
  CHECK(c.describe() == "1 ExternalSecret and 0 secret stores");
}
