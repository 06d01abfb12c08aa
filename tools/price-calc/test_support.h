// Helpers shared by price-calc's unit tests: price a node_usage line, capture a sink's output.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

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
  Unpriced un;
  REQUIRE(price_usage(u, prices(), CostOptions{}, r, un));
  r.extra = nullptr;  // the line dies here
  return r;
}

// Runs rows through a sink writing to a memory stream; returns what it wrote.
class Capture {
 public:
  Capture() : stream_(open_memstream(&data_, &size_)) {}
  ~Capture() {
    if (stream_ != nullptr) std::fclose(stream_);
    std::free(data_);
  }
  std::FILE* stream() { return stream_; }
  std::string text() {
    std::fflush(stream_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::FILE* stream_;
};

inline std::string render(const std::string& format, const std::vector<CostRow>& rows,
                          const std::vector<Unpriced>& failed = {}, SinkOptions options = {}) {
  Capture capture;
  auto sink = make_sink(format, capture.stream(), options);
  Totals totals;
  for (const CostRow& r : rows) {
    totals.add(r);
    sink->row(r);
  }
  for (const Unpriced& u : failed) {
    totals.add_unpriced(u);
    sink->unpriced(u);
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
