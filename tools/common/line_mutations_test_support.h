// For the tests of the JSON Lines readers with a fast path (node_usage, pod_usage): every way to
// spoil a line by one byte (removed, doubled, or replaced by a byte that matters to a JSON
// reader, valid UTF-8 or not), so that both read paths can be compared on each.
#pragma once

#include <string>
#include <vector>

namespace sf::test {

inline std::vector<std::string> one_byte_mutations(const std::string& line) {
  static const char specials[] = {'"', '\\', '{', '}', '[', ']', ':', ',', '0', '9', '-', '.', 'e', 'n', ' ', '\t',
                                  '\x01', '\x7f', '\0'};
  std::vector<std::string> out;
  for (size_t i = 0; i < line.size(); ++i) {
    out.push_back(line.substr(0, i) + line.substr(i + 1));
    out.push_back(line.substr(0, i + 1) + line.substr(i));
    for (const char c : specials) out.push_back(line.substr(0, i) + c + line.substr(i + 1));
    out.push_back(line.substr(0, i) + "\xc3\xa9" + line.substr(i + 1));  // valid UTF-8
    out.push_back(line.substr(0, i) + "\xff" + line.substr(i + 1));      // invalid UTF-8
  }
  return out;
}

}  // namespace sf::test
