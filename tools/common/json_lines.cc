#include "common/json_lines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "common/error.h"
#include "common/flat_json_scanner.h"
#include "common/json_writer.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf {

namespace {
constexpr size_t kBlock = 256u << 10;
}

LineReader::LineReader(const std::string& path_or_dash, size_t max_line_bytes)
    : fd_(0), owns_fd_(false), source_(path_or_dash == "-" ? "<stdin>" : path_or_dash), max_line_(max_line_bytes) {
  if (path_or_dash != "-") {
    fd_ = ::open(path_or_dash.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw UsageError(cat(path_or_dash, ": cannot open: ", std::strerror(errno), "; check the path and permissions"));
    owns_fd_ = true;
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd_);
      throw UsageError(cat(path_or_dash, ": is a directory; give a file (or - for stdin)"));
    }
  }
  buffer_.resize(kBlock);
}

LineReader::LineReader(int fd, std::string source, size_t max_line_bytes)
    : fd_(fd), owns_fd_(false), source_(std::move(source)), max_line_(max_line_bytes) {
  buffer_.resize(kBlock);
}

LineReader::~LineReader() {
  if (owns_fd_) ::close(fd_);
}

std::string LineReader::where() const { return cat(source_, ":", line_number_); }

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {  // keep the partial line at the front
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(std::min(buffer_.size() * 2, max_line_ + 1));
  size_t room = buffer_.size() - end_;
  if (limited_) room = static_cast<size_t>(std::min<uint64_t>(room, remaining_));
  while (true) {
    const ssize_t n = room == 0 ? 0 : ::read(fd_, buffer_.data() + end_, room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(cat(source_, ": read failed: ", std::strerror(errno)));
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<size_t>(n);
    if (limited_) remaining_ -= static_cast<uint64_t>(n);
    return true;
  }
}

void LineReader::skip_rest_of_line() {
  while (true) {
    const void* nl = std::memchr(buffer_.data() + begin_, '\n', end_ - begin_);
    if (nl != nullptr) {
      begin_ = static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data()) + 1;
      break;
    }
    begin_ = end_ = 0;
    if (!fill()) break;
  }
  skipping_ = false;
}

bool LineReader::next(std::string_view& line) {
  if (skipping_) skip_rest_of_line();
  auto too_long = [&]() {
    return ParseError(cat(source_, ":", line_number_), cat("line longer than ", max_line_,
                                                          " bytes; skipped (is this really JSON Lines?)"));
  };
  size_t scanned = begin_;
  while (true) {
    const void* nl = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (nl != nullptr) {
      const size_t pos = static_cast<const char*>(nl) - buffer_.data();
      size_t len = pos - begin_;
      ++line_number_;
      if (len > max_line_) {
        begin_ = pos + 1;
        throw too_long();
      }
      if (len > 0 && buffer_[begin_ + len - 1] == '\r') --len;
      line = std::string_view(buffer_.data() + begin_, len);
      begin_ = pos + 1;
      unterminated_ = false;
      return true;
    }
    const size_t offset = end_ - begin_;
    if (offset > max_line_) {  // no newline within the limit: drop what we have, skip the rest later
      ++line_number_;
      begin_ = end_ = 0;
      skipping_ = true;
      throw too_long();
    }
    if (!fill()) break;
    scanned = begin_ + offset;
  }
  if (begin_ == end_) return false;
  size_t len = end_ - begin_;
  if (buffer_[begin_ + len - 1] == '\r') --len;
  line = std::string_view(buffer_.data() + begin_, len);
  begin_ = end_;
  ++line_number_;
  unterminated_ = true;
  return true;
}

JsonLineWriter::JsonLineWriter(std::FILE* out) {
  if (out == stdout) {
    out_ = &Output::standard();
  } else {
    owned_ = std::make_unique<Output>(out, "output");
    out_ = owned_.get();
  }
}

JsonLineWriter::~JsonLineWriter() = default;

void JsonLineWriter::write(const rapidjson::Value& value) {
  line_.clear();
  json::append_value(line_, value);  // whole, or a JsonValueError before anything is written
  line_ += '\n';
  out_->write(line_);
}

void JsonLineWriter::write_line(std::string_view json_object) {
  out_->write(json_object);
  out_->write("\n");
}

void JsonLineWriter::flush() { out_->flush(); }

