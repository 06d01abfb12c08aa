#include "common/redact.h"

#include <catch2/catch.hpp>

TEST_CASE("redact_url hides the userinfo of a URL and nothing else") {
  CHECK(sf::redact_url("http://user:pass@host:9100/metrics") == "http://***@host:9100/metrics");
  CHECK(sf::redact_url("https://token@10.0.0.1/x") == "https://***@10.0.0.1/x");
  CHECK(sf::redact_url("http://host:9100/a@b") == "http://host:9100/a@b");  // '@' in the path
  CHECK(sf::redact_url("http://host/?q=a@b") == "http://host/?q=a@b");
  CHECK(sf::redact_url("http://u:p@ss@host/") == "http://***@host/");      // last '@' wins
  CHECK(sf::redact_url("host:9100") == "host:9100");
  CHECK(sf::redact_url("user@host") == "user@host");  // not a URL
  CHECK(sf::redact_url("") == "");
}

TEST_CASE("redact_urls_in redacts every URL inside a message") {
  CHECK(sf::redact_urls_in("GET http://a:b@h1/x failed; retry https://c@h2:1/ later") ==
        "GET http://***@h1/x failed; retry https://***@h2:1/ later");
  CHECK(sf::redact_urls_in("no url here") == "no url here");
  CHECK(sf::redact_urls_in("'http://u:p@h/'") == "'http://***@h/'");
  CHECK(sf::redact_urls_in("://x@y") == "://x@y");  // no scheme: left alone
}

TEST_CASE("valid_utf8 follows RFC 3629") {
  CHECK(sf::valid_utf8("plain"));
  CHECK(sf::valid_utf8("Zürich \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK_FALSE(sf::valid_utf8("\xC3"));              // cut sequence
  CHECK_FALSE(sf::valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(sf::valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(sf::valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(sf::valid_utf8("\xFF"));
}

TEST_CASE("printable escapes control characters and bad bytes, keeps text") {
  CHECK(sf::printable("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(sf::printable("\x1b[31mred") == "\\x1B[31mred");
  CHECK(sf::printable("\x7f") == "\\x7F");
  CHECK(sf::printable("\xC2\x9B") == "\\u009B");  // C1 CSI
  CHECK(sf::printable("Zürich") == "Zürich");
  CHECK(sf::printable("\xFFok") == "\\xFFok");
  CHECK(sf::printable(std::string(600, 'x'), 4) == "xxxx... (600 bytes in all)");
}
