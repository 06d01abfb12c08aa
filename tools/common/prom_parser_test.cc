#include "common/prom_parser.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace {

using sf::prom::Format;
using sf::prom::Parser;
using sf::prom::Sample;

// A sample copied out of the handler (the views die when it returns).
struct Owned {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  std::optional<int64_t> ts;
  std::string type;

  bool operator==(const Owned& o) const {
    const bool same_value = (std::isnan(value) && std::isnan(o.value)) || value == o.value;
    return name == o.name && labels == o.labels && same_value && ts == o.ts && type == o.type;
  }
};

std::ostream& operator<<(std::ostream& out, const Owned& s) {
  out << s.name << "{";
  for (const auto& [k, v] : s.labels) out << k << "=\"" << v << "\",";
  out << "} " << s.value;
  if (s.ts) out << " @" << *s.ts;
  return out << " (" << s.type << ")";
}

Owned own(const Sample& s) {
  Owned o;
  o.name = std::string(s.name);
  for (const auto& label : s.labels) o.labels.emplace_back(label.name, label.value);
  o.value = s.value;
  o.ts = s.timestamp_ms;
  o.type = std::string(s.family_type);
  return o;
}

enum class Chunking { kWhole, kBytes, kRandom };

// Parses text fed whole, byte by byte, or in random chunk sizes (seeded).
std::vector<Owned> parse(std::string_view text, Chunking chunking = Chunking::kWhole,
                         Format format = Format::kAuto, unsigned seed = 1) {
  std::vector<Owned> out;
  Parser parser([&](const Sample& s) { out.push_back(own(s)); }, "test");
  parser.set_format(format);
  if (chunking == Chunking::kWhole) {
    parser.feed(text);
  } else if (chunking == Chunking::kBytes) {
    for (size_t i = 0; i < text.size(); ++i) parser.feed(text.substr(i, 1));
  } else {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<size_t> size(0, 97);
    for (size_t i = 0; i < text.size();) {
      const size_t n = std::min(size(rng), text.size() - i);
      parser.feed(text.substr(i, n));
      i += n;
    }
  }
  parser.finish();
  CHECK(parser.samples() == out.size());
  return out;
}

Owned one(std::string_view text, Format format = Format::kAuto) {
  const auto samples = parse(text, Chunking::kWhole, format);
  REQUIRE(samples.size() == 1);
  return samples[0];
}

// The ParseError an input raises (fed whole), so tests can check where() and detail().
sf::ParseError error_of(std::string_view text, Format format = Format::kAuto,
                        Chunking chunking = Chunking::kWhole) {
  try {
    parse(text, chunking, format);
  } catch (const sf::ParseError& e) {
    return e;
  }
  FAIL("no ParseError for: " << text);
  throw std::logic_error("unreachable");
}

// Mirrors node-exporter 1.5.0's style: HELP and TYPE per family, Go float formatting.
const char kNodeBody[] =
    "# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection "
    "cycles.\n"
    "# TYPE go_gc_duration_seconds summary\n"
    "go_gc_duration_seconds{quantile=\"0\"} 2.1e-05\n"
    "go_gc_duration_seconds{quantile=\"1\"} 0.000112\n"
    "go_gc_duration_seconds_sum 0.000418\n"
    "go_gc_duration_seconds_count 7\n"
    "# HELP go_memstats_alloc_bytes Number of bytes allocated and still in use.\n"
    "# TYPE go_memstats_alloc_bytes gauge\n"
    "go_memstats_alloc_bytes 1.748936e+06\n"
    "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
    "# TYPE node_cpu_seconds_total counter\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 2.5276510208e+10\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 5.5555004e+07\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1234.56\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 7.01e+02\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 0\n"
    "# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in "
    "bytes.\n"
    "# TYPE node_filesystem_avail_bytes gauge\n"
    "node_filesystem_avail_bytes{device=\"/dev/sda1\",fstype=\"ext4\",mountpoint=\"/\"} "
    "2.4839585792e+10\n"
    "# HELP node_scrape_collector_success node_exporter: Whether a collector succeeded.\n"
    "# TYPE node_scrape_collector_success gauge\n"
    "node_scrape_collector_success{collector=\"systemd\"} 0\n"
    "# HELP node_uname_info Labeled system information as provided by the uname system call.\n"
    "# TYPE node_uname_info gauge\n"
    "node_uname_info{domainname=\"(none)\",machine=\"x86_64\",nodename=\"kind-worker\","
    "release=\"6.1.0-18-amd64\",sysname=\"Linux\",version=\"#1 SMP PREEMPT_DYNAMIC Debian "
    "6.1.76-1 (2024-02-01)\"} 1\n"
    "# HELP node_vmstat_pgfault /proc/vmstat information field pgfault.\n"
    "# TYPE node_vmstat_pgfault untyped\n"
    "node_vmstat_pgfault 1.0837549e+07\n"
    "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
    "# TYPE process_start_time_seconds gauge\n"
    "process_start_time_seconds 1.70000000012e+09\n";

