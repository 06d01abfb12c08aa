#include "common/pod_usage.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/line_mutations_test_support.h"
#include "common/json_writer.h"
#include "common/strings.h"

using namespace sf;

namespace {

const std::string kGood =
    R"({"kind":"pod_usage","node":"kind-worker","namespace":"team-a","pod":"api-1","container":"app",)"
    R"("source":"https://127.0.0.1:6443/api/v1/nodes/kind-worker/proxy/metrics/resource",)"
    R"("window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","running_seconds":10,)"
    R"("cpu_usage_cores":0.25,"memory_working_set_bytes":104857600})";

std::string head(const std::string& rest) {
  return R"({"kind":"pod_usage","node":"n1","namespace":"ns","pod":"p","container":"c",)"
         R"("window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z",)" +
         rest + "}";
}

bool parse(const std::string& line, PodUsageLine& out, bool fast = true) {
  return parse_pod_usage_line(line, "in:1", out, false, fast);
}

void fails(const std::string& line, const std::string& needle) {
  PodUsageLine u;
  INFO(line);
  try {
    parse(line, u);
    FAIL("no error");
  } catch (const ParseError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
    CHECK(std::string(e.what()).rfind("in:1", 0) == 0);
  }
}

std::string outcome(const std::string& line, bool fast) {
  PodUsageLine u;
  try {
    if (!parse(line, u, fast)) return "skipped";
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
  const PodUsage& p = u.usage;
  std::string out = cat(p.node, "|", p.namespace_name, "|", p.pod, "|", p.container, "|", p.source, "|",
                        p.window_start, "|", p.window_end, "|", p.error.value_or("-"), "|",
                        format_number(p.running_seconds), "|",
                        p.cpu_usage_cores ? format_number(*p.cpu_usage_cores) : "null", "|",
                        format_number(p.memory_working_set_bytes));
  for (const auto& n : u.extra_names) out += "|+" + n;
  return out;
}


}  // namespace

TEST_CASE("pod_usage: a good line reads into every field") {
  PodUsageLine u;
  REQUIRE(parse(kGood, u));
  CHECK(u.usage.node == "kind-worker");
  CHECK(u.usage.namespace_name == "team-a");
  CHECK(u.usage.pod == "api-1");
  CHECK(u.usage.container == "app");
  CHECK(u.usage.running_seconds == 10);
  CHECK(u.usage.cpu_usage_cores == 0.25);
  CHECK(u.usage.memory_working_set_bytes == 104857600);
  CHECK(std::chrono::duration<double>(u.end - u.start).count() == 10);
  CHECK_FALSE(u.failed());
  CHECK(pod_usage_read_stats().fast > 0);
}

TEST_CASE("pod_usage: the writer's line reads back to the same fields") {
  PodUsageLine u;
  REQUIRE(parse(kGood, u));
  const std::string written = pod_usage_json(u.usage);
  CHECK(written == kGood);
  PodUsage unknown = u.usage;
  unknown.cpu_usage_cores.reset();
  PodUsageLine back;
  REQUIRE(parse(pod_usage_json(unknown), back));
  CHECK_FALSE(back.usage.cpu_usage_cores.has_value());
  PodUsage failed;
  failed.node = "n1";
  failed.window_start = failed.window_end = "2026-11-26T07:00:00Z";
  failed.error = "HTTP 503";
  REQUIRE(parse(pod_usage_json(failed), back));
  CHECK(back.failed());
  CHECK(*back.usage.error == "HTTP 503");
  CHECK(back.usage.pod.empty());
}

TEST_CASE("pod_usage: the writer refuses what the reader would refuse") {
  PodUsageLine u;
  REQUIRE(parse(kGood, u));
  auto refused = [](PodUsage p, const std::string& needle) {
    try {
      pod_usage_json(p);
      FAIL("written");
    } catch (const json::JsonValueError& e) {
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
  };
  PodUsage p = u.usage;
  p.cpu_usage_cores = -1;
  refused(p, "cpu_usage_cores");
  p = u.usage;
  p.memory_working_set_bytes = std::nan("");
  refused(p, "memory_working_set_bytes");
  p = u.usage;
  p.pod.clear();
  refused(p, "\"pod\" is empty");
  p = u.usage;
  p.container = "a\nb";
  refused(p, "control characters");
  p = u.usage;
  p.namespace_name.assign(1, '\xff');
  refused(p, "UTF-8");
}

TEST_CASE("pod_usage: every rule of the contract, with the field named") {
  fails(head(R"("running_seconds":10,"cpu_usage_cores":-0.5,"memory_working_set_bytes":1)"), "\"cpu_usage_cores\" is -0.5");
  fails(head(R"("running_seconds":10,"cpu_usage_cores":1)"), "missing number field \"memory_working_set_bytes\"");
  fails(head(R"("cpu_usage_cores":1,"memory_working_set_bytes":1)"), "missing number field \"running_seconds\"");
  fails(head(R"("running_seconds":11,"cpu_usage_cores":1,"memory_working_set_bytes":1)"), "longer than its window");
  fails(head(R"("running_seconds":"10","cpu_usage_cores":1,"memory_working_set_bytes":1)"), "\"running_seconds\" must be a number");
  fails(head(R"("running_seconds":10,"cpu_usage_cores":1,"memory_working_set_bytes":1,"pod":"q")"), "\"pod\" is given twice");
  fails(head(R"("running_seconds":10,"cpu_usage_cores":1,"memory_working_set_bytes":1,"x":1,"x":2)"), "\"x\" is given twice");
  fails(R"({"kind":"pod_usage","node":"n1","namespace":"ns","pod":"","container":"c","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","running_seconds":1,"memory_working_set_bytes":1})",
        "\"pod\" is empty");
  fails(R"({"kind":"pod_usage","node":"n1","namespace":"ns","pod":"p","container":"c","window_start":"2026-11-26T07:00:10Z","window_end":"2026-11-26T07:00:00Z","running_seconds":0,"memory_working_set_bytes":1})",
        "is before");
  fails(R"({"kind":"pod_usage","node":"n1","namespace":"ns","pod":"p","container":"c","window_start":"2026-02-30T07:00:00Z","window_end":"2026-11-26T07:00:00Z","running_seconds":0,"memory_working_set_bytes":1})",
        "window_start");
  fails(R"({"kind":"pod_usage","node":"n\u0001","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:00Z","error":"x"})",
        "control characters");
  fails("{\"kind\":\"pod_usage\",\"node\":\"n\xff\"}", "not valid UTF-8");
  fails(R"({"kind":"pod_usage","node":"n1",)", "every line must be one complete pod_usage JSON object");
  fails(R"(["pod_usage"])", "expected a JSON object");
  fails(R"({"node":"n1"})", "missing field \"kind\"");
  PodUsageLine u;
  CHECK_FALSE(parse(R"({"kind":"node_usage","node":"n1","node":"n2"})", u));  // other kinds are not ours
  CHECK_FALSE(parse("   ", u));
  // A failed node needs neither a container nor figures; its window may even be unreadable.
  REQUIRE(parse(R"({"kind":"pod_usage","node":"n1","window_start":"later","window_end":"x","error":""})", u));
  CHECK(u.failed());
  CHECK(*u.usage.error == "failed (no reason given)");
  CHECK_FALSE(u.has_window);
  // null CPU (one sample) is fine; a zero-length window holds a zero running time.
  REQUIRE(parse(R"({"kind":"pod_usage","node":"n1","namespace":"ns","pod":"p","container":"c","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:00Z","running_seconds":0,"cpu_usage_cores":null,"memory_working_set_bytes":5})", u));
  CHECK_FALSE(u.usage.cpu_usage_cores.has_value());
}

TEST_CASE("pod_usage: the field names the lookup knows are the contract's") {
  // Each contract field, given twice, is reported by its own name: lookup and kFieldNames agree.
  for (const char* field : {"node", "namespace", "pod", "container", "source", "window_start", "window_end", "error",
                            "running_seconds", "cpu_usage_cores", "memory_working_set_bytes"}) {
    fails(head(cat(R"("source":"s","error":"e","cpu_usage_cores":1,"running_seconds":10,"memory_working_set_bytes":1,")",
                   field, R"(":"x")")),
          cat("\"", field, "\" is given twice"));
  }
}

TEST_CASE("pod_usage: both paths agree on every field and every error, over every one-byte mutation") {
  const std::vector<std::string> bases = {
      kGood,
      R"({"kind":"pod_usage","node":"n1","window_start":"2026-11-26T07:00:00Z","window_end":"2026-11-26T07:00:10Z","error":"refused"})",
      head(R"("running_seconds":9.5,"cpu_usage_cores":null,"memory_working_set_bytes":1.5e6,"x":[1,{"y":null}])"),
  };
  const UsageReadStats before = pod_usage_read_stats();
  size_t compared = 0, errors = 0;
  for (const std::string& base : bases) {
    for (const std::string& line : test::one_byte_mutations(base)) {
      const std::string fast = outcome(line, true), general = outcome(line, false);
      if (fast != general) {
        INFO(line);
        CHECK(fast == general);
      }
      ++compared;
      if (fast.rfind("error", 0) == 0) ++errors;
    }
  }
  const UsageReadStats after = pod_usage_read_stats();
  CHECK(after.fast - before.fast > compared / 10);
  CHECK(after.general - before.general >= compared);
  CHECK(errors > compared / 4);
  CHECK(errors < compared);
}
