// For fuzz targets whose input is JSON Lines: quiet logs, then `exercise` on each line, split
// as the stream reader splits them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/log.h"

namespace sf::fuzz {

template <typename Exercise>
int for_each_line(const uint8_t* data, size_t size, Exercise exercise) {
  static const bool quiet = [] {
    sf::log::set_level(sf::log::Level::kQuiet);
    return true;
  }();
  (void)quiet;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    exercise(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return 0;
}

}  // namespace sf::fuzz
