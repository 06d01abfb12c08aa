#include "common/subprocess.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <chrono>
#include <fstream>
#include <string>

using namespace sf::proc;
using std::chrono::milliseconds;

namespace {

Command command(std::vector<std::string> argv, milliseconds limit = milliseconds(10'000)) {
  Command c;
  c.argv = std::move(argv);
  c.deadline = Steady::now() + limit;
  return c;
}

// Whether a process still runs (a zombie waiting for its reaper counts as gone).
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("argv reaches the program verbatim: no shell, no splitting, no expansion", "[subprocess]") {
  const Result r = run(command({"printf", "%s|", "a b", "'c'", "$HOME", "*", "x;y"}));
  CHECK(r.succeeded());
  CHECK(r.out == "a b|'c'|$HOME|*|x;y|");
}

TEST_CASE("stdout, stderr and the exit code are captured separately", "[subprocess]") {
  const Result r = run(command({"sh", "-c", "printf out; printf err >&2; exit 3"}));
  CHECK(r.outcome == Outcome::kExited);
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.succeeded());
  CHECK(r.out == "out");
  CHECK(r.err == "err");
}

TEST_CASE("environment additions replace inherited values, and unset names are gone", "[subprocess]") {
  ::setenv("SF_SUBPROCESS_TEST_A", "inherited", 1);
  ::setenv("SF_SUBPROCESS_TEST_B", "inherited", 1);
  Command c = command({"sh", "-c", "printf '%s,%s,%s' \"$SF_SUBPROCESS_TEST_A\" \"${SF_SUBPROCESS_TEST_B-unset}\" \"$EXTRA\""});
  c.env = {{"SF_SUBPROCESS_TEST_A", "mine"}, {"EXTRA", "x=y z"}};
  c.unset_env = {"SF_SUBPROCESS_TEST_B"};
  const Result r = run(c);
  CHECK(r.out == "mine,unset,x=y z");
}

TEST_CASE("stdin gets the given bytes then end of file, or /dev/null", "[subprocess]") {
  Command c = command({"cat"});
  c.input = Input::kData;
  c.input_data = std::string(300'000, 's') + "\n";  // more than a pipe buffer: written as cat reads
  Result r = run(c);
  CHECK(r.succeeded());
  CHECK(r.out == c.input_data);
  r = run(command({"cat"}));  // Input::kNull: cat sees end of file at once
  CHECK(r.succeeded());
  CHECK(r.out.empty());
}

TEST_CASE("the deadline kills the whole process group, helpers included, and says so", "[subprocess]") {
  const auto start = Steady::now();
  const Result r = run(command({"sh", "-c", "sleep 30 & echo $!; wait"}, milliseconds(400)));
  const auto took = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
  CHECK(r.outcome == Outcome::kTimedOut);
  CHECK(took >= milliseconds(400));
  CHECK(took < milliseconds(2'000));
  const pid_t helper = static_cast<pid_t>(std::stol(r.out));
  for (int i = 0; i < 100 && running(helper); ++i) ::usleep(10'000);
  CHECK_FALSE(running(helper));
}

TEST_CASE("a deadline already past ends the program at once", "[subprocess]") {
  const Result r = run(command({"sleep", "5"}, milliseconds(0)));
  CHECK(r.outcome == Outcome::kTimedOut);
  CHECK(r.elapsed < milliseconds(1'000));
}

TEST_CASE("stdout past its cap kills the program, and stderr past its cap is cut and flagged", "[subprocess]") {
  Command c = command({"head", "-c", "5000000", "/dev/zero"});
  c.max_out_bytes = 1000;
  Result r = run(c);
  CHECK(r.outcome == Outcome::kTooMuchOutput);
  CHECK(r.out.size() == 1000);
  c = command({"sh", "-c", "head -c 100000 /dev/zero >&2; printf done"});
  c.max_err_bytes = 100;
  r = run(c);
  CHECK(r.succeeded());
  CHECK(r.err.size() == 100);
  CHECK(r.err_truncated);
  CHECK(r.out == "done");
}

TEST_CASE("a program that cannot start is a SpawnError with its errno", "[subprocess]") {
  try {
    run(command({"/nonexistent/sf-no-such-program"}));
    FAIL("started");
  } catch (const SpawnError& e) {
    CHECK(e.error_number() == ENOENT);
  }
  try {
    run(command({"sf-no-such-program-in-path"}));
    FAIL("started");
  } catch (const SpawnError& e) {
    CHECK(e.error_number() == ENOENT);
  }
}

TEST_CASE("the program gets default signal handling even though this process ignores SIGPIPE", "[subprocess]") {
  auto* previous = std::signal(SIGPIPE, SIG_IGN);  // what every tool's run_tool does
  // With SIGPIPE ignored, `yes` would see EPIPE and complain on stderr; by default it just dies.
  const Result r = run(command({"sh", "-c", "yes | head -n 1"}));
  std::signal(SIGPIPE, previous);
  CHECK(r.succeeded());
  CHECK(r.out == "y\n");
  CHECK(r.err.empty());
}
