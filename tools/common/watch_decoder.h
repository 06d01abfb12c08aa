// Incremental decoder for Kubernetes WATCH streams: one JSON object per event, each
// `{"type":..,"object":..}`, separated by newlines (Go's json.Encoder). Chunks from the network
// cut events anywhere, so bytes are buffered until an object is complete. Object boundaries are
// found by tracking braces and strings, so a stream without newlines (pretty=true) decodes too.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sf::kube {

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };
const char* to_string(EventType type);

// A meta/v1 Status: what the API server says about a failure (in-band ERROR event or the body
// of a non-2xx answer). Missing fields stay empty/zero.
struct ApiStatus {
  long code = 0;                  // HTTP-like code: 410, 404, ...
  std::string status;             // "Failure" / "Success"
  std::string reason;             // "Expired", "Gone", "NotFound", ...
  std::string message;
  long retry_after_seconds = 0;   // details.retryAfterSeconds
  bool expired() const { return code == 410 || reason == "Expired" || reason == "Gone"; }
  std::string describe() const;   // "410 Expired: too old resource version: 612 (705)"
};

// Reads a Status object; false when `value` is not one (not an object or kind != Status
// without code/reason).
bool parse_status(const rapidjson::Value& value, ApiStatus& out);
// Same from a response body; false when the body is not a JSON Status.
bool parse_status_body(std::string_view body, ApiStatus& out);

struct WatchEvent {
  EventType type = EventType::kAdded;
  rapidjson::Document object;      // the full object (last state for DELETED)
  std::string resource_version;    // object.metadata.resourceVersion ("" when absent)
  ApiStatus status;                // for kError
};

class WatchDecoder {
 public:
  using Handler = std::function<void(WatchEvent&&)>;

  // `source` names the stream in errors (the watch URL). An event bigger than
  // `max_event_bytes` is an error, not a truncation.
  WatchDecoder(std::string source, Handler handler, size_t max_event_bytes = 16u << 20);

  // Feeds bytes as they arrive; calls the handler for every complete event, in order.
  // Throws ParseError naming the source and event number on malformed input; what the
  // handler throws passes through.
  void feed(std::string_view bytes);
  // End of stream: true when no event was cut off (only whitespace pending).
  bool finish() const;
  // Forgets any partial event (before a new connection).
  void reset();

  size_t events() const { return events_; }
  size_t pending_bytes() const { return pending_.size(); }

 private:
  void deliver();

  std::string source_;
  Handler handler_;
  size_t max_event_bytes_;
  std::string pending_;   // bytes of the current, incomplete object
  int depth_ = 0;         // nesting depth inside the current object; 0 = between objects
  bool in_string_ = false;
  bool escaped_ = false;
  size_t events_ = 0;
};

}  // namespace sf::kube
