#include "kind-wait/degraded.h"

#include <algorithm>
#include <set>

#include "common/cli.h"
#include "common/strings.h"
#include "kind-wait/waiter.h"

namespace sf::kw {

void DegradedRule::apply(const std::vector<Target>& targets, std::vector<TargetStatus>& statuses,
                         Steady::time_point now) {
  if (!grace_) return;
  std::set<std::string> seen;
  for (size_t i = 0; i < targets.size() && i < statuses.size(); ++i) {
    TargetStatus& status = statuses[i];
    std::vector<std::string> expired;
    for (const ObjectState& object : status.objects) {
      if (!object.degraded) continue;
      const std::string key = targets[i].spec + "\n" + object.name;
      seen.insert(key);
      const auto first = since_.emplace(key, now).first->second;
      const auto spell = std::chrono::duration_cast<std::chrono::milliseconds>(now - first);
      if (spell >= *grace_)
        expired.push_back(cat(object.name, ": Degraded for ", format_duration(spell), ", longer than the ",
                              format_duration(*grace_), " --degraded-grace: ", object.message));
    }
    if (expired.empty()) continue;
    status.state = State::kFailed;
    std::string summary;
    for (const auto& e : expired) summary += (summary.empty() ? "" : "; ") + e;
    status.summary = std::move(summary);
  }
  for (auto it = since_.begin(); it != since_.end();) it = seen.count(it->first) ? std::next(it) : since_.erase(it);
}

std::optional<DegradedRule::Steady::time_point> DegradedRule::next_expiry() const {
  if (!grace_ || since_.empty()) return std::nullopt;
  Steady::time_point earliest = Steady::time_point::max();
  for (const auto& [key, first] : since_) earliest = std::min(earliest, first + *grace_);
  return earliest;
}

std::optional<std::chrono::milliseconds> parse_degraded_grace(const std::string& text) {
  if (iequals(trim(text), "none")) return std::nullopt;
  return cli::parse_duration(text, "--degraded-grace");
}

}  // namespace sf::kw
