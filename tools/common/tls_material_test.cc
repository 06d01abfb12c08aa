#include "common/tls_material.h"

#include <catch2/catch.hpp>

#include "common/testing_pki.h"

using namespace sf::tls;

TEST_CASE("a certificate and its own key belong together, and another key does not", "[tls_material]") {
  const auto a = sf::testing::make_self_signed("a");
  const auto b = sf::testing::make_self_signed("b");
  CHECK(check_key_pair(a.certificate, a.key) == PairProblem::kNone);
  CHECK(check_key_pair(a.certificate, b.key) == PairProblem::kMismatch);
  CHECK(std::string(describe(PairProblem::kMismatch)).find("does not match") != std::string::npos);
}

TEST_CASE("text that is no PEM certificate or key is named as such", "[tls_material]") {
  const auto a = sf::testing::make_self_signed();
  CHECK(check_key_pair("not a certificate", a.key) == PairProblem::kNoCertificate);
  CHECK(check_key_pair(a.certificate, "not a key") == PairProblem::kNoKey);
  CHECK(check_key_pair(a.certificate, a.certificate) == PairProblem::kNoKey);
  CHECK(check_key_pair(a.key, a.key) == PairProblem::kNoCertificate);
}

TEST_CASE("CA bundles are counted certificate by certificate", "[tls_material]") {
  const auto a = sf::testing::make_self_signed("a");
  const auto b = sf::testing::make_self_signed("b");
  CHECK(count_certificates(a.certificate) == 1);
  CHECK(count_certificates(a.certificate + "# comment between\n" + b.certificate) == 2);
  CHECK(count_certificates("-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n") == 0);
  CHECK(count_certificates("") == 0);
}
