// One scrape of one node-exporter, reduced to the few families that price a node. Filled
// sample by sample from the streaming parser, so the body is never held in memory.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/prom_parser.h"
#include "common/time_util.h"

namespace sf::scrape {

struct FilesystemStat {
  std::string device;
  std::string fstype;
  std::string mountpoint;
  double size_bytes = 0;
  double free_bytes = 0;
};

struct NodeSample {
  std::map<std::pair<std::string, std::string>, double> cpu_seconds;  // (cpu, mode) -> seconds
  std::optional<double> memory_total_bytes;
  std::optional<double> memory_available_bytes;
  std::map<std::string, FilesystemStat> filesystems;                  // by mountpoint
  std::map<std::string, std::pair<double, double>> network_bytes;     // device -> (rx, tx)
  std::string nodename;                                               // node_uname_info
  std::optional<double> node_time_seconds;                            // the exporter's clock
  Clock::time_point scraped_at{};                                     // our clock, at the end
};

// A node-exporter has one series per (cpu, mode), mount point and network device: a few dozen
// to a few thousand. More is a broken or hostile exporter (300,000 cpu labels in a 16 MB body
// cost ~100 MB): the scrape of that target fails with a clear error instead.
constexpr size_t kMaxCpuSeries = 16384;        // e.g. 2048 CPUs x 8 modes
constexpr size_t kMaxFilesystems = 4096;
constexpr size_t kMaxNetworkDevices = 16384;   // veth pairs of a busy node

// Feeds parser samples into a NodeSample; ignores every family it does not need. Throws
// sf::Error when a family has more series than the caps above.
class SampleCollector {
 public:
  explicit SampleCollector(NodeSample& sample) : sample_(sample) {}
  void operator()(const prom::Sample& s);
  // The parser's name filter: true for the families operator() uses, so the others (most of
  // the payload) are skipped without parsing their labels.
  static bool wants(std::string_view metric_name);

 private:
  NodeSample& sample_;
};

}  // namespace sf::scrape
