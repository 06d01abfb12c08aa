// For the tests of the JSON Lines readers with a fast path (node_usage, pod_usage): every way to
// spoil a line by one byte (removed, doubled, or replaced by a byte that matters to a JSON
// reader, valid UTF-8 or not), so that both read paths can be compared on each.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "common/node_usage.h"

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

// Reads every one-byte mutation of every base line by both paths (`outcome(line, fast)` returns
// the fields read, or "error: ..."), checks they agree, and that both paths really ran on good
// lines and on bad ones (`stats` counts the events of each path).
inline void check_both_paths_agree(const std::vector<std::string>& bases,
                                   const std::function<std::string(const std::string&, bool)>& outcome,
                                   const std::function<UsageReadStats()>& stats) {
  const UsageReadStats before = stats();
  size_t compared = 0, errors = 0;
  for (const std::string& base : bases) {
    for (const std::string& line : one_byte_mutations(base)) {
      const std::string fast = outcome(line, true), general = outcome(line, false);
      if (fast != general) {
        INFO(line);
        CHECK(fast == general);
      }
      ++compared;
      if (fast.rfind("error", 0) == 0) ++errors;
    }
  }
  const UsageReadStats after = stats();
  CHECK(after.fast - before.fast > compared / 10);
  CHECK(after.general - before.general >= compared);
  CHECK(errors > compared / 4);
  CHECK(errors < compared);
}

}  // namespace sf::test
