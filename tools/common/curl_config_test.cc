#include "common/curl_config.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/error.h"

TEST_CASE("curl config lines quote the value as curl's parser reads it back") {
  CHECK(sf::curl_config_line("user", "alice:pa ss", "x") == "user = \"alice:pa ss\"\n");
  CHECK(sf::curl_config_line("header", "X-Vault-Token: hvs.1", "x") == "header = \"X-Vault-Token: hvs.1\"\n");
  CHECK(sf::curl_config_line("user", "a\\b\"c", "x") == "user = \"a\\\\b\\\"c\"\n");
  CHECK(sf::curl_config_line("user", "l1\nl2\r\t", "x") == "user = \"l1\\nl2\\r\\t\"\n");
  CHECK(sf::curl_config_line("user", "", "x") == "user = \"\"\n");
}

TEST_CASE("curl config lines refuse a NUL byte, naming what held it") {
  const std::string with_nul("a\0b", 3);
  CHECK_THROWS_WITH(sf::curl_config_line("user", with_nul, "secret/x key password"),
                    "secret/x key password holds a NUL byte, which a curl config file cannot carry");
}
