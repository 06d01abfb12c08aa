// The one JSON writer of every tool: text that is always valid JSON and valid UTF-8, by
// construction. A number that is NaN or infinite, or a string that is not UTF-8, is refused
// with a JsonValueError naming the field, before any byte of the line is written (lines are
// built in memory, then written whole), so no tool can emit a cut or invalid line.
//
// Strings are escaped as RFC 8259 requires (", \ and C0 controls); numbers are integers when
// integral (8589934592, not 8589934592.0) and below 2^53, else the shortest text that reads
// back exactly (0.031611, 1e-07). Fast: keys are literals, strings are scanned 8 bytes at a
// time, numbers use std::to_chars (price-calc writes a million lines a second through it).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "common/error.h"

namespace sf::json {

// A value JSON cannot carry (exit code 1: a bug or a hostile input upstream, named by field).
class JsonValueError : public Error {
 public:
  explicit JsonValueError(const std::string& message) : Error(message, kExitFailed) {}
};

// Appends `text` quoted and escaped; throws JsonValueError (naming `field`) if it is not UTF-8.
void append_string(std::string& out, std::string_view text, std::string_view field = "");
// Appends `v`; throws JsonValueError (naming `field`) if it is NaN or infinite.
void append_number(std::string& out, double v, std::string_view field = "");
// Appends a RapidJSON DOM value with the same checks.
void append_value(std::string& out, const rapidjson::Value& value, std::string_view field = "");

using Labels = std::vector<std::pair<std::string, std::string>>;

// One object being appended to `out`: member by member, closed by close().
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  void close() { out_ += '}'; }

  // The key (a literal without characters to escape); returns the buffer to append a value to.
  std::string& key(std::string_view k);
  std::string& escaped_key(std::string_view k);  // any key, escaped and checked
  // A key already written as JSON, with its colon: "\"name\":" (tables of fields prepare them once).
  std::string& prepared_key(std::string_view quoted_key_and_colon) {
    if (!first_) out_ += ',';
    first_ = false;
    out_.append(quoted_key_and_colon);
    return out_;
  }
  void number(std::string_view k, double v) { append_number(key(k), v, k); }
  void optional(std::string_view k, const std::optional<double>& v) {
    if (v) append_number(key(k), *v, k);
    else key(k) += "null";
  }
  void text(std::string_view k, std::string_view v) { append_string(key(k), v, k); }
  void boolean(std::string_view k, bool v) { key(k) += v ? "true" : "false"; }
  void null(std::string_view k) { key(k) += "null"; }
  void labels(std::string_view k, const Labels& list);
  void raw(std::string_view k, std::string_view json) { escaped_key(k) += json; }  // already valid JSON

 private:
  std::string& out_;
  bool first_ = true;
};

// {"k":"v",...} of a label list (checked like every string).
std::string labels_json(const Labels& labels);

}  // namespace sf::json