// Everything tricky at once, for the chunking equivalence test.
const char kTrickyBody[] =
    "# a free comment\r\n"
    "\r\n"
    "   \t\n"
    "# HELP esc Text with \\\\ and \\n escapes\r\n"
    "# TYPE esc gauge\r\n"
    "esc{path=\"C:\\\\dir\\\\\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\",} 1 1700000000123\r\n"
    "esc { a = \"1\" ,\tb=\"2\" , } -Inf\n"
    "esc{} +Inf 17\n"
    "esc NaN\n"
    "job:node_cpu:rate5m{instance=\"n1:9100\"} 0.53\n"
    "# TYPE om counter\n"
    "om_total 3 1700000000.250 # {trace_id=\"abc\\\"d\"} 1.5 1700000000.1\n"
    "om_created 1.7e+09\n"
    "  leading 2\n"
    "unicode{v=\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac\"} 5\n"
    "# EOF\n";

}  // namespace

TEST_CASE("node-exporter style body: families, labels, Go floats, types", "[prom]") {
  const auto samples = parse(kNodeBody);
  REQUIRE(samples.size() == 15);

  CHECK(samples[0].name == "go_gc_duration_seconds");
  CHECK(samples[0].labels == decltype(samples[0].labels){{"quantile", "0"}});
  CHECK(samples[0].value == Approx(2.1e-05));
  CHECK(samples[0].type == "summary");
  CHECK(samples[2].name == "go_gc_duration_seconds_sum");
  CHECK(samples[2].type == "summary");
  CHECK(samples[3].type == "summary");
  CHECK(samples[3].value == 7);
  CHECK(samples[4].value == 1748936.0);
  CHECK(samples[4].type == "gauge");

  const Owned& idle0 = samples[5];
  CHECK(idle0.name == "node_cpu_seconds_total");
  REQUIRE(idle0.labels.size() == 2);
  CHECK(idle0.labels[0] == std::pair<std::string, std::string>{"cpu", "0"});
  CHECK(idle0.labels[1] == std::pair<std::string, std::string>{"mode", "idle"});
  CHECK(idle0.value == 25276510208.0);
  CHECK(idle0.type == "counter");
  CHECK_FALSE(idle0.ts.has_value());
  CHECK(samples[6].value == 55555004.0);
  CHECK(samples[7].value == 1234.56);
  CHECK(samples[8].value == 701.0);

  CHECK(samples[10].labels.size() == 3);
  CHECK(samples[10].labels[2].second == "/");
  CHECK(samples[10].value == 24839585792.0);
  CHECK(samples[12].labels[5].second == "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
  CHECK(samples[12].labels[1].first == "machine");
  CHECK(samples[13].type == "untyped");
  CHECK(samples[13].value == 10837549.0);
  CHECK(samples[14].value == 1700000000.12);
  CHECK(samples[14].type == "gauge");
}

TEST_CASE("whole, byte-by-byte and random chunks give identical samples", "[prom]") {
  for (const char* body : {static_cast<const char*>(kNodeBody), static_cast<const char*>(kTrickyBody)}) {
    const auto whole = parse(body);
    REQUIRE(whole.size() >= 9);
    CHECK(parse(body, Chunking::kBytes) == whole);
    for (unsigned seed = 1; seed <= 20; ++seed) {
      CHECK(parse(body, Chunking::kRandom, Format::kAuto, seed) == whole);
    }
  }
}

TEST_CASE("the tricky body parses to the expected samples", "[prom]") {
  const auto s = parse(kTrickyBody);
  REQUIRE(s.size() == 9);
  CHECK(s[0].labels[0].second == "C:\\dir\\");
  CHECK(s[0].labels[1].second == "say \"hi\"");
  CHECK(s[0].labels[2].second == "a\nb");
  CHECK(s[0].ts == 1700000000123);
  CHECK(s[0].type == "gauge");
  CHECK(s[1].labels == decltype(s[1].labels){{"a", "1"}, {"b", "2"}});
  CHECK(s[1].value == -std::numeric_limits<double>::infinity());
  CHECK(s[2].labels.empty());
  CHECK(s[2].value == std::numeric_limits<double>::infinity());
  CHECK(s[2].ts == 17);
  CHECK(std::isnan(s[3].value));
  CHECK(s[4].name == "job:node_cpu:rate5m");
  CHECK(s[4].labels[0].second == "n1:9100");
  CHECK(s[4].type == "untyped");
  CHECK(s[5].name == "om_total");
  CHECK(s[5].type == "counter");
  CHECK(s[5].ts == 1700000000250);
  CHECK(s[6].name == "om_created");
  CHECK(s[6].type == "counter");
  CHECK(s[6].value == 1.7e9);
  CHECK(s[7].name == "leading");
  CHECK(s[8].labels[0].second == "\xc3\xa9t\xc3\xa9 \xe2\x82\xac");
}

TEST_CASE("label value escapes are unescaped exactly", "[prom]") {
  const auto s = one(R"(m{a="back\\slash",b="q\"uote",c="new\nline",d="\\n",e="\\\"",f="plain"} 1)");
  REQUIRE(s.labels.size() == 6);
  CHECK(s.labels[0].second == "back\\slash");
  CHECK(s.labels[1].second == "q\"uote");
  CHECK(s.labels[2].second == "new\nline");
  CHECK(s.labels[3].second == "\\n");  // escaped backslash followed by a plain n
  CHECK(s.labels[4].second == "\\\"");
  CHECK(s.labels[5].second == "plain");

  // Unknown escapes stay verbatim (Prometheus's scraper does the same).
  CHECK(one(R"(m{a="tab\there"} 1)").labels[0].second == "tab\\there");
  // A quote or brace inside a value is not structure.
  CHECK(one(R"(m{a="x} 2 3",b="{y=\"z\"}"} 4)").labels[0].second == "x} 2 3");
  CHECK(one(R"(m{a="x} 2 3",b="{y=\"z\"}"} 4)").labels[1].second == "{y=\"z\"}");
  CHECK(one(R"(m{a="x} 2 3",b="{y=\"z\"}"} 4)").value == 4);
}

