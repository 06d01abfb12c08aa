// JSON Lines in and out: a streaming line reader over a file descriptor (bounded memory,
// line numbers for errors) and RapidJSON helpers that name the file, line and field.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf {

// Reads lines from a file or stdin ("-") in 256 KiB blocks; a line longer than max_line_bytes
// is a ParseError naming source:line. '\r' before '\n' is dropped.
class LineReader {
 public:
  explicit LineReader(const std::string& path_or_dash, size_t max_line_bytes = 16u << 20);
  LineReader(int fd, std::string source, size_t max_line_bytes = 16u << 20);  // fd not owned
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line (without its newline), valid until the next call. False at end of input.
  bool next(std::string_view& line);
  size_t line_number() const { return line_number_; }
  const std::string& source() const { return source_; }
  std::string where() const;  // "source:line"
  // True when the last line returned had no terminating newline (a truncated writer).
  bool last_line_unterminated() const { return unterminated_; }

 private:
  bool fill();

  int fd_;
  bool owns_fd_;
  std::string source_;
  size_t max_line_;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool unterminated_ = false;
  size_t line_number_ = 0;
};

// Writes one compact JSON object per line to a stdio stream, buffered.
class JsonLineWriter {
 public:
  explicit JsonLineWriter(std::FILE* out = stdout) : out_(out) {}
  void write(const rapidjson::Value& value);
  void flush() { std::fflush(out_); }

 private:
  std::FILE* out_;
  rapidjson::StringBuffer buffer_;
};

// Parses one line that must hold a JSON object; ParseError names `where` and the column.
rapidjson::Document parse_json_object(std::string_view text, const std::string& where);

// Field access with errors that name where and which field, and say what was expected.
const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name);
double require_number(const rapidjson::Value& object, std::string_view name, const std::string& where);
std::optional<double> optional_number(const rapidjson::Value& object, std::string_view name,
                                      const std::string& where);
std::string require_string(const rapidjson::Value& object, std::string_view name, const std::string& where);
std::optional<std::string> optional_string(const rapidjson::Value& object, std::string_view name,
                                           const std::string& where);

// Serialises a value compactly (for logs, tests and embedding).
std::string to_json(const rapidjson::Value& value);

}  // namespace sf
