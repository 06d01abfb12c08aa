// JSON Lines in and out: a streaming line reader over a file descriptor (bounded memory,
// line numbers for errors) and RapidJSON helpers that name the file, line and field.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/output.h"

namespace sf {

// Reads lines from a file or stdin ("-") in 256 KiB blocks; '\r' before '\n' is dropped. A line
// longer than max_line_bytes is a ParseError naming source:line; the reader then skips the
// rest of that line, so the caller may report it and go on with the next one. A path that
// cannot be opened, or is a directory, is a UsageError (exit 2).
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
  // Reads no more than `bytes` from here on (a snapshot of a file that others append to).
  void limit_to(uint64_t bytes) {
    limited_ = true;
    remaining_ = bytes;
  }

 private:
  bool fill();
  void skip_rest_of_line();  // after an overlong line: drop bytes up to the next newline

  int fd_;
  bool owns_fd_;
  std::string source_;
  size_t max_line_;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool unterminated_ = false;
  bool skipping_ = false;  // the previous line was too long: its rest is still unread
  bool limited_ = false;
  uint64_t remaining_ = 0;
  size_t line_number_ = 0;
};

// Writes one compact JSON object per line through a checked Output (common/output.h). Each
// line is built whole in memory first (common/json_writer.h): a value JSON cannot carry is a
// JsonValueError before anything is written, a failed write a WriteError.
class JsonLineWriter {
 public:
  explicit JsonLineWriter(Output& out) : out_(&out) {}
  // stdout: the process's Output::standard(); another stream: a checked Output over it.
  explicit JsonLineWriter(std::FILE* out = stdout);
  ~JsonLineWriter();
  void write(const rapidjson::Value& value);
  void write_line(std::string_view json_object);  // a complete object built with json::ObjectWriter
  void flush();
  Output& out() { return *out_; }

 private:
  std::unique_ptr<Output> owned_;
  Output* out_;
  std::string line_;
};

// Parses one line that must hold a JSON object, with bounded nesting (kMaxJsonDepth, checked
// without recursion) and UTF-8 validation; ParseError names `where` and the column.
constexpr int kMaxJsonDepth = 64;
rapidjson::Document parse_json_object(std::string_view text, const std::string& where);

// Field access with errors that name where and which field, and say what was expected.
const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name);
// A key given twice has no meaning a reader may pick (JSON leaves it open; FindMember takes the
// first): ParseError naming `where` and the key; `what` says whose key ("field", "label").
void refuse_duplicate_keys(const rapidjson::Value& object, const std::string& where, const char* what);
double require_number(const rapidjson::Value& object, std::string_view name, const std::string& where);
std::optional<double> optional_number(const rapidjson::Value& object, std::string_view name,
                                      const std::string& where);
std::string require_string(const rapidjson::Value& object, std::string_view name, const std::string& where);
std::optional<std::string> optional_string(const rapidjson::Value& object, std::string_view name,
                                           const std::string& where);

// Serialises a value compactly (for logs, tests and embedding).
std::string to_json(const rapidjson::Value& value);

}  // namespace sf
