#include "common/json_lines.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/error.h"

namespace {

// Feeds `text` through a pipe, so the reader sees short reads like stdin does.
std::vector<std::string> read_all(const std::string& text, size_t max_line = 1 << 20, bool* unterminated = nullptr) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::vector<std::string> lines;
  {
    // Writing more than the pipe buffer would block: keep the test inputs below 64 KiB.
    REQUIRE(text.size() < 60000);
    REQUIRE(write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    close(fds[1]);
    sf::LineReader reader(fds[0], "pipe", max_line);
    std::string_view line;
    while (reader.next(line)) lines.emplace_back(line);
    if (unterminated != nullptr) *unterminated = reader.last_line_unterminated();
  }
  close(fds[0]);
  return lines;
}

}  // namespace

TEST_CASE("LineReader splits lines, drops CR, keeps empty lines and the last unterminated one") {
  bool unterminated = false;
  const auto lines = read_all("a\r\n\nbc\nlast", 1 << 20, &unterminated);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "a");
  CHECK(lines[1].empty());
  CHECK(lines[2] == "bc");
  CHECK(lines[3] == "last");
  CHECK(unterminated);
  CHECK(read_all("").empty());
}

TEST_CASE("LineReader bounds line length and names the line") {
  const std::string text = "short\n" + std::string(5000, 'x') + "\n";
  CHECK_THROWS_WITH(read_all(text, 1000), Catch::Contains("pipe:2") && Catch::Contains("longer than 1000"));
}

TEST_CASE("LineReader reads files and reports unreadable ones with exit code 2") {
  try {
    sf::LineReader reader("/nonexistent/usage.jsonl");
    FAIL("no exception");
  } catch (const sf::Error& e) {
    CHECK(e.exit_code() == sf::kExitUsage);
    CHECK(std::string(e.what()).find("/nonexistent/usage.jsonl") != std::string::npos);
  }
}

TEST_CASE("parse_json_object names where and the column") {
  const auto doc = sf::parse_json_object(R"({"a":1,"s":"x"})", "f:1");
  CHECK(sf::require_number(doc, "a", "f:1") == 1);
  CHECK(sf::require_string(doc, "s", "f:1") == "x");
  CHECK_FALSE(sf::optional_number(doc, "missing", "f:1"));
  CHECK_THROWS_WITH(sf::require_number(doc, "s", "f:1"), Catch::Contains("\"s\"") && Catch::Contains("number"));
  CHECK_THROWS_WITH(sf::require_string(doc, "zz", "f:1"), Catch::Contains("missing"));
  CHECK_THROWS_WITH(sf::parse_json_object(R"({"a":)", "usage.jsonl:7"),
                    Catch::Contains("usage.jsonl:7") && Catch::Contains("column"));
  CHECK_THROWS_WITH(sf::parse_json_object("[1,2]", "f:2"), Catch::Contains("object"));
}

TEST_CASE("LineReader: an overlong line is reported and skipped, the next lines still read") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const std::string text = "one\n" + std::string(5000, 'x') + "\ntwo\n" + std::string(3000, 'y');
  REQUIRE(write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fds[1]);
  sf::LineReader reader(fds[0], "pipe", 1000);
  std::string_view line;
  REQUIRE(reader.next(line));
  CHECK(line == "one");
  CHECK_THROWS_WITH(reader.next(line), Catch::Contains("pipe:2") && Catch::Contains("longer than 1000"));
  REQUIRE(reader.next(line));
  CHECK(line == "two");
  CHECK(reader.line_number() == 3);
  CHECK_THROWS_WITH(reader.next(line), Catch::Contains("pipe:4"));
  CHECK_FALSE(reader.next(line));
  close(fds[0]);
}

TEST_CASE("LineReader: a directory is a usage error naming it") {
  try {
    sf::LineReader reader("/tmp");
    FAIL("a directory was opened");
  } catch (const sf::Error& e) {
    CHECK(e.exit_code() == sf::kExitUsage);
    CHECK_THAT(e.what(), Catch::Contains("/tmp: is a directory"));
  }
}

TEST_CASE("parse_json_object: deep nesting is an error, not a crash, invalid UTF-8 is refused") {
  const std::string deep = "{\"a\":" + std::string(1000000, '[') + std::string(1000000, ']') + "}";
  CHECK_THROWS_WITH(sf::parse_json_object(deep, "f:1"), Catch::Contains("f:1") && Catch::Contains("nested deeper"));
  CHECK_NOTHROW(sf::parse_json_object("{\"a\":" + std::string(60, '[') + std::string(60, ']') + "}", "f:1"));
  CHECK_THROWS_WITH(sf::parse_json_object("{\"name\":\"n\xff\"}", "f:2"), Catch::Contains("f:2") && Catch::Contains("UTF-8"));
}
