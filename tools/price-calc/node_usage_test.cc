#include "price-calc/node_usage.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/error.h"
#include "common/strings.h"

#include <rapidjson/document.h>

using namespace sf::pc;
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
  // kGood with one field replaced or added (last wins in RapidJSON's FindMember? no: first) -> rebuild.
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
  REQUIRE(parse(with(R"("cpu_cores":2,"cpu_busy_cores":null,"memory_bytes":1,"window_end":"2026-11-26T07:00:00Z")"), u));
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
  CHECK(sf::format_rfc3339(parse_time("2200-12-31T23:59:59Z", "t")) == "2200-12-31T23:59:59Z");
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

// The contract's own reader on a DOM, for lines that parse.
std::string contract(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject()) return "invalid";
  sf::NodeUsage n;
  try {
    n = sf::read_node_usage(doc, "d:1");
  } catch (const sf::Error& e) {
    return std::string("error: ") + e.what();
  }
  // price-calc names an empty error (the line still failed).
  if (n.error && n.error->empty()) n.error = "failed (no reason given)";
  std::string out = sf::cat(n.node, "|", n.error.value_or("-"), "|", sf::format_number(n.cpu_cores), "|",
                            n.cpu_busy_cores ? sf::format_number(*n.cpu_busy_cores) : "null", "|",
                            sf::format_number(n.memory_bytes), "|", sf::format_number(n.gpus));
  for (const auto& [k, v] : n.labels) out += sf::cat("|", k, "=", v);
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

TEST_CASE("node_usage: both paths agree with the contract's reader (sf::read_node_usage)") {
  for (const char* line : kTricky) {
    INFO(line);
    const std::string ours = outcome(line, true);
    const std::string theirs = contract(line);
    if (ours.rfind("error", 0) == 0 || ours == "skipped" || theirs == "invalid") continue;  // errors differ in words
    // The contract's reader fills what we compare: node, error, cpu_cores, busy, memory, gpus, labels.
    const auto fields = sf::split(ours, '|');
    REQUIRE(fields.size() >= 14);
    std::string mine = sf::cat(fields[0], "|", fields[4], "|", fields[5], "|", fields[6], "|", fields[7], "|", fields[13]);
    for (size_t i = 14; i < fields.size() && fields[i].rfind("+", 0) != 0; ++i) mine += "|" + fields[i];
    CHECK(mine == theirs);
  }
}
