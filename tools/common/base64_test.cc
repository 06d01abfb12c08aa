#include "common/base64.h"

#include <catch2/catch.hpp>
#include <string>

using sf::base64_decode;
using sf::base64_encode;

TEST_CASE("base64 decodes as Go's encoding/json reads []byte", "[base64]") {
  std::string out;
  REQUIRE(base64_decode("aGVsbG8=", out));
  CHECK(out == "hello");
  REQUIRE(base64_decode("aGVs\nbG8h\r\n", out));  // line breaks, as PEM-style wrapping leaves them
  CHECK(out == "hello!");
  REQUIRE(base64_decode("", out));
  CHECK(out.empty());
  REQUIRE(base64_decode("aGVsbG9=", out));  // non-zero trailing bits: Go's non-strict decoding accepts them
  CHECK(out == "hello");
}

TEST_CASE("base64 refuses what Go's StdEncoding refuses, leaving nothing behind", "[base64]") {
  std::string out = "stale";
  CHECK_FALSE(base64_decode("aGVsbG8", out));   // unpadded
  CHECK(out.empty());
  CHECK_FALSE(base64_decode("aGV*bG8=", out));  // outside the alphabet
  CHECK_FALSE(base64_decode("aGVs bG8=", out)); // spaces are not skipped, only \r and \n
  CHECK_FALSE(base64_decode("aG=sbG8=", out));  // padding in the middle
  CHECK_FALSE(base64_decode("a===", out));      // three pads
  CHECK_FALSE(base64_decode("aGVsbG8=aGVs", out));  // data after the padding
  CHECK_FALSE(base64_decode("aGVsbG8_", out));  // URL alphabet
}

TEST_CASE("base64 round-trips every byte value and every tail length", "[base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string out;
  for (size_t n = 0; n <= all.size(); n += (n < 8 ? 1 : 61)) {
    const std::string s = all.substr(0, n);
    const std::string encoded = base64_encode(s);
    CHECK(encoded.size() == (n + 2) / 3 * 4);
    REQUIRE(base64_decode(encoded, out));
    CHECK(out == s);
  }
  CHECK(base64_encode("\xff\xfe") == "//4=");
  CHECK(base64_encode("a") == "YQ==");
}
