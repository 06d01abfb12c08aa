#include "common/csv.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using sf::csv::append_field;
using sf::csv::append_record;
using sf::csv::parse_record;

TEST_CASE("csv: fields are quoted only when RFC 4180 needs it") {
  std::string out;
  append_record(out, {"plain", "a,b", "say \"hi\"", "line\nbreak", "", " padded"});
  CHECK(out == "plain,\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",,\" padded\"\r\n");
}

TEST_CASE("csv: a record written is read back unchanged") {
  const std::vector<std::string> fields = {"n1", "{\"app\":\"web,api\"}", "", "2026-11-26T07:00:00Z", "x\"y"};
  std::string out;
  append_record(out, fields);
  out.resize(out.size() - 2);  // the CRLF the line reader removes
  CHECK(parse_record(out, "t:1") == fields);
}

TEST_CASE("csv: empty fields, trailing comma and CR are handled") {
  CHECK(parse_record("a,,b", "t:1") == std::vector<std::string>{"a", "", "b"});
  CHECK(parse_record("a,b,", "t:1") == std::vector<std::string>{"a", "b", ""});
  CHECK(parse_record("a,b\r", "t:1") == std::vector<std::string>{"a", "b"});
  CHECK(parse_record("", "t:1") == std::vector<std::string>{""});
  CHECK(parse_record("\"\"", "t:1") == std::vector<std::string>{""});
}

TEST_CASE("csv: malformed quoting is a ParseError naming where") {
  CHECK_THROWS_WITH(parse_record("a,\"open", "ledger.csv:7"), Catch::Contains("ledger.csv:7") && Catch::Contains("never closed"));
  CHECK_THROWS_WITH(parse_record("\"a\"b,c", "f:2"), Catch::Contains("after the closing quote"));
  CHECK_THROWS_AS(parse_record("a\"b", "f:3"), sf::ParseError);
}

TEST_CASE("csv: formula cells are neutralised the OWASP way and read back exactly") {
  std::string out;
  append_record(out, {"=HYPERLINK(\"http://x\")", "+cmd", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "'quoted", "-1.5",
                      "+3", "2e-07", "plain", ""});
  CHECK(out == "\"'=HYPERLINK(\"\"http://x\"\")\",'+cmd,'-2+3,'@SUM(A1),\"'\tTAB\",\"'\rCR\",''quoted,-1.5,+3,2e-07,"
               "plain,\r\n");
  // Every cell that a spreadsheet could run starts with a quote.
  const std::vector<std::string> hostile = {"=1+1", "+1+1", "-1+1", "@x", "\t=1", "\r=1", "'", "''", "=", "-"};
  for (const auto& cell : hostile) {
    std::string line;
    append_field(line, cell);
    INFO(cell);
    const std::string inner = line.front() == '"' ? line.substr(1) : line;
    CHECK(inner.front() == '\'');
    CHECK(parse_record(line, "t:1") == std::vector<std::string>{cell});
  }
  std::string rec;
  append_record(rec, hostile);
  rec.resize(rec.size() - 2);
  CHECK(parse_record(rec, "t:1") == hostile);
}