TEST_CASE("many escaped labels on one long line keep every value intact", "[prom]") {
  std::string line = "m{";
  for (int i = 0; i < 3000; ++i) {
    line += 'l';
    line += std::to_string(i);
    line += "=\"v\\\\";
    line += std::to_string(i);
    line += "\\\"\",";
  }
  line += "} 42\n";
  for (auto chunking : {Chunking::kWhole, Chunking::kRandom}) {
    const auto samples = parse(line, chunking);
    REQUIRE(samples.size() == 1);
    REQUIRE(samples[0].labels.size() == 3000);
    for (int i = 0; i < 3000; i += 7) {
      CHECK(samples[0].labels[static_cast<size_t>(i)].second ==
            "v\\" + std::to_string(i) + "\"");
    }
    CHECK(samples[0].value == 42);
  }
}

TEST_CASE("HELP text escapes", "[prom]") {
  std::vector<std::pair<std::string, std::string>> helps;
  Parser parser([](const Sample&) {}, "help");
  parser.set_help_handler([&](std::string_view family, std::string_view text) {
    helps.emplace_back(family, text);
  });
  parser.feed("# HELP a Back\\\\slash and\\nnewline \\\"kept\\\" \\x too\n"
              "# HELP b   leading blanks dropped\n"
              "# HELP c\n"
              "# HELP b duplicate HELP is fine\n");
  parser.finish();
  REQUIRE(helps.size() == 4);
  CHECK(helps[0].first == "a");
  CHECK(helps[0].second == "Back\\slash and\nnewline \\\"kept\\\" \\x too");
  CHECK(helps[1].second == "leading blanks dropped");
  CHECK(helps[2] == std::pair<std::string, std::string>{"c", ""});
  CHECK(helps[3] == std::pair<std::string, std::string>{"b", "duplicate HELP is fine"});

  // OpenMetrics also escapes the double quote in HELP.
  std::string om_help;
  Parser om([](const Sample&) {}, "om");
  om.set_format(Format::kOpenMetrics);
  om.set_help_handler([&](std::string_view, std::string_view text) { om_help = text; });
  om.feed("# HELP a say \\\"hi\\\"\n# EOF\n");
  om.finish();
  CHECK(om_help == "say \"hi\"");
}

