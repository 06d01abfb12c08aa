#include "vault-seed/vault_path.h"

#include <catch2/catch.hpp>

using namespace sf::vs;

TEST_CASE("vault_path: plain paths pass, uncleaned ones are refused before Vault 2.0 sees them") {
  CHECK(path_problem("platform/opencost/basic-auth").empty());
  CHECK(path_problem("apps/demo/db").empty());
  CHECK(path_problem("a.b_c-d@e+f=g,h").empty());
  CHECK_THAT(path_problem("a//b"), Catch::Contains("empty segment"));
  CHECK_THAT(path_problem("/a"), Catch::Contains("empty segment"));
  CHECK_THAT(path_problem("a/"), Catch::Contains("empty segment"));
  CHECK_THAT(path_problem("a/./b"), Catch::Contains("\".\" segment"));
  CHECK_THAT(path_problem("a/../b"), Catch::Contains("\"..\" segment"));
  CHECK_THAT(path_problem("a b"), Catch::Contains("character ' '") || Catch::Contains("\\x20"));
  CHECK_THAT(path_problem("a?b"), Catch::Contains("'?'"));
  CHECK_THAT(path_problem(std::string("a\nb")), Catch::Contains("\\x0a"));
  CHECK_THAT(path_problem(""), Catch::Contains("empty"));
  CHECK_THAT(path_problem(std::string(600, 'a')), Catch::Contains("longer"));
}

TEST_CASE("vault_path: names are one segment") {
  CHECK(name_problem("external-secrets-read").empty());
  CHECK_THAT(name_problem("a/b"), Catch::Contains("'/'"));
  CHECK_THAT(name_problem(".."), Catch::Contains("segment"));
}

TEST_CASE("vault_path: api paths escape each segment and join canonically") {
  CHECK(api_path("secret/data/apps/demo/db") == "/v1/secret/data/apps/demo/db");
  CHECK(api_path("secret/data/a@b+c") == "/v1/secret/data/a%40b%2Bc");
  CHECK(join_path("secret", "data", "x/y") == "secret/data/x/y");
  CHECK(join_path("", "b") == "b");
  CHECK(join_path("a", "") == "a");
}
