// An owned file descriptor, closed on every path out: the one such type of every module that
// opens a descriptor itself (pipes, files read whole, lock files). Header-only.
#pragma once

#include <unistd.h>

#include <utility>

namespace sf {

struct UniqueFd {
  int fd = -1;

  UniqueFd() = default;
  explicit UniqueFd(int f) : fd(f) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd, -1));
    return *this;
  }
  ~UniqueFd() { reset(); }

  // Closes the descriptor held (if any) and holds `f` instead.
  void reset(int f = -1) {
    if (fd >= 0) ::close(fd);
    fd = f;
  }
  // Gives the descriptor up without closing it.
  int release() { return std::exchange(fd, -1); }
};

}  // namespace sf
