#include "render-manifests/output.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include "common/error.h"
#include "render-manifests/test_support.h"

using namespace sf::rm;
namespace fs = std::filesystem;
using sf::rm::test::read_text;
using sf::rm::test::ScratchDir;

TEST_CASE("output: a file is replaced only when complete", "[output]") {
  ScratchDir dir;
  const std::string path = (dir.path() / "facts.env").string();
  sf::rm::test::write_text(path, "OLD=1\n");
  {
    Output out(path);
    out.write("NEW=2\n");
    CHECK(read_text(path) == "OLD=1\n");  // not yet
  }  // no finish(): abandoned
  CHECK(read_text(path) == "OLD=1\n");
  Output out(path);
  out.write("NEW=2\n");
  out.finish();
  CHECK(read_text(path) == "NEW=2\n");
  size_t leftovers = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) leftovers += e.path().filename() != "facts.env";
  CHECK(leftovers == 0);
}

TEST_CASE("output: JSON lines refuse invalid UTF-8 instead of writing it", "[output]") {
  ScratchDir dir;
  const std::string path = (dir.path() / "x.jsonl").string();
  Output out(path);
  rapidjson::Document doc(rapidjson::kObjectType);
  doc.AddMember("ok", "fine", doc.GetAllocator());
  out.json_line(doc);
  rapidjson::Document bad(rapidjson::kObjectType);
  bad.AddMember("bad", rapidjson::Value("\xc3\x28", bad.GetAllocator()), bad.GetAllocator());
  CHECK_THROWS_WITH(out.json_line(bad), Catch::Contains("invalid UTF-8"));
  out.finish();
  CHECK(read_text(path) == "{\"ok\":\"fine\"}\n");
}

TEST_CASE("output: a folder of outputs is swapped in whole", "[output]") {
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

TEST_CASE("output: reading inputs with a cap", "[output]") {
  ScratchDir dir;
  const fs::path p = dir.path() / "in.json";
  sf::rm::test::write_text(p, std::string(2000, 'x'));
  CHECK(read_input(p.string()).size() == 2000);
  CHECK_THROWS_WITH(read_input(p.string(), 1000), Catch::Contains("larger than"));
  CHECK_THROWS_WITH(read_input((dir.path() / "missing").string()), Catch::Contains("cannot read"));
  CHECK_THROWS_WITH(read_input(dir.path().string()), Catch::Contains("read failed"));
}
