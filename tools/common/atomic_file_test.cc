#include "common/atomic_file.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("atomic file: the target changes only on commit") {
  char name[] = "/tmp/sf-atomic-XXXXXX";
  const fs::path dir = ::mkdtemp(name);
  const fs::path path = dir / "report.html";
  { std::ofstream(path) << "old"; }
  {
    sf::AtomicFile f(path.string());
    std::fputs("new", f.stream());
    CHECK(slurp(path) == "old");  // not yet
    f.commit();
  }
  CHECK(slurp(path) == "new");
  {
    sf::AtomicFile f(path.string());
    std::fputs("abandoned", f.stream());
  }  // no commit: dropped
  CHECK(slurp(path) == "new");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);  // no temp file left
  fs::remove_all(dir);
}

TEST_CASE("atomic file: a missing directory is a usage error") {
  CHECK_THROWS_WITH(sf::AtomicFile("/nonexistent-dir/x.html"), Catch::Contains("/nonexistent-dir/x.html"));
}
