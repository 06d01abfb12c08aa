#include "vault-seed/init_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "common/file_read.h"
#include "vault-seed/test_support.h"

using namespace sf::vs;
using sf::vs::testing::TempDir;

namespace {
InitMaterial sample() {
  InitMaterial m;
  m.keys_b64 = {"a2V5MQ==", "a2V5Mg==", "a2V5Mw=="};
  m.keys_hex = {"6b657931", "6b657932", "6b657933"};
  m.shares = 3;
  m.threshold = 2;
  m.root_token = "hvs.root";
  m.created = "2026-12-01T00:00:00Z";
  m.vault = "Vault at http://127.0.0.1:8200";
  return m;
}
unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}
}  // namespace

TEST_CASE("init_file: the vault CLI's field names, and vault-seed's record, round-trip") {
  InitMaterial m = sample();
  m.cluster_id = "c1";
  m.seed_token = "hvs.seed";
  m.seed_token_accessor = "acc";
  m.root_token_revoked = true;
  const std::string text = init_file_text(m);
  CHECK_THAT(text, Catch::Contains("\"unseal_keys_b64\""));
  CHECK_THAT(text, Catch::Contains("\"unseal_threshold\": 2"));
  const InitMaterial back = parse_init_file(text, "f");
  CHECK(back.keys_b64 == m.keys_b64);
  CHECK(back.keys_hex == m.keys_hex);
  CHECK(back.threshold == 2);
  CHECK(back.root_token == "hvs.root");
  CHECK(back.cluster_id == "c1");
  CHECK(back.seed_token == "hvs.seed");
  CHECK(back.root_token_revoked);
  CHECK_THROWS_WITH(parse_init_file("{\"unseal_threshold\":2}", "f"), Catch::Contains("holds no unseal keys"));
  CHECK_THROWS_WITH(parse_init_file("{", "f"), Catch::Contains("do not delete it"));
}

TEST_CASE("init_file: created 0600 in a new 0700 folder, never overwritten") {
  TempDir dir;
  const std::string path = dir.file("state/cluster/vault-init.json");
  create_init_file(path, sample());
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir.file("state/cluster")) == 0700);
  CHECK(mode_of(dir.file("state")) == 0700);
  InitMaterial other = sample();
  other.keys_b64[0] = "b3RoZXI=";
  CHECK_THROWS_WITH(create_init_file(path, other), Catch::Contains("File exists"));
  CHECK(read_init_file(path)->keys_b64 == sample().keys_b64);
  // no temporary files left behind
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.file("state/cluster"))) ++files;
  CHECK(files == 1);
}

TEST_CASE("init_file: a file or folder others can read is refused") {
  TempDir dir;
  const std::string path = dir.file("s/vault-init.json");
  create_init_file(path, sample());
  ::chmod(path.c_str(), 0644);
  CHECK_THROWS_WITH(read_init_file(path), Catch::Contains("has mode 0644: other users can read the unseal keys"));
  ::chmod(path.c_str(), 0600);
  ::chmod(dir.file("s").c_str(), 0755);
  CHECK_THROWS_WITH(ensure_private_folder(path), Catch::Contains("chmod 700"));
  CHECK_FALSE(read_init_file(dir.file("none.json")));
}

TEST_CASE("init_file: updates keep the shares, replace atomically, and refuse other shares") {
  TempDir dir;
  const std::string path = dir.file("s/vault-init.json");
  create_init_file(path, sample());
  InitMaterial m = sample();
  m.seed_token = "hvs.seed";
  m.root_token.clear();
  m.root_token_revoked = true;
  {
    InitFileLock lock(path);
    update_init_file(path, m);
  }
  const auto back = read_init_file(path);
  CHECK(back->seed_token == "hvs.seed");
  CHECK(back->root_token.empty());
  CHECK(mode_of(path) == 0600);
  InitMaterial other = m;
  other.keys_hex[1] = "00";
  CHECK_THROWS_WITH(update_init_file(path, other), Catch::Contains("left untouched"));
}

TEST_CASE("init_file: an old file is moved aside, kept, never reused") {
  TempDir dir;
  const std::string path = dir.file("s/vault-init.json");
  create_init_file(path, sample());
  const std::string moved = move_init_file_aside(path);
  CHECK_THAT(moved, Catch::StartsWith(path + ".stale-"));
  CHECK_FALSE(read_init_file(path));
  CHECK(parse_init_file(sf::read_small_file(moved, 1 << 20, "t"), moved).root_token == "hvs.root");
  check_writable(path);  // the probe leaves nothing behind
  CHECK_FALSE(std::filesystem::exists(path));
}
