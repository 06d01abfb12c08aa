// libFuzzer target for sf::prom::Parser. The input is fed in two chunks split at a point taken
// from the data itself, so line reassembly across chunks is exercised too. sf::ParseError is
// the expected outcome for junk; any other exception, crash or sanitizer report is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "common/prom_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte: split point and options; the rest is the body.
  const uint8_t control = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t split = body.empty() ? 0 : (control * 131u + size) % (body.size() + 1);
  const auto format = static_cast<sf::prom::Format>(control % 3);
  const size_t max_line = (control & 0x80) ? 64 : 4096;

  size_t seen = 0;
  sf::prom::Parser parser(
      [&](const sf::prom::Sample& s) {
        // Touch every view so ASan sees any dangling or out-of-bounds one.
        volatile size_t sink = s.name.size() + s.family_type.size();
        for (const auto& label : s.labels) {
          for (char c : label.name) sink = sink + static_cast<unsigned char>(c);
          for (char c : label.value) sink = sink + static_cast<unsigned char>(c);
        }
        if (s.name.empty() || s.family_type.empty()) __builtin_trap();
        (void)sink;
        ++seen;
      },
      "fuzz", max_line);
  parser.set_format(format);
  parser.set_help_handler([](std::string_view family, std::string_view help) {
    volatile size_t sink = family.size();
    for (char c : help) sink = sink + static_cast<unsigned char>(c);
    (void)sink;
  });
  try {
    parser.feed(body.substr(0, split));
    parser.feed(body.substr(split));
    parser.finish();
  } catch (const sf::ParseError&) {
    return 0;  // malformed input: expected
  }
  if (seen != parser.samples()) __builtin_trap();
  return 0;
}