TEST_CASE("values: specials and Go float formatting", "[prom]") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(one("m NaN").value != one("m NaN").value);  // NaN
  CHECK(std::isnan(one("m nan").value));
  CHECK(std::isnan(one("m NAN").value));
  CHECK(one("m +Inf").value == inf);
  CHECK(one("m -Inf").value == -inf);
  CHECK(one("m Inf").value == inf);
  CHECK(one("m inf").value == inf);
  CHECK(one("m +INF").value == inf);
  CHECK(one("m Infinity").value == inf);
  CHECK(one("m -infinity").value == -inf);
  CHECK(one("m 2.5276510208e+10").value == 25276510208.0);
  CHECK(one("m 5.5555004e+07").value == 55555004.0);
  CHECK(one("m 1E5").value == 100000.0);
  CHECK(one("m 1.5e-3").value == 0.0015);
  CHECK(one("m .5").value == 0.5);
  CHECK(one("m 1.").value == 1.0);
  CHECK(one("m +3").value == 3.0);
  CHECK(one("m -0").value == 0.0);
  CHECK(std::signbit(one("m -0").value));
  CHECK(one("m 007").value == 7.0);
  CHECK(one("m 1e-400").value == 0.0);  // underflow is 0, as in Go
  CHECK(one("m 1.7976931348623157e308").value == std::numeric_limits<double>::max());

  for (const char* bad : {"m +NaN", "m -nan", "m infinit", "m Infx", "m 0x1p3", "m 1e400",
                          "m 1e", "m .", "m -", "m +", "m ++1", "m +-1", "m 1_000", "m 1,5",
                          "m abc", "m 1..2", "m nan(1)"}) {
    INFO(bad);
    const auto e = error_of(bad);
    CHECK(e.detail().find("invalid value") != std::string::npos);
    CHECK(e.detail().find("at column 3") != std::string::npos);
  }
}

TEST_CASE("timestamps: 0.0.4 milliseconds and OpenMetrics seconds", "[prom]") {
  CHECK(one("m 1 1700000000123").ts == 1700000000123);
  CHECK(one("m 1 -5").ts == -5);
  CHECK(one("m 1 +5").ts == 5);
  CHECK(one("m{a=\"b\"} 1 0").ts == 0);
  CHECK(one("m 1 \t 12 \t ").ts == 12);
  // A decimal timestamp can only be OpenMetrics seconds.
  CHECK(one("m 1 1700000000.123").ts == 1700000000123);
  CHECK(one("m 1 1700000000.5").ts == 1700000000500);
  CHECK(one("m 1 1700000000.1239").ts == 1700000000123);  // truncated, like Prometheus
  CHECK(one("m 1 -1.5").ts == -1500);
  CHECK(one("m 1 1.7e9").ts == 1700000000000);
  CHECK(one("m 1 1.700000000123e9").ts == 1700000000123);
  // In OpenMetrics every timestamp is seconds.
  CHECK(one("m 1 1700000000\n# EOF\n", Format::kOpenMetrics).ts == 1700000000000);
  CHECK(one("m 1 1700000000.001\n# EOF\n", Format::kOpenMetrics).ts == 1700000000001);

  CHECK(error_of("m 1 1.5", Format::kText004).detail().find("integer milliseconds") !=
        std::string::npos);
  for (const char* bad : {"m 1 12a", "m 1 9223372036854775808", "m 1 +-3", "m 1 NaN",
                          "m 1 1e400", "m 1 9300000000000000.0", "m 1 x"}) {
    INFO(bad);
    const auto e = error_of(bad);
    CHECK(e.detail().find("timestamp") != std::string::npos);
    CHECK(e.detail().find("at column 5") != std::string::npos);
  }
}

