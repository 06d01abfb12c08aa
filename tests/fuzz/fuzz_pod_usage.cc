// libFuzzer target for the pod_usage contract (tools/common/pod_usage.h). Each input is split into
// lines as the stream reader splits them. Beyond "no crash, no exception other than sf::Error":
//   - the fast scanner and RapidJSON's reader give the same outcome: every field of the contract
//     and the names of the fields outside it, or the same error message;
//   - a line that reads is written back by the contract's writer into a line that reads back to
//     the same fields.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/pod_usage.h"
#include "common/strings.h"
#include "line_input.h"

namespace {

std::string fields(const sf::PodUsageLine& l, bool with_extra) {
  const sf::PodUsage& u = l.usage;
  std::string out = u.node + "|" + u.namespace_name + "|" + u.pod + "|" + u.container + "|" + u.source + "|" +
                    u.window_start + "|" + u.window_end + "|" + u.error.value_or("-") + "|" +
                    sf::format_number(u.running_seconds) + "|" +
                    (u.cpu_usage_cores ? sf::format_number(*u.cpu_usage_cores) : "null") + "|" +
                    sf::format_number(u.memory_working_set_bytes);
  if (with_extra)
    for (const std::string& n : l.extra_names) out += "|+" + n;
  return out;
}

std::string read(std::string_view line, bool fast, sf::PodUsageLine& u) {
  try {
    if (!sf::parse_pod_usage_line(line, "fuzz:1", u, false, fast)) return "skipped";
  } catch (const sf::Error& e) {
    return std::string("error: ") + e.what();
  }
  return fields(u, true);
}

void exercise(std::string_view line) {
  sf::PodUsageLine general_line, fast_line;
  const std::string general = read(line, false, general_line);
  const std::string fast = read(line, true, fast_line);
  if (fast != general) __builtin_trap();  // the two paths disagree
  if (fast == "skipped" || fast.rfind("error: ", 0) == 0) return;
  const std::string written = sf::pod_usage_json(fast_line.usage);
  sf::PodUsageLine again;
  if (read(written, true, again).rfind("error: ", 0) == 0) __builtin_trap();
  if (fields(again, false) != fields(fast_line, false)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sf::fuzz::for_each_line(data, size, exercise);
}
