#include "price-calc/alloc_input.h"

#include "common/error.h"
#include "common/json_lines.h"
#include "common/log.h"
#include "common/strings.h"

namespace sf::pc {
namespace {

bool starts(std::string_view line, std::string_view prefix) { return line.substr(0, prefix.size()) == prefix; }

}  // namespace

void read_allocation_input(const std::string& path, Allocator& allocator, std::vector<InvalidLine>& invalid) {
  LineReader reader(path);
  PodUsageLine usage;
  UsageLine node;
  PodRecord pod;
  std::string where;
  std::string_view line;
  while (true) {
    try {
      if (!reader.next(line)) break;
      where.assign(reader.source());
      where += ':';
      where += std::to_string(reader.line_number());
      const bool cut = reader.last_line_unterminated();
      // Each reader checks the kind itself; the prefix only picks the likely one first.
      if (!starts(line, "{\"kind\":\"node_usage\"") && !starts(line, "{\"kind\":\"pod\",") &&
          parse_pod_usage_line(line, where, usage, cut)) {
        allocator.add_usage(usage);
      } else if (!starts(line, "{\"kind\":\"pod\",") && parse_usage_line(line, where, node, cut)) {
        allocator.add_node(node);
      } else if (parse_pod_line(line, where, pod)) {
        allocator.add_pod(pod);
      } else if (!trim(line).empty()) {
        allocator.add_skipped();
      }
    } catch (const ParseError& e) {
      // This line only: reported with its file:line, the next one is read.
      allocator.add_invalid();
      log::error(cat(e.what(), "; line skipped"));
      if (invalid.size() < BufferedSink::kMaxInvalidShown) invalid.push_back({e.where(), e.detail()});
    }
  }
}

}  // namespace sf::pc
