#include "common/node_usage.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/error.h"
#include "common/line_mutations_test_support.h"
#include "common/strings.h"
#include "common/json_writer.h"

#include <cmath>
#include <vector>


using namespace sf;
using Catch::Contains;

namespace {

const std::string kGood =
    R"({"kind":"node_usage","node":"n1","source":"http://127.0.0.1:9100/metrics","window_start":"2026-11-26T07:00:00.000Z",)"
    R"("window_end":"2026-11-26T07:00:10.250Z","cpu_cores":2,"cpu_busy_cores":0.53,"memory_bytes":8589934592,)"
    R"("memory_used_bytes":4294967296,"filesystem_bytes":1,"filesystem_used_bytes":0,"gpus":0,"labels":{"a":"b"}})";

bool parse(const std::string& line, UsageLine& out, bool truncated = false) {
  return parse_usage_line(line, "usage.jsonl:7", out, truncated);
}

void fails(const std::string& line, const std::string& what) {
  UsageLine out;
  CHECK_THROWS_WITH(parse(line, out), Contains("usage.jsonl:7") && Contains(what));
}

std::string with(const std::string& field_and_value) {
  // A line with the required window and node, plus `field_and_value`.
  return R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z",)" +
         field_and_value + "}";
}

}  // namespace

TEST_CASE("node_usage: a good line, times made canonical") {
  UsageLine u;
  REQUIRE(parse(kGood, u));
  CHECK(u.usage.node == "n1");
  CHECK(u.usage.window_start == "2026-11-26T07:00:00Z");      // .000 dropped
  CHECK(u.usage.window_end == "2026-11-26T07:00:10.250Z");
  CHECK(std::chrono::duration<double>(u.end - u.start).count() == 10.25);
  CHECK(*u.usage.cpu_busy_cores == 0.53);
  CHECK(u.usage.labels.size() == 1);
  CHECK(u.where == "usage.jsonl:7");
  CHECK(u.usage.source == "http://127.0.0.1:9100/metrics");
  CHECK(u.usage.cpu_cores == 2);
  CHECK(u.usage.memory_used_bytes == 4294967296);
  CHECK(u.usage.filesystem_bytes == 1);
  CHECK_FALSE(u.usage.network_receive_bytes.has_value());
  CHECK_FALSE(u.failed());
}

TEST_CASE("node_usage: other kinds and blank lines are skipped") {
  UsageLine u;
  CHECK_FALSE(parse(R"({"kind":"node","name":"n0"})", u));
  CHECK_FALSE(parse("   ", u));
}

TEST_CASE("node_usage: failed nodes keep their error and need no figures") {
  UsageLine u;
  REQUIRE(parse(R"({"kind":"node_usage","node":"n3","window_start":"2026-11-26T07:00:00Z","window_end":"x","error":"refused"})", u));
  CHECK(u.failed());
  CHECK(*u.usage.error == "refused");
  CHECK_FALSE(u.has_window);  // an unparsable window on a failed line is not fatal
}

TEST_CASE("node_usage: a single-sample line (--once) has a zero-length window and null busy cores") {
  UsageLine u;
  REQUIRE(parse(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:00Z",)"
                R"("cpu_cores":2,"cpu_busy_cores":null,"memory_bytes":1})", u));
  CHECK(u.start == u.end);
  CHECK_FALSE(u.usage.cpu_busy_cores.has_value());
}

