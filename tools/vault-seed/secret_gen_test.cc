#include "vault-seed/secret_gen.h"

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>

#include "common/base64.h"

using namespace sf::vs;

namespace {
GenerateRule rule(GenerateKind kind, size_t length, size_t bytes = 0, std::string alphabet = "") {
  GenerateRule r;
  r.kind = kind;
  r.length = length;
  r.bytes = bytes;
  r.alphabet = std::move(alphabet);
  return r;
}
}  // namespace

TEST_CASE("secret_gen: characters come from the alphabet, at the asked length, different every time") {
  const std::string alnum = *named_alphabet("alnum");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string v = generate_value(rule(GenerateKind::kPassword, 32, 0, alnum));
    REQUIRE(v.size() == 32);
    CHECK(v.find_first_not_of(alnum) == std::string::npos);
    seen.insert(v);
  }
  CHECK(seen.size() == 50);
}

TEST_CASE("secret_gen: no modulo bias: with a 3-character alphabet each is about a third") {
  // 256 % 3 == 1: a naive byte % 3 would favour 'a' (86 of 256) over the others (85).
  // Over 300000 draws the counts must each be within 1% of 100000.
  const std::string v = generate_value(rule(GenerateKind::kAlphabet, 300000, 0, "abc"));
  std::map<char, int> counts;
  for (const char c : v) ++counts[c];
  REQUIRE(counts.size() == 3);
  for (const auto& [c, n] : counts) CHECK(std::abs(n - 100000) < 1000);
}

TEST_CASE("secret_gen: hex and base64 encode the asked number of random bytes") {
  const std::string h = generate_value(rule(GenerateKind::kHex, 0, 32));
  CHECK(h.size() == 64);
  CHECK(std::regex_match(h, std::regex("[0-9a-f]{64}")));
  const std::string b = generate_value(rule(GenerateKind::kBase64, 0, 32));
  std::string raw;
  REQUIRE(sf::base64_decode(b, raw));
  CHECK(raw.size() == 32);
  CHECK(generate_value(rule(GenerateKind::kHex, 0, 32)) != h);
}

TEST_CASE("secret_gen: uuids are RFC 4122 version 4") {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 20; ++i) CHECK(std::regex_match(generate_value(rule(GenerateKind::kUuid, 0)), v4));
}

TEST_CASE("secret_gen: wipe clears the bytes, SecretValue wipes on move and destruction") {
  std::string s = "secret";
  const char* data = s.data();
  wipe(s);
  CHECK(s.empty());
  CHECK(std::string(data, 6) == std::string(6, '\0'));  // small-string buffer: still ours to read
  SecretValue a(std::string("value"));
  SecretValue b(std::move(a));
  CHECK(a.empty());
  CHECK(b.get() == "value");
  CHECK(random_bytes(0).empty());
  CHECK(random_bytes(64).size() == 64);
}