TEST_CASE("OpenMetrics: EOF, UNIT, exemplars, _created, unknown type", "[prom]") {
  const char om[] =
      "# TYPE req counter\n"
      "# UNIT req_seconds seconds\n"
      "# HELP req Requests.\n"
      "req_total{code=\"200\"} 10 1700000000.5 # {trace_id=\"kOo\"} 0.67 1700000000.25\n"
      "req_created{code=\"200\"} 1.6e+09\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"0.1\"} 2 # {} 0.05\n"
      "lat_bucket{le=\"+Inf\"} 3\n"
      "lat_count 3\n"
      "lat_sum 0.4\n"
      "other 1\n"
      "# TYPE st stateset\n"
      "st{st=\"a\"} 1\n"
      "# TYPE i info\n"
      "i_info{version=\"1\"} 1\n"
      "# EOF\n";
  const auto s = parse(om, Chunking::kWhole, Format::kOpenMetrics);
  REQUIRE(s.size() == 9);
  CHECK(s[0].name == "req_total");
  CHECK(s[0].value == 10);
  CHECK(s[0].ts == 1700000000500);
  CHECK(s[0].type == "counter");
  CHECK(s[1].name == "req_created");
  CHECK(s[1].type == "counter");
  CHECK(s[2].type == "histogram");
  CHECK(s[2].labels[0].second == "0.1");
  CHECK(s[5].type == "histogram");
  CHECK(s[6].type == "unknown");  // no TYPE in OpenMetrics
  CHECK(s[7].type == "stateset");
  CHECK(s[8].type == "info");
  CHECK(parse(om, Chunking::kBytes, Format::kOpenMetrics) == s);
  // kAuto reads the same body, but without TYPE a family is "untyped".
  const auto auto_s = parse(om);
  REQUIRE(auto_s.size() == 9);
  CHECK(auto_s[6].type == "untyped");
  CHECK(auto_s[0].ts == 1700000000500);

  // Missing "# EOF" in OpenMetrics is a truncated body.
  const auto missing = error_of("a 1\n", Format::kOpenMetrics);
  CHECK(missing.detail().find("# EOF") != std::string::npos);
  CHECK(missing.where() == "test:1");
  // Content after "# EOF" is rejected, blank lines are tolerated.
  CHECK(parse("a 1\n# EOF\n\n").size() == 1);
  const auto after = error_of("a 1\n# EOF\nb 2\n");
  CHECK(after.where() == "test:3");
  CHECK(after.detail().find("after '# EOF'") != std::string::npos);
  // In strict 0.0.4 "# EOF" is only a comment, and exemplars are refused.
  CHECK(parse("a 1\n# EOF\nb 2\n", Chunking::kWhole, Format::kText004).size() == 2);
  CHECK(error_of("a 1 # {x=\"y\"} 1", Format::kText004).detail().find("exemplar") !=
        std::string::npos);
  // Malformed exemplars are rejected.
  CHECK(error_of("a 1 # x").detail().find("expected '{'") != std::string::npos);
  CHECK(error_of("a 1 # {x=y} 1").detail().find("expected '\"'") != std::string::npos);
  CHECK(error_of("a 1 # {x=\"y\"}").detail().find("exemplar's value") != std::string::npos);
  CHECK(error_of("a 1 # {x=\"y\"} z").detail().find("invalid exemplar value") !=
        std::string::npos);
  CHECK(error_of("a 1 # {x=\"y\"} 1 2 3").detail().find("unexpected text") != std::string::npos);
}

