#include "vault-seed/report.h"

#include <catch2/catch.hpp>
#include <cstdio>

#include "common/error.h"
#include "vault-seed/test_support.h"

using namespace sf::vs;

namespace {
std::string read_back(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
  return out;
}
}  // namespace

TEST_CASE("report: JSON lines of kind vault_seed, written as they come") {
  std::FILE* f = std::tmpfile();
  Report r(Format::kJsonl, false, f);
  r.add({"secret", "secret/apps/demo/db", Action::kCreate, 1, "keys {a}"});
  CHECK(read_back(f) ==
        R"({"kind":"vault_seed","step":"secret","path":"secret/apps/demo/db","action":"create","version":1,"detail":"keys {a}","plan":false})"
        "\n");
  r.add({"mount", "secret/", Action::kUnchanged, std::nullopt, "kv\x1b[31m"});
  r.finish();
  const auto lines = read_back(f);
  CHECK_THAT(lines, Catch::Contains(R"("version":null)"));
  CHECK_THAT(lines, Catch::Contains("kv\\\\x1B[31m"));  // control characters made printable
  CHECK(r.changes() == 1);
  CHECK(r.count(Action::kUnchanged) == 1);
  std::fclose(f);
}

TEST_CASE("report: a table on a terminal, with a plan's summary") {
  std::FILE* f = std::tmpfile();
  Report r(Format::kTable, true, f);
  r.add({"secret", "secret/a", Action::kCreate, std::nullopt, "keys {x}"});
  r.add({"secret", "secret/b", Action::kError, std::nullopt, "seed.yaml:3: no"});
  CHECK(read_back(f).empty());  // rows wait for finish()
  r.finish();
  const std::string text = read_back(f);
  CHECK_THAT(text, Catch::StartsWith("STEP    PATH      PLAN"));
  CHECK_THAT(text, Catch::Contains("secret  secret/a  create  -        keys {x}"));
  CHECK_THAT(text, Catch::Contains("Plan: 1 to create, 0 to update, 0 unchanged, 1 errors"));
  CHECK(r.errors() == 1);
  std::fclose(f);
}

TEST_CASE("report: a full disk is an error, never a silently cut output") {
  std::FILE* full = std::fopen("/dev/full", "w");
  REQUIRE(full != nullptr);
  Report r(Format::kJsonl, false, full);
  CHECK_THROWS_AS(r.add({"secret", "secret/a", Action::kCreate, 1, ""}), sf::Error);
  std::fclose(full);
}
