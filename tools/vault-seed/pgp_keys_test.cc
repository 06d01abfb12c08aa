#include "vault-seed/pgp_keys.h"

#include <catch2/catch.hpp>

#include "common/base64.h"
#include "common/error.h"

using namespace sf::vs;

namespace {
// An old-format public-key packet header (tag 6) and a body; not a usable key, enough for the
// first-packet check Vault's pgpkeys package does.
std::string public_key_packet() {
  std::string body = "\x04\x65\x00\x00\x00\x16";
  body += std::string(30, 'k');
  return std::string("\x98", 1) + static_cast<char>(body.size()) + body;
}

std::string armour(const std::string& binary, uint32_t crc) {
  const std::string b64 = sf::base64_encode(binary);
  std::string crc_bytes;
  crc_bytes += static_cast<char>((crc >> 16) & 0xff);
  crc_bytes += static_cast<char>((crc >> 8) & 0xff);
  crc_bytes += static_cast<char>(crc & 0xff);
  std::string text = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n";
  for (size_t i = 0; i < b64.size(); i += 64) text += b64.substr(i, 64) + "\n";
  text += "=" + sf::base64_encode(crc_bytes) + "\n-----END PGP PUBLIC KEY BLOCK-----\n";
  return text;
}
}  // namespace

TEST_CASE("pgp_keys: CRC-24 is RFC 4880's (check value of \"123456789\")") {
  CHECK(crc24("123456789") == 0x21CF02u);
  CHECK(crc24("") == 0xB704CEu);
}

TEST_CASE("pgp_keys: binary, armoured and base64 keys all become base64 of the binary key") {
  const std::string key = public_key_packet();
  const std::string want = sf::base64_encode(key);
  CHECK(pgp_key_from_content(key, "k.gpg") == want);
  CHECK(pgp_key_from_content(armour(key, crc24(key)), "k.asc") == want);
  CHECK(pgp_key_from_content(want + "\n", "k.b64") == want);
}

TEST_CASE("pgp_keys: a secret key, a damaged armour or other data is refused naming the file") {
  const std::string key = public_key_packet();
  CHECK_THROWS_WITH(pgp_key_from_content(armour(key, crc24(key) ^ 1), "k.asc"), Catch::Contains("CRC-24"));
  std::string secret = key;
  secret[0] = static_cast<char>(0x94);  // old format, tag 5: secret key
  CHECK_THROWS_WITH(pgp_key_from_content(secret, "s.gpg"), Catch::Contains("s.gpg is a secret key"));
  CHECK_THROWS_WITH(pgp_key_from_content("-----BEGIN PGP PRIVATE KEY BLOCK-----\n", "s.asc"),
                    Catch::Contains("secret key"));
  CHECK_THROWS_AS(pgp_key_from_content("hello world", "x"), sf::UsageError);
  CHECK_THROWS_WITH(pgp_key_from_content("", "x"), Catch::Contains("is empty"));
}
