#include "common/file_read.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using sf::FileReadError;
using sf::read_small_file;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "file-read-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
};

FileReadError::Kind kind_of(const std::string& path, size_t cap, std::string* message = nullptr) {
  try {
    read_small_file(path, cap, "kubeconfig");
  } catch (const FileReadError& e) {
    if (message) *message = e.what();
    REQUIRE(e.exit_code() == sf::kExitUsage);
    return e.kind();
  }
  FAIL("no error for " << path);
  return FileReadError::Kind::kMissing;
}

}  // namespace

TEST_CASE("a small file is read whole, bytes exactly, up to and including the cap", "[file_read]") {
  TempDir dir;
  const std::string text("a\0b\r\nc", 6);
  const std::string path = dir.write("f", text);
  CHECK(read_small_file(path, 6, "kubeconfig") == text);
  CHECK(read_small_file(dir.write("empty", ""), 0, "kubeconfig").empty());
}

TEST_CASE("one byte over the cap is an error naming the file, its size and the cap, not a cut", "[file_read]") {
  TempDir dir;
  const std::string path = dir.write("big", std::string(1025, 'x'));
  std::string message;
  CHECK(kind_of(path, 1024, &message) == FileReadError::Kind::kTooLarge);
  CHECK(message == "kubeconfig " + path + ": is 1025 bytes, more than the 1 KiB a kubeconfig may have; is this the right file?");
}

TEST_CASE("missing, directory, FIFO and unreadable files are refused with what to do, never waited on", "[file_read]") {
  TempDir dir;
  std::string message;
  CHECK(kind_of((dir.path / "nope").string(), 100, &message) == FileReadError::Kind::kMissing);
  CHECK(message.find("no such file; check the path") != std::string::npos);
  CHECK(kind_of((dir.path / "nope" / "deeper").string(), 100) == FileReadError::Kind::kMissing);
  CHECK(kind_of(dir.path.string(), 100, &message) == FileReadError::Kind::kNotRegular);
  CHECK(message.find("is a directory, not a regular file") != std::string::npos);
  const std::string fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(kind_of(fifo, 100, &message) == FileReadError::Kind::kNotRegular);  // returns at once: no writer needed
  CHECK(message.find("a FIFO") != std::string::npos);
  CHECK(kind_of("/dev/null", 100) == FileReadError::Kind::kNotRegular);
  // A symlink loop cannot be opened even by root (unlike a mode-000 file).
  const std::string loop = (dir.path / "loop").string();
  REQUIRE(::symlink(loop.c_str(), loop.c_str()) == 0);
  CHECK(kind_of(loop, 100, &message) == FileReadError::Kind::kUnreadable);
  CHECK(message.find("cannot open it (Too many levels of symbolic links); check its permissions") != std::string::npos);
}

TEST_CASE("sizes in messages read the way limits are written", "[file_read]") {
  CHECK(sf::describe_size(4u << 20) == "4 MiB");
  CHECK(sf::describe_size(512 * 1024) == "512 KiB");
  CHECK(sf::describe_size(1000) == "1000 bytes");
  CHECK(sf::describe_size(1) == "1 byte");
}
