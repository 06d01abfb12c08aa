#include "common/file_read.h"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include <catch2/catch.hpp>

#include "common/testing_files.h"

using sf::FileReadError;
using sf::testing::TempDir;
using sf::read_small_file;

namespace {

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

namespace {

// Runs `read` with stdin replaced by a pipe that a thread fills with `data`, then restores stdin.
template <typename Read>
void with_stdin_pipe(const std::string& data, Read read) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int saved = ::dup(STDIN_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(::dup2(fds[0], STDIN_FILENO) == STDIN_FILENO);
  ::close(fds[0]);
  std::thread writer([&] {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fds[1], data.data() + done, data.size() - done);
      if (n <= 0) break;  // the reader stopped at its cap and closed: EPIPE is expected here
      done += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  struct Restore {
    int saved;
    std::thread& writer;
    ~Restore() {
      ::dup2(saved, STDIN_FILENO);  // also closes the pipe's read end: a blocked writer ends
      ::close(saved);
      writer.join();
    }
  } restore{saved, writer};
  read();
}

}  // namespace

TEST_CASE("an input operand: - is stdin whatever it is (a pipe here), with the same cap", "[file_read]") {
  std::signal(SIGPIPE, SIG_IGN);
  const std::string text(200 * 1024, 'y');  // several pipe buffers
  with_stdin_pipe(text, [&] { CHECK(sf::read_small_input("-", text.size(), "values file") == text); });
  with_stdin_pipe(text, [&] {
    try {
      sf::read_small_input("-", 100 * 1024, "values file");
      FAIL("no error past the cap");
    } catch (const FileReadError& e) {
      CHECK(e.kind() == FileReadError::Kind::kTooLarge);
      CHECK(std::string(e.what()) ==
            "stdin: more than the 100 KiB a values file may have (reading stopped there); is this the right input?");
    }
  });
  // Any other operand is a file, with every refusal of read_small_file (a FIFO is not waited on).
  TempDir dir;
  CHECK(sf::read_small_input(dir.write("v.yaml", "a: 1\n"), 100, "values file") == "a: 1\n");
  const std::string fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(sf::read_small_input(fifo, 100, "values file"),
                    Catch::Contains("a FIFO (named pipe), not a regular file"));
  CHECK_THROWS_WITH(sf::read_small_input(dir.path.string(), 100, "values file"),
                    Catch::Contains("values file " + dir.path.string() + ": is a directory"));
}
