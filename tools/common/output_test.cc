#include "common/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/testing_files.h"

namespace fs = std::filesystem;

using sf::testing::read_file;
using sf::testing::TempDir;

TEST_CASE("output: a full device is a WriteError naming the stream, at the flush at the latest") {
  std::FILE* full = std::fopen("/dev/full", "w");
  REQUIRE(full != nullptr);
  sf::Output out(full, "stdout");
  out.write("a line\n");  // buffered by stdio
  CHECK_THROWS_WITH(out.flush(), Catch::Contains("stdout: write failed: No space left on device"));
  std::fclose(full);
}

TEST_CASE("output: a closed pipe is a broken-pipe WriteError, so the work stops") {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::close(fds[0]);
  std::FILE* w = ::fdopen(fds[1], "w");
  sf::Output out(w, "stdout");
  bool broken = false;
  try {
    for (int i = 0; i < 100000; ++i) out.write("x\n");
    out.flush();
  } catch (const sf::WriteError& e) {
    broken = e.broken_pipe();
    CHECK_THAT(e.what(), Catch::Contains("closed the pipe"));
  }
  CHECK(broken);
  std::fclose(w);
}

TEST_CASE("output file: a regular file is replaced only on commit, keeping its mode") {
  TempDir dir;
  const fs::path path = dir.path / "report.csv";
  { std::ofstream(path) << "old"; }
  ::chmod(path.c_str(), 0600);
  {
    sf::OutputFile f(path.string());
    CHECK(f.replaces_file());
    f.out().write("new");
    CHECK(read_file(path) == "old");
    f.commit();
  }
  CHECK(read_file(path) == "new");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  {
    sf::OutputFile f(path.string());
    f.out().write("abandoned");
  }  // no commit
  CHECK(read_file(path) == "new");
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("output file: a new file follows the umask") {
  TempDir dir;
  const mode_t old = ::umask(027);
  CHECK(sf::current_umask() == 027);
  {
    sf::OutputFile f((dir.path / "new.txt").string());
    f.out().write("x");
    f.commit();
  }
  ::umask(old);
  struct stat st {};
  REQUIRE(::stat((dir.path / "new.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
}

TEST_CASE("output file: a symlink keeps being a link to the replaced file") {
  TempDir dir;
  { std::ofstream(dir.path / "target.txt") << "old"; }
  fs::create_symlink(dir.path / "target.txt", dir.path / "link.txt");
  sf::OutputFile f((dir.path / "link.txt").string());
  f.out().write("new");
  f.commit();
  CHECK(fs::is_symlink(dir.path / "link.txt"));
  CHECK(read_file(dir.path / "target.txt") == "new");
}

TEST_CASE("output file: devices and FIFOs are written in place, never replaced") {
  {
    sf::OutputFile f(std::string("/dev/null"));
    CHECK_FALSE(f.replaces_file());
    f.out().write("gone");
    f.commit();
  }
  CHECK(fs::is_character_file("/dev/null"));
  {
    sf::OutputFile f(std::string("/dev/full"));
    CHECK_FALSE(f.replaces_file());
    f.out().write("x");
    CHECK_THROWS_WITH(f.commit(), Catch::Contains("/dev/full") && Catch::Contains("No space left"));
  }
  CHECK(fs::is_character_file("/dev/full"));
  TempDir dir;
  const fs::path fifo = dir.path / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  {
    sf::OutputFile f(fifo.string());
    CHECK_FALSE(f.replaces_file());
    f.out().write("through the fifo");
    f.commit();
  }
  char buffer[64] = {0};
  CHECK(::read(reader, buffer, sizeof buffer) == 16);
  CHECK(std::string(buffer) == "through the fifo");
  ::close(reader);
  CHECK(fs::is_fifo(fifo));
}

TEST_CASE("output file: stdout by name and a directory") {
  sf::OutputFile dash(std::string("-"));
  CHECK(&dash.out() == &sf::Output::standard());
  sf::OutputFile dev(std::string("/dev/stdout"));
  CHECK(&dev.out() == &sf::Output::standard());
  CHECK_THROWS_WITH(sf::OutputFile(std::string("/tmp")), Catch::Contains("is a directory"));
  CHECK_THROWS_AS(sf::OutputFile(std::string("/nonexistent-dir/x.csv")), sf::UsageError);
}
