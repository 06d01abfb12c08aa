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

TEST_CASE("durations past Go's limit are refused, never wrapped") {
  CHECK_THROWS_WITH(parse_duration("3000000h", "--timeout"),
                    Catch::Contains("--timeout: '3000000h' is longer than a duration can be") &&
                        Catch::Contains("2562047h"));
  CHECK_THROWS_AS(parse_duration("99999999h", "--interval"), sf::UsageError);
  CHECK_THROWS_AS(parse_duration("1e300", "--timeout"), sf::UsageError);
  CHECK_THROWS_AS(parse_duration("9999999999999999999999s", "--timeout"), sf::UsageError);
  CHECK(parse_duration("2562047h", "--timeout") == milliseconds(2562047LL * 3'600'000));
  try {
    parse_duration("3000000h", "--timeout");
  } catch (const sf::Error& e) {
    CHECK(e.exit_code() == sf::kExitUsage);
  }
}

TEST_CASE("sizes are bytes or binary units, and zero, negative and overflowing sizes are refused") {
  using sf::cli::parse_size;
  CHECK(parse_size("1048576", "--max-list-bytes") == 1048576);
  CHECK(parse_size("64Mi", "--max-list-bytes") == 64u << 20);
  CHECK(parse_size("64MiB", "--max-list-bytes") == 64u << 20);
  CHECK(parse_size("512Ki", "--max-list-bytes") == 512u << 10);
  CHECK(parse_size("1Gi", "--max-list-bytes") == size_t{1} << 30);
  CHECK_THROWS_WITH(parse_size("-1", "--max-list-bytes"), Catch::Contains("--max-list-bytes: '-1' is not a size"));
  CHECK_THROWS_WITH(parse_size("0", "--max-list-bytes"), Catch::Contains("must be at least 1 byte"));
  CHECK_THROWS_WITH(parse_size("64MB", "--max-list-bytes"), Catch::Contains("unknown unit"));
  CHECK_THROWS_WITH(parse_size("99999999999999999999999", "--max-list-bytes"), Catch::Contains("too large"));
  CHECK_THROWS_WITH(parse_size("99999999999Gi", "--max-list-bytes"), Catch::Contains("too large"));
}

TEST_CASE("the bash completion offers exactly the real options and their values") {
  sf::cli::App app({"my-tool", "my-tool [options]", "summary", "", ""});
  std::string out, config;
  app.options().add_options()
    ("output,o", sf::cli::po::value(&out), "format")
    ("config", sf::cli::po::value(&config), "a file")
    ("dry-run", "flag");
  app.choices("output", {"text", "jsonl"});
  app.file_option("config");
  const std::string script = app.bash_completion();
  CHECK_THAT(script, Catch::Contains("_sf_my_tool()") && Catch::Contains("complete -F _sf_my_tool my-tool"));
  CHECK_THAT(script, Catch::Contains("--help -h --version --quiet -q --verbose -v --output -o --config --dry-run"));
  CHECK_THAT(script, Catch::Contains(R"(--output|-o) COMPREPLY=($(compgen -W "text jsonl" -- "$cur")); return ;;)"));
  CHECK_THAT(script, Catch::Contains(R"(--config) compopt -o filenames)"));
  CHECK(script.find("--dry-run)") == std::string::npos);  // takes no value
  CHECK(script.find("completion") == script.find("completion for my-tool"));  // the hidden flag is not offered
  // --completion bash prints it and ends the run like --help; its own name is not in --help.
  sf::cli::po::variables_map vm;
  const char* argv[] = {"my-tool", "--completion", "bash"};
  CHECK_FALSE(app.parse(3, const_cast<char**>(argv), vm));
  CHECK(app.help_text().find("--completion") == std::string::npos);
  // A subcommand's App: its function only; the tool's dispatcher registers the command.
  sf::cli::App sub({"my-tool run", "my-tool run [options]", "summary", "", ""});
  const std::string sub_script = sub.bash_completion();
  CHECK_THAT(sub_script, Catch::Contains("_sf_my_tool_run()"));
  CHECK(sub_script.find("complete -F") == std::string::npos);
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
