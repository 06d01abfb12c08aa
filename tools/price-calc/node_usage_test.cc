#include "price-calc/node_usage.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/error.h"

using namespace sf::pc;
using Catch::Contains;

namespace {

const std::string kGood =
    R"({"kind":"node_usage","node":"n1","source":"http://127.0.0.1:9100/metrics","window_start":"2026-11-26T07:00:00.000Z",)"
    R"("window_end":"2026-11-26T07:00:10.250Z","cpu_cores":2,"cpu_busy_cores":0.53,"memory_bytes":8589934592,)"
    R"("memory_used_bytes":4294967296,"filesystem_bytes":1,"filesystem_used_bytes":0,"gpus":0,"labels":{"a":"b"}})";

bool parse(const std::string& line, UsageLine& out, bool truncated = false) {
  static rapidjson::Document doc;
  return parse_usage_line(line, "usage.jsonl:7", doc, out, truncated);
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
  const std::string deep_field = with(R"("cpu_cores":1,"memory_bytes":1,"x":)" + std::string(100000, '[') +
                                      std::string(100000, ']'));
  UsageLine u;
  CHECK(parse(deep_field, u));  // parsed; the field is not written back (see format_json)
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