TEST_CASE("label sets: empty, trailing comma, whitespace, colons", "[prom]") {
  CHECK(one("m{} 1").labels.empty());
  CHECK(one("m{ } 1").labels.empty());
  CHECK(one("m{a=\"b\",} 1").labels.size() == 1);
  CHECK(one("m{a=\"\"} 1").labels[0].second.empty());
  const auto spaced = one("  m \t{\ta\t=\t\"b\"\t,  c =\"d\" ,\t}\t3   \t1000  ");
  CHECK(spaced.labels == decltype(spaced.labels){{"a", "b"}, {"c", "d"}});
  CHECK(spaced.value == 3);
  CHECK(spaced.ts == 1000);
  CHECK(one("m{a=\"b\"}7").value == 7);  // no blank needed after '}'
  CHECK(one("ns:sub:name_total{_lbl9=\"x\"} 1").name == "ns:sub:name_total");
  CHECK(one("_m 1").name == "_m");
  CHECK(one(":m 1").name == ":m");
}

TEST_CASE("comments, blank lines and metadata lines", "[prom]") {
  const char body[] =
      "\n"
      "#\n"
      "# just a comment with \"quotes\" and {braces}\n"
      "#comment without blank\n"
      "# HELP\n"
      "# TYPE\n"
      "# TYPE lonely\n"
      "# HELP x first\n"
      "# HELP x second help is tolerated\n"
      "# TYPE x Gauge\n"
      "# TYPE x counter\n"
      "x 1\n"
      "#TYPE y gauge\n"
      "y 2\n"
      "   # indented comment\n"
      "# help lowercase is a comment\n"
      "\t\n";
  size_t n = 0;
  std::vector<std::string> types;
  Parser counting([&](const Sample& s) {
    ++n;
    types.emplace_back(s.family_type);
  });
  counting.feed(body);
  counting.finish();
  CHECK(n == 2);
  CHECK(counting.lines() == 17);
  REQUIRE(types.size() == 2);
  CHECK(types[0] == "counter");  // the last TYPE wins
  CHECK(types[1] == "gauge");
}

TEST_CASE("family_type follows the family's suffix rules", "[prom]") {
  const char body[] =
      "# TYPE g gauge\n"
      "g 1\n"
      "g_total 2\n"  // gauges have no suffixes: another, untyped family
      "# TYPE s summary\n"
      "s{quantile=\"0.5\"} 1\n"
      "s_sum 1\n"
      "s_count 1\n"
      "s_bucket 1\n"  // not a summary suffix
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1\n"
      "h_count 1\n"
      "# TYPE c_total counter\n"
      "c_total 5\n"
      "# HELP u only help\n"
      "u 1\n"
      "# TYPE gh gaugehistogram\n"
      "gh_gcount 1\n"
      "gh_gsum 1\n"
      "h_sum 1\n";  // its family block is over
  std::vector<std::string> types;
  for (const auto& s : parse(body)) types.push_back(s.type);
  CHECK(types == std::vector<std::string>{"gauge", "untyped", "summary", "summary", "summary",
                                          "untyped", "histogram", "histogram", "counter",
                                          "untyped", "gaugehistogram", "gaugehistogram",
                                          "untyped"});
}

TEST_CASE("CRLF line endings", "[prom]") {
  const char body[] = "# HELP a help\r\n# TYPE a gauge\r\na{x=\"y\"} 1 123\r\nb 2\r\nc 3\r";
  for (auto chunking : {Chunking::kWhole, Chunking::kBytes, Chunking::kRandom}) {
    const auto s = parse(body, chunking);
    REQUIRE(s.size() == 3);
    CHECK(s[0].labels[0].second == "y");
    CHECK(s[0].ts == 123);
    CHECK(s[0].type == "gauge");
    CHECK(s[1].value == 2);
    CHECK(s[2].value == 3);  // the last line has no '\n' but a '\r'
  }
  std::string help;
  Parser parser([](const Sample&) {});
  parser.set_help_handler([&](std::string_view, std::string_view text) { help = text; });
  parser.feed("# HELP a some text\r");
  parser.feed("\n");
  parser.finish();
  CHECK(help == "some text");
  // A CR in the middle of a line is not a line break.
  CHECK(error_of("a 1\rb 2\n").detail().find("invalid value") != std::string::npos);
}

