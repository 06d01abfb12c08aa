// Helpers shared by this tool's unit tests: fixtures under tests/render-manifests/ and a
// scratch folder removed at the end of each test.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sf::rm::test {

inline std::filesystem::path source_dir() { return std::filesystem::path(SF_SOURCE_DIR); }

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string fixture(const std::string& relative) {
  return read_text(source_dir() / "tests" / "render-manifests" / relative);
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Seven levels of ten aliases each: 10^7 nodes once expanded, from a few hundred bytes.
inline std::string alias_bomb() {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  const char* names[] = {"a", "b", "c", "d", "e", "f", "g"};
  for (int i = 1; i < 7; ++i) {
    bomb += std::string(names[i]) + ": &" + names[i] + " [";
    for (int j = 0; j < 10; ++j) bomb += std::string(j ? ", *" : "*") + names[i - 1];
    bomb += "]\n";
  }
  return bomb;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rm-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sf::rm::test
