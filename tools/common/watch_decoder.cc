#include "common/watch_decoder.h"

#include <rapidjson/error/en.h>

#include "common/error.h"
#include "common/strings.h"

namespace sf::kube {
namespace {

// Real objects nest a dozen levels; a cap keeps parsing and destruction off deep recursion.
constexpr int kMaxDepth = 256;

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = member(object, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

bool event_type(std::string_view text, EventType& out) {
  if (text == "ADDED") out = EventType::kAdded;
  else if (text == "MODIFIED") out = EventType::kModified;
  else if (text == "DELETED") out = EventType::kDeleted;
  else if (text == "BOOKMARK") out = EventType::kBookmark;
  else if (text == "ERROR") out = EventType::kError;
  else return false;
  return true;
}

}  // namespace

const char* to_string(EventType type) {
  switch (type) {
    case EventType::kAdded: return "ADDED";
    case EventType::kModified: return "MODIFIED";
    case EventType::kDeleted: return "DELETED";
    case EventType::kBookmark: return "BOOKMARK";
    case EventType::kError: return "ERROR";
  }
  return "?";
}

std::string ApiStatus::describe() const {
  std::string out;
  if (code != 0) out = std::to_string(code);
  if (!reason.empty()) out += (out.empty() ? "" : " ") + reason;
  if (!message.empty()) out += (out.empty() ? "" : ": ") + message;
  return out.empty() ? std::string("unknown status") : out;
}

bool parse_status(const rapidjson::Value& value, ApiStatus& out) {
  if (!value.IsObject()) return false;
  ApiStatus s;
  s.status = string_member(value, "status");
  s.reason = string_member(value, "reason");
  s.message = string_member(value, "message");
  if (const rapidjson::Value* code = member(value, "code"); code != nullptr && code->IsInt64())
    s.code = static_cast<long>(code->GetInt64());
  if (const rapidjson::Value* details = member(value, "details")) {
    if (const rapidjson::Value* r = member(*details, "retryAfterSeconds"); r != nullptr && r->IsInt64())
      s.retry_after_seconds = static_cast<long>(r->GetInt64());
  }
  const bool is_status = string_member(value, "kind") == "Status" || s.code != 0 || !s.reason.empty();
  if (!is_status) return false;
  out = std::move(s);
  return true;
}

bool parse_status_body(std::string_view body, ApiStatus& out) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError()) return false;
  return parse_status(doc, out);
}

WatchDecoder::WatchDecoder(std::string source, Handler handler, size_t max_event_bytes)
    : source_(std::move(source)), handler_(std::move(handler)), max_event_bytes_(max_event_bytes) {}

void WatchDecoder::reset() {
  pending_.clear();
  depth_ = 0;
  in_string_ = false;
  escaped_ = false;
}

bool WatchDecoder::finish() const { return depth_ == 0 && pending_.empty(); }

void WatchDecoder::feed(std::string_view bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    if (depth_ == 0) {
      // Between events: skip separators, expect the next object.
      const char c = bytes[i];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        ++i;
        continue;
      }
      if (c != '{')
        throw ParseError(cat(source_, " event ", events_ + 1),
                         cat("expected a JSON object ('{') but got byte 0x", std::hex, static_cast<int>(
                                 static_cast<unsigned char>(c)), "; is this a watch stream (?watch=1)?"));
      depth_ = 1;
      pending_.push_back('{');
      ++i;
    }
    // Inside an object: scan until it closes or the chunk ends, then copy the span at once.
    const size_t start = i;
    bool closed = false;
    for (; i < n; ++i) {
      const char c = bytes[i];
      if (in_string_) {
        if (escaped_) escaped_ = false;
        else if (c == '\\') escaped_ = true;
        else if (c == '"') in_string_ = false;
        continue;
      }
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        if (++depth_ > kMaxDepth)
          throw ParseError(cat(source_, " event ", events_ + 1),
                           cat("nesting deeper than ", kMaxDepth, " levels; not a Kubernetes object"));
      } else if (c == '}' || c == ']') {
        if (--depth_ == 0) {
          ++i;
          closed = true;
          break;
        }
      }
    }
    if (pending_.size() + (i - start) > max_event_bytes_)
      throw ParseError(cat(source_, " event ", events_ + 1),
                       cat("event larger than ", max_event_bytes_, " bytes; refusing to buffer more"));
    pending_.append(bytes.data() + start, i - start);
    if (closed) deliver();
  }
}

void WatchDecoder::deliver() {
  const std::string where = cat(source_, " event ", events_ + 1);
  WatchEvent event;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(pending_.data(), pending_.size());
  if (doc.HasParseError())
    throw ParseError(where, cat("invalid JSON at offset ", doc.GetErrorOffset(), ": ",
                                rapidjson::GetParseError_En(doc.GetParseError())));
  pending_.clear();
  in_string_ = false;
  escaped_ = false;
  ++events_;
  const rapidjson::Value* type = member(doc, "type");
  if (type == nullptr || !type->IsString())
    throw ParseError(where, "missing string field \"type\" (a watch event is {\"type\":..,\"object\":..})");
  const std::string_view type_text(type->GetString(), type->GetStringLength());
  if (!event_type(type_text, event.type))
    throw ParseError(where, cat("unknown event type \"", type_text,
                                "\" (expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR)"));
  const rapidjson::Value& root = doc;
  const auto object_it = root.FindMember("object");
  if (object_it == root.MemberEnd() || !object_it->value.IsObject())
    throw ParseError(where, cat(type_text, " event without an object in field \"object\""));
  // The object's strings live in `doc`'s allocator, so it is copied into its own document.
  event.object.CopyFrom(object_it->value, event.object.GetAllocator());
  if (const rapidjson::Value* metadata = member(event.object, "metadata"))
    event.resource_version = string_member(*metadata, "resourceVersion");
  if (event.type == EventType::kError) {
    if (!parse_status(event.object, event.status)) {
      event.status.message = "ERROR event without a Status object";
    }
  }
  handler_(std::move(event));
}

}  // namespace sf::kube
