#include "common/unique_fd.h"

#include <fcntl.h>

#include <catch2/catch.hpp>

namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int open_null() {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  return fd;
}

}  // namespace

TEST_CASE("unique fd: closed when it goes, on reset, and not after release or a move", "[unique_fd]") {
  const int a = open_null();
  { sf::UniqueFd owner(a); }
  CHECK_FALSE(is_open(a));

  sf::UniqueFd owner(open_null());
  const int first = owner.fd;
  const int second = open_null();
  owner.reset(second);
  CHECK_FALSE(is_open(first));
  CHECK(is_open(second));

  sf::UniqueFd moved(std::move(owner));
  CHECK(owner.fd == -1);
  CHECK(moved.fd == second);
  owner.reset();  // holds nothing: closes nothing
  CHECK(is_open(second));

  const int kept = moved.release();
  { sf::UniqueFd gone(std::move(moved)); }
  CHECK(is_open(kept));
  ::close(kept);
}
