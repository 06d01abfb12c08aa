#include "common/json_lines.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <rapidjson/error/en.h>

#include "common/error.h"
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
  if (end_ == buffer_.size()) {
    if (buffer_.size() >= max_line_ + 1)
      throw ParseError(cat(source_, ":", line_number_ + 1),
                       cat("line longer than ", max_line_, " bytes; is this really JSON Lines?"));
    buffer_.resize(std::min(buffer_.size() * 2, max_line_ + 1));
  }
  while (true) {
    const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(cat(source_, ": read failed: ", std::strerror(errno)));
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<size_t>(n);
    return true;
  }
}

bool LineReader::next(std::string_view& line) {
  size_t scanned = begin_;
  while (true) {
    const void* nl = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (nl != nullptr) {
      const size_t pos = static_cast<const char*>(nl) - buffer_.data();
      size_t len = pos - begin_;
      if (len > max_line_)
        throw ParseError(cat(source_, ":", line_number_ + 1), cat("line longer than ", max_line_, " bytes"));
      if (len > 0 && buffer_[begin_ + len - 1] == '\r') --len;
      line = std::string_view(buffer_.data() + begin_, len);
      begin_ = pos + 1;
      ++line_number_;
      unterminated_ = false;
      return true;
    }
    const size_t offset = end_ - begin_;
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

void JsonLineWriter::write(const rapidjson::Value& value) {
  buffer_.Clear();
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer_);
  value.Accept(writer);
  std::fwrite(buffer_.GetString(), 1, buffer_.GetSize(), out_);
  std::fputc('\n', out_);
}

rapidjson::Document parse_json_object(std::string_view text, const std::string& where) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    throw ParseError(where, cat("invalid JSON at column ", doc.GetErrorOffset() + 1, ": ",
                                rapidjson::GetParseError_En(doc.GetParseError()),
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
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace sf
