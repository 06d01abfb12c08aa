// libFuzzer target for the node_usage contract (tools/common/node_usage.h, contracts.h). Each
// input is split into lines as the stream reader splits them. Beyond "no crash, no exception
// other than sf::Error":
//   - the fast scanner and RapidJSON's reader give the same outcome, every field compared (all
//     15 of the contract, labels, fields outside it) or the same error message;
//   - a line that reads is written back by the contract writer (node_usage_json) into a line
//     that reads back to the same fields.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/contracts.h"
#include "common/error.h"
#include "common/log.h"
#include "line_input.h"
#include "common/node_usage.h"
#include "common/strings.h"

namespace {

std::string fields(const sf::UsageLine& u, bool with_extra) {
  const sf::NodeUsage& n = u.usage;
  auto num = [](double v) { return sf::format_number(v); };
  auto opt = [&](const std::optional<double>& v) { return v ? num(*v) : std::string("null"); };
  std::string out = n.node + "|" + n.source + "|" + n.window_start + "|" + n.window_end + "|" + n.error.value_or("-") +
                    "|" + num(n.cpu_cores) + "|" + opt(n.cpu_busy_cores) + "|" + num(n.memory_bytes) + "|" +
                    num(n.memory_used_bytes) + "|" + num(n.filesystem_bytes) + "|" + num(n.filesystem_used_bytes) +
                    "|" + opt(n.network_receive_bytes) + "|" + opt(n.network_transmit_bytes) + "|" + num(n.gpus);
  for (const auto& [k, v] : n.labels) out += "|" + k + "=" + v;
  if (with_extra)
    for (const sf::RawMember& m : u.extra) out += "|+" + m.name + ":" + std::string(m.json);
  return out;
}

std::string read(std::string_view line, bool fast, sf::UsageLine& u) {
  try {
    if (!sf::parse_usage_line(line, "fuzz:1", u, false, fast)) return "skipped";
  } catch (const sf::Error& e) {
    return std::string("error: ") + e.what();
  }
  return fields(u, true);
}

void exercise(std::string_view line) {
  sf::UsageLine general_line, fast_line;
  const std::string general = read(line, false, general_line);
  const std::string fast = read(line, true, fast_line);
  if (fast != general) __builtin_trap();  // the two paths disagree
  if (fast == "skipped" || fast.rfind("error: ", 0) == 0) return;
  // Written back by the contract's writer, it reads the same (fields outside the contract are
  // not the writer's).
  const std::string written = sf::node_usage_json(fast_line.usage);
  sf::UsageLine again;
  if (read(written, true, again).rfind("error: ", 0) == 0) __builtin_trap();
  if (fields(again, false) != fields(fast_line, false)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sf::fuzz::for_each_line(data, size, exercise);
}
