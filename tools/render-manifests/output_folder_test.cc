#include "render-manifests/output_folder.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include "common/error.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;
namespace fs = std::filesystem;
using sf::rm::test::read_text;
using sf::rm::test::ScratchDir;

TEST_CASE("output folder: a set of outputs is swapped in whole", "[output_folder]") {
  ScratchDir dir;
  const std::string target = (dir.path() / "bootstrap").string();
  replace_directory(target, {{"a.yaml", "a: 1\n"}, {"sub/b.toml", "b = 2\n"}});
  CHECK(read_text(fs::path(target) / "a.yaml") == "a: 1\n");
  CHECK(read_text(fs::path(target) / "sub" / "b.toml") == "b = 2\n");
  CHECK(fs::exists(fs::path(target) / ".render-manifests"));
  // A second render replaces the set: a file no longer rendered is gone.
  replace_directory(target, {{"a.yaml", "a: 3\n"}});
  CHECK(read_text(fs::path(target) / "a.yaml") == "a: 3\n");
  CHECK_FALSE(fs::exists(fs::path(target) / "sub"));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}) == 1);  // no .new or .old left
  // A folder this tool did not make is refused, and left alone.
  const fs::path foreign = dir.path() / "home";
  sf::rm::test::write_text(foreign / "notes.txt", "mine\n");
  CHECK_THROWS_WITH(replace_directory(foreign.string(), {{"a.yaml", "x"}}), Catch::Contains("not made by render-manifests"));
  CHECK(read_text(foreign / "notes.txt") == "mine\n");
  // An empty folder is fine; a path escaping the folder is not.
  fs::create_directories(dir.path() / "empty");
  CHECK_NOTHROW(replace_directory((dir.path() / "empty").string(), {{"a.yaml", "x"}}));
  CHECK_THROWS_WITH(replace_directory(target, {{"../evil.yaml", "x"}}), Catch::Contains("must be a relative path inside"));
  CHECK_THROWS_WITH(replace_directory(target, {{"/etc/evil", "x"}}), Catch::Contains("must be a relative path inside"));
  CHECK(read_text(fs::path(target) / "a.yaml") == "a: 3\n");
}