TEST_CASE("node_usage: bad lines name the file, the line and the field") {
  fails(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":2,)",
        "invalid JSON");
  UsageLine u;
  CHECK_THROWS_WITH(parse(R"({"kind":"node_usage","node":"n1")", u, true), Contains("ends in the middle of this line"));
  fails(R"({"node":"n1"})", "missing field \"kind\"");
  fails(R"({"kind":"node_usage","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z"})", "\"node\"");
  fails(with(R"("memory_bytes":1)"), "\"cpu_cores\"");
  fails(with(R"("cpu_cores":"2","memory_bytes":1)"), "\"cpu_cores\" must be a number");
  fails(with(R"("cpu_cores":-2,"memory_bytes":1)"), "\"cpu_cores\" is -2");
  fails(with(R"("cpu_cores":2,"memory_bytes":1,"memory_used_bytes":-1)"), "\"memory_used_bytes\"");
  fails(with(R"("cpu_cores":2,"memory_bytes":1,"gpus":-1)"), "\"gpus\"");
  fails(with(R"("cpu_cores":2,"memory_bytes":1,"labels":{"a":1})"), "label \"a\" must be a string");
  fails(R"({"kind":"node_usage","node":"n1","window_start":"yesterday","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "window_start");
  fails(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:10Z","window_end":"2026-11-26T07:00:00Z","cpu_cores":1,"memory_bytes":1})",
        "before");
  fails(R"({"kind":"node_usage","node":"","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "\"node\" is empty");
  fails(R"({"kind":"node_usage","node":"a\nb","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "control characters");
  fails(R"([1,2])", "expected a JSON object");
  fails(with(R"("cpu_cores":1e999,"memory_bytes":1)"), "invalid JSON");  // too big for a double
}

TEST_CASE("node_usage: the reader streams a file, skipping other kinds, with line numbers") {
  char path[] = "/tmp/pc-usage-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string text = R"({"kind":"node","name":"n0"})" "\n" + kGood + "\n\n" + kGood;  // last line unterminated
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  NodeUsageReader reader(path);
  UsageLine u;
  REQUIRE(reader.next(u));
  CHECK(u.where == std::string(path) + ":2");
  REQUIRE(reader.next(u));
  CHECK(u.where == std::string(path) + ":4");
  CHECK_FALSE(reader.next(u));
  CHECK(reader.skipped() == 1);
  ::unlink(path);
  CHECK_THROWS_AS(NodeUsageReader("/nonexistent/usage.jsonl"), sf::UsageError);
  CHECK_THROWS_AS(NodeUsageReader("/tmp"), sf::UsageError);
}

TEST_CASE("node_usage: canonical times keep milliseconds only when present") {
  CHECK(canonical_time(sf::parse_rfc3339("2026-11-26T07:00:00+01:00", "t")) == "2026-11-26T06:00:00Z");
  CHECK(canonical_time(sf::parse_rfc3339("2026-11-26T07:00:00.5Z", "t")) == "2026-11-26T07:00:00.500Z");
}

TEST_CASE("node_usage: deep nesting is an error, not a stack overflow") {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  fails(deep, "expected a JSON object");
  fails(with(R"("cpu_cores":1,"memory_bytes":1,"x":)" + std::string(100000, '[') + std::string(100000, ']')),
        "nested deeper than 64");
  UsageLine u;
  CHECK(parse(with(R"("cpu_cores":1,"memory_bytes":1,"x":)" + std::string(60, '[') + std::string(60, ']')), u));
}

TEST_CASE("node_usage: years outside 1970..2200 are errors, not clock overflows") {
  fails(R"({"kind":"node_usage","node":"n1","window_start":"4052-11-26T07:00:00Z","window_end":"4052-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "from 1970 to 2200");
  fails(R"({"kind":"node_usage","node":"n1","window_start":"-002-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "window_start");
  fails(R"({"kind":"node_usage","node":"n1","window_start":"1969-12-31T23:59:59Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "window_start");
  CHECK(sf::format_rfc3339(parse_contract_time("2200-12-31T23:59:59Z", "t")) == "2200-12-31T23:59:59Z");
}

