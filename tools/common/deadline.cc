#include "common/deadline.h"

#include <algorithm>

namespace sf {

using std::chrono::milliseconds;

Deadline Deadline::after(milliseconds budget, std::string what) {
  const auto now = Clock::now();
  // Saturate: now + budget must not overflow the clock's representation.
  const auto room = std::chrono::duration_cast<milliseconds>(Clock::time_point::max() - now);
  Deadline d;
  d.unlimited_ = false;
  d.when_ = budget <= milliseconds(0) ? now : (budget >= room ? Clock::time_point::max() : now + budget);
  d.what_ = std::move(what);
  return d;
}

Deadline Deadline::at(Clock::time_point when, std::string what) {
  Deadline d;
  d.unlimited_ = false;
  d.when_ = when;
  d.what_ = std::move(what);
  return d;
}

milliseconds Deadline::remaining() const {
  if (unlimited_) return milliseconds::max();
  const auto now = Clock::now();
  if (now >= when_) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(when_ - now);
}

milliseconds Deadline::capped(milliseconds cap) const {
  return std::max(milliseconds(0), std::min(cap, remaining()));
}

Deadline Deadline::earlier(const Deadline& other) const {
  if (unlimited_) return other;
  if (other.unlimited_) return *this;
  return other.when_ < when_ ? other : *this;
}

}  // namespace sf
