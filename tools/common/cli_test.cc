#include "common/cli.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using sf::cli::parse_duration;
using std::chrono::milliseconds;

TEST_CASE("durations are written like Go's and kubectl's") {
  CHECK(parse_duration("90s", "--timeout") == milliseconds(90'000));
  CHECK(parse_duration("5m", "--timeout") == milliseconds(300'000));
  CHECK(parse_duration("1h30m", "--timeout") == milliseconds(5'400'000));
  CHECK(parse_duration("250ms", "--timeout") == milliseconds(250));
  CHECK(parse_duration("1.5h", "--timeout") == milliseconds(5'400'000));
  CHECK(parse_duration("2", "--timeout") == milliseconds(2'000));
  CHECK(parse_duration("0.5", "--timeout") == milliseconds(500));
  CHECK(parse_duration("1d", "--timeout") == milliseconds(86'400'000));
}

TEST_CASE("bad durations name the flag and show the format") {
  CHECK_THROWS_AS(parse_duration("", "--timeout"), sf::UsageError);
  CHECK_THROWS_WITH(parse_duration("soon", "--interval"), Catch::Contains("--interval") && Catch::Contains("1h30m"));
  CHECK_THROWS_AS(parse_duration("5x", "--timeout"), sf::UsageError);
  CHECK_THROWS_AS(parse_duration("-3", "--timeout"), sf::UsageError);
  CHECK_THROWS_AS(parse_duration("m5", "--timeout"), sf::UsageError);
}

TEST_CASE("App parses flags and rejects unknown ones with a pointer to --help") {
  sf::cli::App app({"t", "t [options]", "summary", "", ""});
  int n = 0;
  app.options().add_options()("count", sf::cli::po::value(&n), "a number");
  sf::cli::po::variables_map vm;
  const char* ok[] = {"t", "--count", "4"};
  CHECK(app.parse(3, const_cast<char**>(ok), vm));
  CHECK(n == 4);
  sf::cli::po::variables_map vm2;
  const char* bad[] = {"t", "--nope"};
  CHECK_THROWS_WITH(app.parse(2, const_cast<char**>(bad), vm2), Catch::Contains("--help"));
  CHECK(app.help_text().find("Exit codes") != std::string::npos);
}

TEST_CASE("run_tool maps errors to exit codes") {
  CHECK(sf::cli::run_tool("t", [] { return 0; }) == 0);
  CHECK(sf::cli::run_tool("t", []() -> int { throw sf::UsageError("bad"); }) == 2);
  CHECK(sf::cli::run_tool("t", []() -> int { throw sf::Error("failed"); }) == 1);
  CHECK(sf::cli::run_tool("t", []() -> int { throw std::runtime_error("x"); }) == 1);
}