TEST_CASE("errors name the line and the column", "[prom]") {
  struct Case {
    const char* input;
    const char* where;
    const char* detail;
  };
  const Case cases[] = {
      {"a 1\nnode_cpu{cpu 1\n", "test:2", "expected '=' after label name \"cpu\", found '1' at column 14"},
      {"a 1\n\n# c\nb{x=\"1\"}\n", "test:4", "expected a value after \"b\" at column 9"},
      {"b\n", "test:1", "expected a value after \"b\" at column 2"},
      {"b{x=\"1} 2\n", "test:1", "unterminated value of label \"x\": no closing '\"' before the end of the line at column 5"},
      {"b{x=\"1\" y=\"2\"} 3\n", "test:1", "expected ',' or '}' after the value of label \"x\", found 'y' at column 9"},
      {"b{x=1} 3\n", "test:1", "expected '\"' to start the value of label \"x\", found '1' at column 5"},
      {"b{1x=\"1\"} 3\n", "test:1", "expected a label name or '}', found '1' at column 3"},
      {"b{,} 3\n", "test:1", "expected a label name or '}', found ',' at column 3"},
      {"b{x=\"1\",,} 3\n", "test:1", "found ',' at column 9"},
      {"b{x=\"1\"\n", "test:1", "unterminated label set"},
      {"b-c 1\n", "test:1", "unexpected '-' after metric name \"b\""},
      {"1b 1\n", "test:1", "expected a metric name, found '1' at column 1"},
      {"{x=\"1\"} 1\n", "test:1", "expected a metric name, found '{' at column 1"},
      {"b 1 2 3\n", "test:1", "unexpected text \"3\" after the timestamp at column 7"},
      {"b 1 2 3\n", "test:1", "unexpected text"},
      {"b{x=\"1\",x=\"2\"} 1\n", "test:1", "duplicate label name \"x\" at column 9"},
      {"# TYPE b countr\n", "test:1", "unknown metric type \"countr\" for \"b\""},
      {"# TYPE b counter gauge\n", "test:1", "unexpected text \"gauge\" after the metric type"},
      {"# HELP b-c x\n", "test:1", "unexpected '-' in metric name \"b\" of the '# HELP' line"},
      {"# TYPE 9b gauge\n", "test:1", "expected a metric name after '# TYPE', found '9' at column 8"},
      {"b{x=\"\xff\"} 1\n", "test:1", "not valid UTF-8"},
      {"b{x=\"\xc3\"} 1\n", "test:1", "not valid UTF-8"},
      {"b{x=\"\xed\xa0\x80\"} 1\n", "test:1", "not valid UTF-8"},  // surrogate
      {"b\x01 1\n", "test:1", "unexpected byte 0x01 after metric name"},
      {"b{__name__=\"c\"} 1\n", "test:1", "label name \"__name__\" is reserved"},
  };
  for (const Case& c : cases) {
    INFO(c.input);
    for (auto chunking : {Chunking::kWhole, Chunking::kBytes}) {
      const auto e = error_of(c.input, Format::kAuto, chunking);
      CHECK(e.where() == c.where);
      CHECK(e.detail().find(c.detail) != std::string::npos);
      CHECK(std::string(e.what()).rfind(std::string(c.where) + ": ", 0) == 0);
      CHECK(e.exit_code() == sf::kExitUsage);
    }
  }
}

TEST_CASE("duplicate labels are found in long label sets too", "[prom]") {
  std::string line = "m{";
  for (int i = 0; i < 40; ++i) {
    line += 'l';
    line += std::to_string(i);
    line += "=\"v\",";
  }
  CHECK(parse(line + "} 1").size() == 1);
  const auto e = error_of(line + "l7=\"again\"} 1");
  CHECK(e.detail().find("duplicate label name \"l7\"") != std::string::npos);
  CHECK(e.detail().find("at column " + std::to_string(line.size() + 1)) != std::string::npos);
}

