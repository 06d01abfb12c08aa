#include "common/deadline.h"

#include <catch2/catch.hpp>
#include <thread>

using sf::Deadline;
using std::chrono::milliseconds;

TEST_CASE("a deadline counts down and expires", "[deadline]") {
  const Deadline d = Deadline::after(milliseconds(200), "the 0.2s --timeout");
  CHECK_FALSE(d.expired());
  CHECK(d.remaining() <= milliseconds(200));
  CHECK(d.remaining() > milliseconds(100));
  CHECK(d.capped(milliseconds(50)) == milliseconds(50));
  std::this_thread::sleep_for(milliseconds(250));
  CHECK(d.expired());
  CHECK(d.remaining() == milliseconds(0));
  CHECK(d.capped(milliseconds(50)) == milliseconds(0));
  CHECK(d.what() == "the 0.2s --timeout");
}

TEST_CASE("huge budgets saturate instead of wrapping the clock", "[deadline]") {
  const Deadline d = Deadline::after(milliseconds::max(), "forever");
  CHECK_FALSE(d.expired());
  CHECK(d.remaining() > milliseconds(1'000'000'000'000LL));
  CHECK(d.when() == Deadline::Clock::time_point::max());
  const Deadline zero = Deadline::after(milliseconds(-5), "none");
  CHECK(zero.expired());
}

TEST_CASE("unlimited deadlines never expire, and earlier() picks the first with its name", "[deadline]") {
  const Deadline none;
  CHECK(none.unlimited());
  CHECK_FALSE(none.expired());
  CHECK(none.capped(milliseconds(30'000)) == milliseconds(30'000));
  const Deadline soon = Deadline::after(milliseconds(100), "soon");
  const Deadline later = Deadline::after(milliseconds(10'000), "later");
  CHECK(soon.earlier(later).what() == "soon");
  CHECK(later.earlier(soon).what() == "soon");
  CHECK(none.earlier(later).what() == "later");
  CHECK(later.earlier(none).what() == "later");
}
