#include "scrape-nodes/node_sample.h"

#include "common/error.h"
#include "common/strings.h"

namespace sf::scrape {
namespace {

std::string_view label(const prom::Sample& s, std::string_view name) {
  for (const auto& l : s.labels)
    if (l.name == name) return l.value;
  return {};
}

template <typename Map, typename Key>
auto& capped_entry(Map& map, Key&& key, size_t cap, const char* family, const char* what) {
  const auto it = map.find(key);
  if (it != map.end()) return it->second;
  if (map.size() >= cap)
    throw Error(cat("more than ", cap, " distinct ", what, " in ", family,
                    "; a node-exporter has far fewer: is this a broken or hostile exporter?"));
  return map.emplace(std::forward<Key>(key), typename Map::mapped_type{}).first->second;
}

constexpr std::string_view kWanted[] = {
    "cpu_seconds_total",           "memory_MemTotal_bytes",        "memory_MemAvailable_bytes",
    "filesystem_size_bytes",       "filesystem_free_bytes",        "network_receive_bytes_total",
    "network_transmit_bytes_total", "uname_info",                  "time_seconds"};

}  // namespace

bool SampleCollector::wants(std::string_view name) {
  if (name.size() < 6 || name.compare(0, 5, "node_") != 0) return false;
  const std::string_view rest = name.substr(5);
  for (const std::string_view w : kWanted)
    if (rest == w) return true;
  return false;
}

void SampleCollector::operator()(const prom::Sample& s) {
  // Every family we want starts with "node_"; most of the payload does not (go_, process_...).
  if (s.name.size() < 6 || s.name.compare(0, 5, "node_") != 0) return;
  const std::string_view n = s.name.substr(5);
  if (n == "cpu_seconds_total") {
    capped_entry(sample_.cpu_seconds, std::make_pair(std::string(label(s, "cpu")), std::string(label(s, "mode"))),
                 kMaxCpuSeries, "node_cpu_seconds_total", "(cpu, mode) series") = s.value;
  } else if (n == "memory_MemTotal_bytes") {
    sample_.memory_total_bytes = s.value;
  } else if (n == "memory_MemAvailable_bytes") {
    sample_.memory_available_bytes = s.value;
  } else if (n == "filesystem_size_bytes" || n == "filesystem_free_bytes") {
    FilesystemStat& fs = capped_entry(sample_.filesystems, std::string(label(s, "mountpoint")), kMaxFilesystems,
                                      "node_filesystem_*_bytes", "mount points");
    fs.device = label(s, "device");
    fs.fstype = label(s, "fstype");
    fs.mountpoint = label(s, "mountpoint");
    (n == "filesystem_size_bytes" ? fs.size_bytes : fs.free_bytes) = s.value;
  } else if (n == "network_receive_bytes_total") {
    capped_entry(sample_.network_bytes, std::string(label(s, "device")), kMaxNetworkDevices,
                 "node_network_receive_bytes_total", "devices").first = s.value;
  } else if (n == "network_transmit_bytes_total") {
    capped_entry(sample_.network_bytes, std::string(label(s, "device")), kMaxNetworkDevices,
                 "node_network_transmit_bytes_total", "devices").second = s.value;
  } else if (n == "uname_info") {
    sample_.nodename = label(s, "nodename");
  } else if (n == "time_seconds") {
    sample_.node_time_seconds = s.value;
  }
}

}  // namespace sf::scrape