TEST_CASE("overlong lines are rejected with the line number, without buffering them", "[prom]") {
  const std::string ok_line = "m{a=\"" + std::string(64 - 9, 'x') + "\"} 1";  // 64 bytes
  REQUIRE(ok_line.size() == 64);
  const std::string long_line = "m{a=\"" + std::string(65 - 9, 'x') + "\"} 1";
  const std::string body = "a 1\n" + ok_line + "\n" + long_line + "\nb 2\n";

  std::vector<std::string> names;
  auto run = [&](bool bytewise) -> sf::ParseError {
    names.clear();
    Parser parser([&](const Sample& s) { names.emplace_back(s.name); }, "big", 64);
    try {
      if (bytewise) {
        for (char c : body) parser.feed(std::string_view(&c, 1));
      } else {
        parser.feed(body);
      }
      parser.finish();
    } catch (const sf::ParseError& e) {
      return e;
    }
    FAIL("overlong line accepted");
    throw std::logic_error("unreachable");
  };
  for (bool bytewise : {false, true}) {
    const auto e = run(bytewise);
    CHECK(e.where() == "big:3");
    CHECK(e.detail().find("longer than 64 bytes") != std::string::npos);
    CHECK(names == std::vector<std::string>{"a", "m"});
  }

  // Without any newline the parser gives up as soon as the limit is passed.
  Parser parser([](const Sample&) {}, "stream", 64);
  parser.feed(std::string(64, 'x'));
  CHECK_THROWS_AS(parser.feed("y"), sf::ParseError);

  // The default limit is 1 MiB: a line just under it is fine.
  const std::string huge = "m{a=\"" + std::string((1 << 20) - 20, 'z') + "\"} 1\n";
  REQUIRE(huge.size() < (1u << 20));
  const auto s = parse(huge, Chunking::kRandom);
  REQUIRE(s.size() == 1);
  CHECK(s[0].labels[0].second.size() == (1u << 20) - 20);
}

TEST_CASE("finish flushes the last line, counters, spent after an error", "[prom]") {
  std::vector<Owned> out;
  Parser parser([&](const Sample& s) { out.push_back(own(s)); }, "f");
  parser.feed("a 1\nb{x=\"y\"} 2 3");
  CHECK(out.size() == 1);
  CHECK(parser.lines() == 1);
  parser.finish();
  REQUIRE(out.size() == 2);
  CHECK(out[1].ts == 3);
  CHECK(parser.lines() == 2);
  CHECK(parser.samples() == 2);
  CHECK_THROWS_AS(parser.feed("c 1\n"), sf::ParseError);

  Parser broken([](const Sample&) {}, "b");
  CHECK_THROWS_AS(broken.feed("a b c\n"), sf::ParseError);
  const auto again = [&] { broken.feed("a 1\n"); };
  CHECK_THROWS_WITH(again(), Catch::Contains("after an error"));

  // An empty input is valid (0.0.4) and gives nothing.
  CHECK(parse("").empty());
  CHECK(parse("\n\n").empty());
}

TEST_CASE("a handler exception propagates and spends the parser", "[prom]") {
  Parser parser([](const Sample& s) {
    if (s.name == "boom") throw std::runtime_error("handler failed");
  });
  CHECK_THROWS_WITH(parser.feed("a 1\nboom 2\nc 3\n"), "handler failed");
  CHECK(parser.samples() == 2);
  CHECK_THROWS_AS(parser.finish(), sf::ParseError);
}

TEST_CASE("a name filter skips the samples it rejects without parsing their labels") {
  std::vector<std::string> seen;
  sf::prom::Parser parser([&](const sf::prom::Sample& s) { seen.emplace_back(s.name); }, "filter");
  parser.set_name_filter([](std::string_view name) { return name.rfind("node_", 0) == 0; });
  parser.feed("# TYPE go_goroutines gauge\n"
              "go_goroutines{this is not even valid 12\n"
              "node_load1 0.5\n"
              "process_open_fds 7\n");
  parser.finish();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == "node_load1");
  // The metric name itself is still checked: garbage is not silently skipped.
  sf::prom::Parser strict([](const sf::prom::Sample&) {}, "filter");
  strict.set_name_filter([](std::string_view) { return false; });
  CHECK_THROWS_WITH(strict.feed("<html>\n"), Catch::Contains("filter:1"));
}
