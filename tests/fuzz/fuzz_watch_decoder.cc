// libFuzzer target for sf::kube::WatchDecoder. The input is fed in three chunks split at points
// taken from the data itself, so objects cut across chunks are exercised; the result must not
// depend on where the cuts fall. sf::ParseError is the expected outcome for junk; any other
// exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/watch_decoder.h"

namespace {

// Decodes `body` in the given pieces; returns the event summaries, or "error" at the end.
std::vector<std::string> decode(std::string_view body, const std::vector<size_t>& cuts, size_t max_event) {
  std::vector<std::string> seen;
  sf::kube::WatchDecoder decoder(
      "fuzz",
      [&](sf::kube::WatchEvent&& e) {
        if (!e.object.IsObject()) __builtin_trap();
        seen.push_back(std::string(sf::kube::to_string(e.type)) + ":" + e.resource_version + ":" +
                       std::to_string(e.status.code) + e.status.reason);
      },
      max_event);
  size_t at = 0;
  try {
    for (size_t cut : cuts) {
      decoder.feed(body.substr(at, cut - at));
      at = cut;
    }
    decoder.feed(body.substr(at));
    seen.push_back(decoder.finish() ? "end" : "cut");
  } catch (const sf::ParseError&) {
    seen.push_back("error");
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  size_t a = body.empty() ? 0 : (data[0] * 257u + size) % (body.size() + 1);
  size_t b = body.empty() ? 0 : (data[1] * 263u + size) % (body.size() + 1);
  if (a > b) std::swap(a, b);
  const size_t max_event = (data[0] & 1) ? 256 : (1u << 20);
  const auto whole = decode(body, {}, max_event);
  const auto pieces = decode(body, {a, b}, max_event);
  // Chunking must not change what is decoded (events and errors land the same way).
  if (whole != pieces) __builtin_trap();
  sf::kube::ApiStatus status;
  (void)sf::kube::parse_status_body(body, status);
  return 0;
}
