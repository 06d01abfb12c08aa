#include "vault-seed/key_source.h"

#include <catch2/catch.hpp>

#include "vault-seed/test_support.h"

using namespace sf::vs;
using sf::vs::testing::FakeEnv;
using sf::vs::testing::TempDir;

TEST_CASE("key_source: files are read as they are, variables as set, generated values made here") {
  TempDir dir;
  FakeEnv env;
  env.values["DB_PASSWORD"] = "from-env";
  KeySource file;
  file.type = SourceType::kFile;
  file.file = dir.write("tls.crt", "-----BEGIN CERTIFICATE-----\nx\n", 0600);
  CHECK(read_source(file, env).get() == "-----BEGIN CERTIFICATE-----\nx\n");
  CHECK(source_problem(file, env).empty());
  KeySource var;
  var.type = SourceType::kEnv;
  var.env = "DB_PASSWORD";
  CHECK(read_source(var, env).get() == "from-env");
  KeySource gen;
  gen.generate.kind = GenerateKind::kUuid;
  CHECK(read_source(gen, env).get().size() == 36);
}

TEST_CASE("key_source: a missing file, an unset variable or binary data is a SourceError saying which") {
  TempDir dir;
  FakeEnv env;
  KeySource file;
  file.type = SourceType::kFile;
  file.file = dir.file("missing.crt");
  CHECK_THROWS_AS(read_source(file, env), SourceError);
  CHECK_THAT(source_problem(file, env), Catch::Contains("missing.crt cannot be read"));
  file.file = dir.write("bin", std::string("\xff\xfe\x00", 3));
  CHECK_THROWS_WITH(read_source(file, env), Catch::Contains("not UTF-8 text"));
  file.file = dir.write("empty", "");
  CHECK_THROWS_WITH(read_source(file, env), Catch::Contains("is empty"));
  KeySource var;
  var.type = SourceType::kEnv;
  var.env = "UNSET_X";
  CHECK_THROWS_WITH(read_source(var, env), Catch::Contains("UNSET_X is not set"));
  CHECK_THAT(source_problem(var, env), Catch::Contains("UNSET_X is not set"));
}
