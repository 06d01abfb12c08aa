#include "common/atomic_file.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/testing_files.h"

namespace fs = std::filesystem;

using sf::testing::read_file;

TEST_CASE("atomic file: the target changes only on commit") {
  const sf::testing::TempDir temp;
  const fs::path& dir = temp.path;
  const fs::path path = dir / "report.html";
  { std::ofstream(path) << "old"; }
  {
    sf::AtomicFile f(path.string());
    std::fputs("new", f.stream());
    CHECK(read_file(path) == "old");  // not yet
    f.commit();
  }
  CHECK(read_file(path) == "new");
  {
    sf::AtomicFile f(path.string());
    std::fputs("abandoned", f.stream());
  }  // no commit: dropped
  CHECK(read_file(path) == "new");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);  // no temp file left
}

TEST_CASE("atomic file: a missing directory is a usage error") {
  CHECK_THROWS_WITH(sf::AtomicFile("/nonexistent-dir/x.html"), Catch::Contains("/nonexistent-dir/x.html"));
}