namespace {

// What a parse gave: the figures, or the error message.
std::string outcome(const std::string& line, bool fast) {
  UsageLine u;
  try {
    if (!parse_usage_line(line, "d:1", u, false, fast)) return "skipped";
  } catch (const sf::Error& e) {
    return std::string("error: ") + e.what();
  }
  const sf::NodeUsage& n = u.usage;
  std::string out = sf::cat(n.node, "|", n.source, "|", n.window_start, "|", n.window_end, "|", n.error.value_or("-"),
                            "|", sf::format_number(n.cpu_cores), "|", n.cpu_busy_cores ? sf::format_number(*n.cpu_busy_cores) : "null",
                            "|", sf::format_number(n.memory_bytes), "|", sf::format_number(n.memory_used_bytes), "|",
                            sf::format_number(n.filesystem_bytes), "|", sf::format_number(n.filesystem_used_bytes), "|",
                            n.network_receive_bytes ? sf::format_number(*n.network_receive_bytes) : "null", "|",
                            n.network_transmit_bytes ? sf::format_number(*n.network_transmit_bytes) : "null", "|",
                            sf::format_number(n.gpus));
  for (const auto& [k, v] : n.labels) out += sf::cat("|", k, "=", v);
  for (const RawMember& m : u.extra) out += sf::cat("|+", m.name, ":", m.json);
  return out;
}

const char* const kTricky[] = {
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":2,"memory_bytes":8589934592})",
    R"(  { "kind" : "node_usage" , "node" : "n1" , "window_start" : "2026-11-26T07:00:00Z" , "window_end" : "2026-11-26T07:00:10Z" , "cpu_cores" : 2.5 , "memory_bytes" : 1e3 }  )",
    R"({"kind":"node_usage","node":"n\u00e9\"1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":0.1,"memory_bytes":0})",
    R"({"kind":"node_usage","node":"n1","node":"n2","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"cpu_cores":"x","memory_bytes":0})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":0.30000000000000004,"cpu_busy_cores":1.7976931348623157e308,"memory_bytes":123456789012345678901234567890})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":-0,"memory_bytes":-0.0,"gpus":0.000000000000000000001})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":123456789012345.6,"memory_bytes":1234567890123456.7,"gpus":9007199254740993})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":01,"memory_bytes":1})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1.,"memory_bytes":1})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":true,"memory_bytes":null})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"labels":{"a":"1","b":"x\ty","a":"2"},"labels":{"c":"3"}})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"labels":{"a":{"b":1}}})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"labels":["a"]})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"zone":"z1","list":[1,{"a":[true,null]}],"n":-1.5e-3,"s":"a\"b"})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"zone": "z1" ,"n":7,"t":true,"z":null})",
    R"({"kind":"node_usage","node":"n3","window_start":"x","window_end":"y","error":"refused","cpu_cores":"broken","labels":{}})",
    R"({"kind":"node_usage","node":"n3","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","error":"","labels":null})",
    R"({"kind":"node","name":"n0","cpu_cores":"whatever"})",
    R"({"kind":5})",
    R"({"kind":"node_usage"})",
    R"({"kind":"node_usage","node":"n1"} trailing)",
    R"({"kind":"node_usage","node":"n1",})",
    R"({"kind":"node_usage","node":"n1")",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"x":tru})",
    R"("just a string")",
    R"(42)",
    R"({})",
    R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"labels":{"k\u0000x":"v\u0000w"}})",
};

}  // namespace

TEST_CASE("node_usage: the fast scanner and RapidJSON read every line the same") {
  for (const char* line : kTricky) {
    INFO(line);
    CHECK(outcome(line, true) == outcome(line, false));
  }
  // Raw control bytes and NUL inside the line.
  for (const std::string& line : {std::string("{\"kind\":\"node_usage\",\"node\":\"a\tb\"}"),
                                 std::string("{\"kind\":\"node_usage\",\"node\":\"a") + '\0' + "b\"}",
                                 std::string("{\"kind\":\"node_usage\"}") + '\0'}) {
    CHECK(outcome(line, true) == outcome(line, false));
  }
}

TEST_CASE("node_usage: fields outside the contract are kept as raw JSON") {
  UsageLine u;
  for (const bool fast : {true, false}) {
    REQUIRE(parse_usage_line(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z",)"
                             R"("window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"zone": "z1" ,)"
                             R"("deep":{"a":[1,{"b":"c\"d"}]},"n":-7.5e3})",
                             "t:1", u, false, fast));
    REQUIRE(u.extra.size() == 3);
    CHECK(u.extra[0].name == "zone");
    CHECK(u.extra[0].json == "\"z1\"");
    CHECK(u.extra[1].json == R"({"a":[1,{"b":"c\"d"}]})");
    CHECK(u.extra[2].json == "-7.5e3");
  }
}


TEST_CASE("node_usage: both paths agree on every field and every error, over every one-byte mutation") {
  const std::vector<std::string> bases = {
      kGood,
      R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:00Z","error":"refused","labels":{}})",
      R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1,"x":[1,{"y":null}],"network_receive_bytes":12.5})",
  };
  test::check_both_paths_agree(bases, outcome, [] { return usage_read_stats(); });
}

