// Helpers shared by price-calc's unit tests: price a node_usage line, capture a sink's output.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/output.h"
#include "price-calc/cost_model.h"
#include "price-calc/sink.h"
#include "price-calc/totals.h"

namespace sf::pc::test {

inline const Pricing& prices() {
  static const Pricing p = parse_pricing(R"({"CPU":"0.031611","spotCPU":"0.006655","RAM":"0.004237",
    "spotRAM":"0.000892","GPU":"0.95","storage":"0.00005479452","spotLabel":"lifecycle","spotLabelValue":"spot"})",
                                         "test.json", PriceUnit::kHour);
  return p;
}

// A priced row for node `node` over [start, end).
inline CostRow row(const std::string& node, const std::string& start, const std::string& end,
                   const std::string& figures = R"("cpu_cores":2,"cpu_busy_cores":0.5,"memory_bytes":8589934592,)"
                                                R"("memory_used_bytes":4294967296,"filesystem_bytes":107374182400,)"
                                                R"("filesystem_used_bytes":10737418240,"gpus":0,"labels":{"team":"a,b"})") {
  const std::string line = R"({"kind":"node_usage","node":")" + node + R"(","source":"http://)" + node +
                           R"(:9100/metrics","window_start":")" + start + R"(","window_end":")" + end + "\"," +
                           figures + "}";
  UsageLine u;
  REQUIRE(parse_usage_line(line, "t:1", u));
  CostRow r;
  REQUIRE(price_usage(u, prices(), CostOptions{}, r));
  r.extra = nullptr;  // the line dies here
  return r;
}

// An unpriced row, as price_usage makes it for a failed node.
inline CostRow failed(const std::string& node, const std::string& error = "connection refused") {
  CostRow r;
  r.priced = false;
  r.node = node;
  r.source = "http://" + node + ":9100/metrics";
  r.window_start = "2026-11-26T07:00:00Z";
  r.window_end = "2026-11-26T07:00:10Z";
  r.error = error;
  r.where = "in:4";
  return r;
}

// A checked Output writing to a memory stream.
class Capture {
 public:
  Capture() : stream_(open_memstream(&data_, &size_)), out_(stream_, "capture") {}
  ~Capture() {
    if (stream_ != nullptr) std::fclose(stream_);
    std::free(data_);
  }
  sf::Output& out() { return out_; }
  std::string text() {
    out_.flush();
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::FILE* stream_;
  sf::Output out_;
};

// Runs rows through a sink writing to memory; returns what it wrote.
inline std::string render(const std::string& format, const std::vector<CostRow>& rows,
                          const std::vector<CostRow>& unpriced = {}, SinkOptions options = {},
                          const std::vector<InvalidLine>& invalid = {}) {
  Capture capture;
  auto sink = make_sink(format, capture.out(), options);
  Totals totals;
  for (const CostRow& r : rows) {
    totals.add(r);
    sink->row(r);
  }
  for (const CostRow& u : unpriced) {
    totals.add_unpriced(u);
    sink->unpriced(u);
  }
  for (const InvalidLine& bad : invalid) {
    totals.add_invalid();
    sink->invalid(bad);
  }
  sink->finish(totals);
  return capture.text();
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

}  // namespace sf::pc::test
