// One point in time that every wait of a run obeys (the --timeout): network requests, retries
// and their backoff, credential plugins. Arithmetic saturates, so an hour or a century of
// budget never wraps the clock; `what` names the limit in messages ("the 5.0s --timeout").
#pragma once

#include <chrono>
#include <string>

namespace sf {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // No limit at all.
  Deadline() = default;
  // `budget` from now (negative counts as zero); `what` names it for messages.
  static Deadline after(std::chrono::milliseconds budget, std::string what);
  static Deadline at(Clock::time_point when, std::string what);

  bool unlimited() const { return unlimited_; }
  Clock::time_point when() const { return when_; }
  bool expired() const { return !unlimited_ && Clock::now() >= when_; }
  // Time left, never negative; a very large value when unlimited.
  std::chrono::milliseconds remaining() const;
  // The smaller of the time left and `cap` (a per-request limit), never negative.
  std::chrono::milliseconds capped(std::chrono::milliseconds cap) const;
  // Whichever of the two comes first (with its name).
  Deadline earlier(const Deadline& other) const;
  const std::string& what() const { return what_; }

 private:
  bool unlimited_ = true;
  Clock::time_point when_ = Clock::time_point::max();
  std::string what_ = "no deadline";
};

}  // namespace sf