TEST_CASE("node_usage: a key given twice is an error, wherever it is") {
  fails(with(R"("cpu_cores":1,"memory_bytes":1,"cpu_cores":2)"), "\"cpu_cores\" is given twice");
  fails(R"({"kind":"node_usage","node":"n1","node":"n2","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "\"node\" is given twice");
  fails(R"({"kind":"node_usage","kind":"node_usage","node":"n1"})", "\"kind\" is given twice");
  fails(with(R"("cpu_cores":1,"memory_bytes":1,"zone":"a","zone":"b")"), "\"zone\" is given twice");
  fails(with(R"("cpu_cores":1,"memory_bytes":1,"labels":{"a":"1","b":"2","a":"3"})"), "label \"a\" is given twice");
  fails(with(R"("cpu_cores":1,"memory_bytes":1,"labels":{},"labels":{})"), "\"labels\" is given twice");
  UsageLine u;
  CHECK_FALSE(parse(R"({"kind":"node","name":"x","name":"y"})", u));  // other kinds are not ours to judge
}

TEST_CASE("node_usage: text must be UTF-8, non-ASCII that is UTF-8 is fine") {
  fails(with("\"cpu_cores\":1,\"memory_bytes\":1,\"labels\":{\"a\":\"\xff\"}"), "not valid UTF-8");
  fails("{\"kind\":\"node_usage\",\"node\":\"n\xc3\",\"window_start\":\"2026-11-26T07:00:00Z\"}", "not valid UTF-8");
  UsageLine u;
  REQUIRE(parse(with("\"cpu_cores\":1,\"memory_bytes\":1,\"labels\":{\"zone\":\"z\xc3\xbcrich\"}"), u));
  CHECK(u.usage.labels[0].second == "z\xc3\xbcrich");
}

TEST_CASE("node_usage: dates that do not exist and bad offsets are refused") {
  fails(R"({"kind":"node_usage","node":"n1","window_start":"2026-02-30T00:00:00Z","window_end":"2026-03-02T00:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "2026-02 has 28 days");
  fails(R"({"kind":"node_usage","node":"n1","window_start":"2026-02-20T00:00:00+99:00","window_end":"2026-03-02T00:00:10Z","cpu_cores":1,"memory_bytes":1})",
        "offset");
}

