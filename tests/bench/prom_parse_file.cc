// prom-parse-bench FILE: parses a Prometheus text file through sf::prom::Parser in 64 KiB
// chunks (as a libcurl write callback would see it) and prints samples, MB/s and peak RSS.
// Used by tests/bench/bench_parser.sh; the timing covers reading and parsing, not start-up.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/prom_parser.h"

namespace {

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: prom-parse-bench FILE\n"
                         "Parses FILE (Prometheus text exposition) in 64 KiB chunks and prints\n"
                         "samples, bytes, seconds, MB/s (10^6 bytes) and peak RSS.\n");
    return 2;
  }
  const int fd = ::open(argv[1], O_RDONLY);
  if (fd < 0) {
    std::fprintf(stderr, "prom-parse-bench: cannot open %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  // Consume every sample so nothing can be optimised away.
  double checksum = 0;
  size_t label_bytes = 0;
  sf::prom::Parser parser(
      [&](const sf::prom::Sample& s) {
        if (std::isfinite(s.value)) checksum += s.value;
        for (const auto& label : s.labels) label_bytes += label.value.size();
      },
      argv[1]);
  std::vector<char> buffer(64 * 1024);
  size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  try {
    for (;;) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0) {
        std::fprintf(stderr, "prom-parse-bench: read %s: %s\n", argv[1], std::strerror(errno));
        return 1;
      }
      if (n == 0) break;
      bytes += static_cast<size_t>(n);
      parser.feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
    }
    parser.finish();
  } catch (const sf::ParseError& e) {
    std::fprintf(stderr, "prom-parse-bench: %s\n", e.what());
    return 2;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  std::printf("samples=%zu lines=%zu bytes=%zu seconds=%.6f MB/s=%.1f peak_rss_kib=%ld "
              "checksum=%.6g label_bytes=%zu\n",
              parser.samples(), parser.lines(), bytes, seconds, bytes / seconds / 1e6,
              peak_rss_kib(), checksum, label_bytes);
  return 0;
}
