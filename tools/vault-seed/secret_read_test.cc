#include "vault-seed/secret_read.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using namespace sf::vs;

TEST_CASE("vault-seed get formats: one value, JSON of the keys, a curl config") {
  const std::map<std::string, std::string> values{{"username", "ops"}, {"password", "p\"w"}};
  CHECK(format_secret("secret/x", values, "password", ReadFormat::kValue) == "p\"w");
  CHECK(format_secret("secret/x", values, "", ReadFormat::kJson) == "{\"password\":\"p\\\"w\",\"username\":\"ops\"}\n");
  CHECK(format_secret("secret/x", values, "username", ReadFormat::kJson) == "{\"username\":\"ops\"}\n");
  CHECK(format_secret("secret/x", values, "", ReadFormat::kCurlConfig) == "user = \"ops:p\\\"w\"\n");
  CHECK(format_token("hvs.abc", ReadFormat::kCurlConfig) == "header = \"X-Vault-Token: hvs.abc\"\n");
  CHECK(format_token("hvs.abc", ReadFormat::kValue) == "hvs.abc");
}

TEST_CASE("vault-seed get formats refuse what they cannot write, naming the secret and key") {
  const std::map<std::string, std::string> values{{"password", "x"}};
  CHECK_THROWS_WITH(format_secret("secret/x", values, "user", ReadFormat::kValue),
                    "secret/x has no key 'user' (its keys: password)");
  CHECK_THROWS_WITH(format_secret("secret/x", values, "", ReadFormat::kCurlConfig),
                    "secret/x has no key 'username' (its keys: password)");
  CHECK_THROWS_AS(format_secret("secret/x", values, "", ReadFormat::kValue), sf::UsageError);
  CHECK_THROWS_AS(format_secret("secret/x", values, "password", ReadFormat::kCurlConfig), sf::UsageError);
  CHECK_THROWS_AS(format_token("t", ReadFormat::kJson), sf::UsageError);
  CHECK_THROWS_AS(parse_read_format("yaml"), sf::UsageError);
  CHECK(parse_read_format("curl-config") == ReadFormat::kCurlConfig);
}