TEST_CASE("node_usage: the reader reports a bad line and goes on with the next") {
  char path[] = "/tmp/pc-usage-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string text = kGood + "\n{broken\n" + std::string(20000, 'x') + "\n" + kGood + "\n";
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  NodeUsageReader reader(path);
  UsageLine u;
  REQUIRE(reader.next(u));
  CHECK_THROWS_WITH(reader.next(u), Contains(std::string(path) + ":2") && Contains("invalid JSON"));
  CHECK_THROWS_WITH(reader.next(u), Contains(std::string(path) + ":3"));
  REQUIRE(reader.next(u));
  CHECK(u.where == std::string(path) + ":4");
  CHECK_FALSE(reader.next(u));
  ::unlink(path);
}

TEST_CASE("node_usage: what the contract writer writes, the reader reads back field for field") {
  NodeUsage n;
  n.node = "n\xc3\xa9-1";
  n.source = "http://10.0.0.1:9100/metrics";
  n.window_start = "2026-11-26T07:00:00.125Z";
  n.window_end = "2026-11-26T07:00:10.250Z";
  n.cpu_cores = 4;
  n.cpu_busy_cores = 1.0 / 3;
  n.memory_bytes = 8589934592;
  n.memory_used_bytes = 1e-300;
  n.filesystem_bytes = 123456789012345678.0;
  n.filesystem_used_bytes = 0;
  n.network_receive_bytes = 0.5;
  n.network_transmit_bytes = std::nullopt;
  n.gpus = 2;
  n.labels = {{"a\"b", "c\\d"}, {"zone", "z1"}};
  for (const bool fast : {true, false}) {
    UsageLine u;
    REQUIRE(parse_usage_line(node_usage_json(n), "w:1", u, false, fast));
    CHECK(u.usage.node == n.node);
    CHECK(u.usage.source == n.source);
    CHECK(u.usage.window_start == n.window_start);
    CHECK(u.usage.window_end == n.window_end);
    CHECK(u.usage.cpu_cores == n.cpu_cores);
    CHECK(u.usage.cpu_busy_cores == n.cpu_busy_cores);
    CHECK(u.usage.memory_bytes == n.memory_bytes);
    CHECK(u.usage.memory_used_bytes == n.memory_used_bytes);
    CHECK(u.usage.filesystem_bytes == n.filesystem_bytes);
    CHECK(u.usage.filesystem_used_bytes == n.filesystem_used_bytes);
    CHECK(u.usage.network_receive_bytes == n.network_receive_bytes);
    CHECK(u.usage.network_transmit_bytes == n.network_transmit_bytes);
    CHECK(u.usage.gpus == n.gpus);
    CHECK(u.usage.labels == n.labels);
    CHECK_FALSE(u.usage.error);
  }
}

TEST_CASE("node_usage: the writer refuses what the reader would refuse, naming the field") {
  NodeUsage n;
  n.node = "n1";
  n.window_start = n.window_end = "2026-11-26T07:00:00Z";
  CHECK_NOTHROW(node_usage_json(n));
  NodeUsage bad = n;
  bad.memory_bytes = std::nan("");
  CHECK_THROWS_WITH(node_usage_json(bad), Contains("\"memory_bytes\" is NaN"));
  bad = n;
  bad.filesystem_bytes = INFINITY;
  CHECK_THROWS_WITH(node_usage_json(bad), Contains("\"filesystem_bytes\" is +Inf"));
  bad = n;
  bad.memory_bytes = -1;
  CHECK_THROWS_WITH(node_usage_json(bad), Contains("\"memory_bytes\" is -1"));
  bad = n;
  bad.cpu_busy_cores = -INFINITY;
  CHECK_THROWS_AS(node_usage_json(bad), sf::json::JsonValueError);
  bad = n;
  bad.node = "evil\nnode";
  CHECK_THROWS_WITH(node_usage_json(bad), Contains("control characters") && Contains("evil\\nnode"));
  bad = n;
  bad.node = "n\xff";
  CHECK_THROWS_WITH(node_usage_json(bad), Contains("UTF-8"));
  bad = n;
  bad.node.clear();
  CHECK_THROWS_AS(node_usage_json(bad), sf::json::JsonValueError);
  bad = n;
  bad.error = "refused";
  bad.memory_bytes = std::nan("");  // a failed line carries no figures: nothing to refuse
  CHECK_NOTHROW(node_usage_json(bad));
}

TEST_CASE("node_usage: numbers are read correctly rounded on both paths, zero with any exponent included") {
  // "0e53" and "0e308" sent RapidJSON 1.1's full-precision strtod into clz(0) (UBSan); numbers
  // now reach from_chars as text. Out of a double's range is an error, never infinity.
  for (const bool fast : {true, false}) {
    UsageLine u;
    for (const char* zero : {"0e53", "0e308", "-0", "0.0e30"}) {
      REQUIRE(parse_usage_line(cat(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z",)",
                                   R"("window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":)", zero, "}"),
                               "t:1", u, false, fast));
      CHECK(u.usage.memory_bytes == 0);
      CHECK_FALSE(std::signbit(u.usage.memory_bytes));
    }
    REQUIRE(parse_usage_line(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z",)"
                             R"("window_end":"2026-11-26T07:00:10Z","cpu_cores":0.30000000000000004,"memory_bytes":1e2})",
                             "t:1", u, false, fast));
    CHECK(u.usage.cpu_cores == 0.30000000000000004);
    CHECK(u.usage.memory_bytes == 100);
    // Underflow is a tiny number, read as 0 (sf::parse_number's rule); too big is an error.
    REQUIRE(parse_usage_line(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z",)"
                             R"("window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1e-400})",
                             "t:6", u, false, fast));
    CHECK(u.usage.memory_bytes == 0);
    CHECK_THROWS_WITH(parse_usage_line(R"({"kind":"node_usage","node":"n1","window_start":"2026-11-26T07:00:00Z",)"
                                       R"("window_end":"2026-11-26T07:00:10Z","cpu_cores":1,"memory_bytes":1e999})",
                                       "t:7", u, false, fast),
                      Catch::Contains("t:7") && Catch::Contains("invalid JSON"));
  }
}
