#include "vault-seed/lifecycle.h"

#include <catch2/catch.hpp>

#include "common/base64.h"

using namespace sf::vs;

TEST_CASE("lifecycle: sys/health answers are read as states, whatever their code") {
  Reply r;
  r.status = 503;
  r.body = R"({"initialized":true,"sealed":true,"standby":true,"version":"2.0.4"})";
  parse_reply(r);
  const auto h = parse_health(r);
  REQUIRE(h);
  CHECK(h->initialized);
  CHECK(h->sealed);
  CHECK(h->version == "2.0.4");
  CHECK(h->cluster_id.empty());
  Reply active;
  active.status = 200;
  active.body = R"({"initialized":true,"sealed":false,"standby":false,"cluster_id":"c","cluster_name":"n"})";
  parse_reply(active);
  CHECK(parse_health(active)->cluster_id == "c");
  Reply status;
  status.status = 503;
  status.body = R"({"kind":"Status","apiVersion":"v1","message":"no endpoints available for service \"vault\"","code":503})";
  parse_reply(status);
  CHECK_FALSE(parse_health(status));  // the API server's 503 is not a sealed Vault
  Reply other;
  other.status = 200;
  other.body = R"({"errors":[]})";
  parse_reply(other);
  CHECK_FALSE(parse_health(other));
}

TEST_CASE("lifecycle: a generated root token is base64(token XOR otp), raw or padded") {
  const std::string otp = "0123456789abcdefghijklmnopqr";
  const std::string token = "hvs." + std::string(24, 'A');  // assembled: no token-like literal in Git
  std::string x(token.size(), '\0');
  for (size_t i = 0; i < token.size(); ++i) x[i] = static_cast<char>(token[i] ^ otp[i]);
  std::string encoded = sf::base64_encode(x);
  CHECK(decode_generated_root(encoded, otp) == token);
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  CHECK(decode_generated_root(encoded, otp) == token);
  CHECK_THROWS(decode_generated_root(encoded, "short"));
}