namespace {

// RapidJSON's DOM builder behind a depth limit: the reader runs iteratively (no recursion on
// hostile nesting) and stops at kMaxJsonDepth, so nothing later walks a deep tree.
struct DepthLimit : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DepthLimit> {
  explicit DepthLimit(rapidjson::Document& d) : doc(d) {}
  rapidjson::Document& doc;
  int depth = 0;
  bool too_deep = false;
  bool number_out_of_range = false;
  bool Null() { return doc.Null(); }
  bool Bool(bool b) { return doc.Bool(b); }
  bool Int(int i) { return doc.Int(i); }
  bool Uint(unsigned i) { return doc.Uint(i); }
  bool Int64(int64_t i) { return doc.Int64(i); }
  bool Uint64(uint64_t i) { return doc.Uint64(i); }
  bool Double(double d) { return doc.Double(d); }
  // Numbers arrive as their text (kParseNumbersAsStringsFlag) and are converted here: from_chars
  // is correctly rounded, RapidJSON's default strtod is not (a pod line's 1.0003e+308 did not
  // read back as written: found by fuzz_pod), and its full-precision one has undefined
  // behaviour on "0e53". Integers stay integers where they fit, as RapidJSON keeps them.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    if (std::string_view(s, n).find_first_of(".eE") == std::string_view::npos) {
      if (*s == '-') {
        int64_t i = 0;
        if (const auto r = std::from_chars(s, end, i); r.ec == std::errc() && r.ptr == end) return doc.Int64(i);
      } else {
        uint64_t u = 0;
        if (const auto r = std::from_chars(s, end, u); r.ec == std::errc() && r.ptr == end) return doc.Uint64(u);
      }
    }
    double d = 0;
    if (parse_number(std::string_view(s, n), d) != NumberStatus::kOk) {  // the tools' one number reader
      number_out_of_range = true;
      return false;
    }
    return doc.Double(d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc.Key(s, n, copy); }
  bool StartObject() { return open() && doc.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { --depth; return doc.EndObject(n); }
  bool StartArray() { return open() && doc.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { --depth; return doc.EndArray(n); }
  bool open() {
    if (++depth <= kMaxJsonDepth) return true;
    too_deep = true;
    return false;
  }
};

struct Generator {
  std::string_view text;
  rapidjson::ParseResult result;
  bool too_deep = false;
  bool number_out_of_range = false;
  bool operator()(rapidjson::Document& doc) {
    DepthLimit limit(doc);
    rapidjson::MemoryStream ms(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(ms);
    rapidjson::Reader reader;
    result = reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
                          rapidjson::kParseNumbersAsStringsFlag>(in, limit);
    too_deep = limit.too_deep;
    number_out_of_range = limit.number_out_of_range;
    return !result.IsError();
  }
};

}  // namespace

rapidjson::Document parse_json_object(std::string_view text, const std::string& where) {
  rapidjson::Document doc;
  Generator generator{text, {}, false};
  doc.Populate(generator);
  if (generator.too_deep) throw ParseError(where, cat("JSON nested deeper than ", kMaxJsonDepth, " levels"));
  if (generator.number_out_of_range)
    throw ParseError(where, cat("invalid JSON at column ", generator.result.Offset() + 1,
                                ": a number outside the range of a double; every line must be one complete JSON object"));
  if (generator.result.IsError()) {
    throw ParseError(where, cat("invalid JSON at column ", generator.result.Offset() + 1, ": ",
                                generator.result.Code() == rapidjson::kParseErrorStringInvalidEncoding
                                    ? "a string is not valid UTF-8"
                                    : rapidjson::GetParseError_En(generator.result.Code()),
                                "; every line must be one complete JSON object"));
  }
  if (!doc.IsObject()) throw ParseError(where, "expected a JSON object on this line");
  return doc;
}

const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

void refuse_duplicate_keys(const rapidjson::Value& object, const std::string& where, const char* what) {
  std::vector<std::string_view> names;
  names.reserve(object.MemberCount());
  for (const auto& m : object.GetObject()) names.emplace_back(m.name.GetString(), m.name.GetStringLength());
  if (const auto twice = json_scan::first_duplicate(names, [](std::string_view n) { return n; }))
    throw ParseError(where, cat(what, " \"", printable(*twice, 80), "\" is given twice; give each once"));
}

std::optional<double> optional_number(const rapidjson::Value& object, std::string_view name,
                                      const std::string& where) {
  const rapidjson::Value* v = find_member(object, name);
  if (v == nullptr || v->IsNull()) return std::nullopt;
  if (!v->IsNumber()) throw ParseError(where, cat("field \"", name, "\" must be a number"));
  return v->GetDouble();
}

double require_number(const rapidjson::Value& object, std::string_view name, const std::string& where) {
  const auto v = optional_number(object, name, where);
  if (!v) throw ParseError(where, cat("missing number field \"", name, "\""));
  return *v;
}

std::optional<std::string> optional_string(const rapidjson::Value& object, std::string_view name,
                                           const std::string& where) {
  const rapidjson::Value* v = find_member(object, name);
  if (v == nullptr || v->IsNull()) return std::nullopt;
  if (!v->IsString()) throw ParseError(where, cat("field \"", name, "\" must be a string"));
  return std::string(v->GetString(), v->GetStringLength());
}

std::string require_string(const rapidjson::Value& object, std::string_view name, const std::string& where) {
  auto v = optional_string(object, name, where);
  if (!v) throw ParseError(where, cat("missing string field \"", name, "\""));
  return std::move(*v);
}

std::string to_json(const rapidjson::Value& value) {
  std::string out;
  json::append_value(out, value);
  return out;
}

}  // namespace sf
