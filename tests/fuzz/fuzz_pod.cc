// libFuzzer target for the pod contract (tools/common/pod.h). Each input is split into lines as
// the stream reader splits them. Beyond "no crash, no exception other than sf::Error":
//   - a line that reads is written by the contract's writer into a line that reads back to the
//     same record, and writes again to the very same text (a fixed point);
//   - the scheduling requests Kubernetes would count are finite and >= 0, and never below the
//     containers' own requests.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/pod.h"
#include "line_input.h"

namespace {

void exercise(std::string_view line) {
  sf::PodRecord pod;
  try {
    if (!sf::parse_pod_line(line, "fuzz:1", pod)) return;
  } catch (const sf::Error&) {
    return;
  }
  const sf::Resources s = sf::scheduling_requests(pod);
  double cpu = 0;
  for (const sf::ContainerSpec& c : pod.containers) cpu += c.cpu_request_cores;
  if (!std::isfinite(s.cpu_cores) && std::isfinite(cpu)) {
    // Sums of finite requests can overflow to infinity; the writer refuses that below.
  } else if (s.cpu_cores < cpu * (1 - 1e-12) || s.memory_bytes < 0 || s.gpus < 0) {
    __builtin_trap();
  }
  std::string written;
  try {
    written = sf::pod_record_json(pod);
  } catch (const sf::Error&) {
    return;  // a value the contract refuses (an overflowing sum of requests)
  }
  sf::PodRecord again;
  try {
    if (!sf::parse_pod_line(written, "fuzz:2", again)) __builtin_trap();
  } catch (const sf::Error&) {
    __builtin_trap();  // the writer wrote what its reader refuses
  }
  if (sf::pod_record_json(again) != written) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sf::fuzz::for_each_line(data, size, exercise);
}
