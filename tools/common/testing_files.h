// Test-only: a temporary folder removed with its contents, files written into it and read back
// (header-only; included by *_test.cc files).
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace sf::testing {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sf-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes `text` to `name` (folders created), with `mode`; returns the path.
  std::string write(const std::string& name, const std::string& text, int mode = 0600) const {
    const std::filesystem::path p = path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    ::chmod(p.c_str(), static_cast<mode_t>(mode));
    return p.string();
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// The bytes of a file (empty when it cannot be read: the CHECK comparing them then fails).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Back-dates a file, e.g. so that the "being written right now" retry does not apply.
inline void make_old(const std::string& path) {
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));
}

}  // namespace sf::testing
