// The one seam through which render-manifests writes its results: stdout, or a file replaced
// atomically (-o FILE), or a folder of files replaced as a whole (-o DIR for a template set).
// Every write is checked (a full disk or a closed pipe is an error), JSON is refused rather
// than written when a string is not UTF-8. At merge this is where tools/common's hardened
// writers (checked output, strict JSON writer, atomic -o files) plug in.
#pragma once

#include <rapidjson/document.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/atomic_file.h"

namespace sf::rm {

class Output {
 public:
  // "" or "-" writes to stdout; anything else is a file, replaced only by finish().
  explicit Output(const std::string& path = "", unsigned mode = 0644);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(std::string_view text);
  // One compact JSON object and a newline. Throws Error when a string is not valid UTF-8 or a
  // number is not finite, before anything of that line is written.
  void json_line(const rapidjson::Value& value);
  // Flushes and checks the stream; commits the file. Without finish() a file target is left
  // as it was.
  void finish();
  const std::string& name() const { return name_; }

 private:
  std::string name_;  // "stdout" or the path
  std::unique_ptr<AtomicFile> file_;
  std::FILE* stream_;
};

// Replaces the folder `dir` with exactly `files` (relative path -> content): they are written
// to a new folder beside it, then swapped in with two renames, so a reader sees the old set or
// the new one. A folder that exists, is not empty and lacks the marker file this function
// writes (".render-manifests") is refused: it was not made by this tool.
void replace_directory(const std::string& dir, const std::map<std::string, std::string>& files);

// The whole of a file or of stdin ("-"), at most `max_bytes` (an error names the limit).
std::string read_input(const std::string& path_or_dash, size_t max_bytes = 64u << 20);

}  // namespace sf::rm
