#include "kind-wait/inventory.h"

#include <algorithm>
#include <optional>

#include "common/json_writer.h"
#include "common/kube_client.h"
#include "common/log.h"
#include "common/strings.h"
#include "kind-wait/conditions.h"
#include "kind-wait/quantity.h"

namespace sf::kw {
namespace {

constexpr std::string_view kRolePrefix = "node-role.kubernetes.io/";

Resources resources(const rapidjson::Value& node, const char* section, const std::string& name) {
  Resources r;
  const rapidjson::Value* list = kube::path_value(node, {"status", section});
  if (list == nullptr || !list->IsObject()) return r;
  auto quantity = [&](const char* key) -> std::optional<Quantity> {
    auto it = list->FindMember(key);
    if (it == list->MemberEnd() || !it->value.IsString()) return std::nullopt;
    return parse_quantity_or_throw(it->value.GetString(), cat("node ", name, " status.", section, ".", key));
  };
  if (const auto cpu = quantity("cpu")) r.cpu_cores = static_cast<double>(cpu->milli_value()) / 1000.0;
  if (const auto memory = quantity("memory")) r.memory_bytes = static_cast<double>(memory->value());
  if (const auto gpus = quantity("nvidia.com/gpu")) r.gpus = static_cast<double>(gpus->value());
  return r;
}

}  // namespace

NodeRecord node_record(const rapidjson::Value& node) {
  NodeRecord record;
  record.name = kube::path_string(node, {"metadata", "name"});
  if (const rapidjson::Value* labels = kube::path_value(node, {"metadata", "labels"});
      labels != nullptr && labels->IsObject()) {
    for (const auto& m : labels->GetObject()) {
      if (!m.value.IsString()) continue;
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      const std::string value(m.value.GetString(), m.value.GetStringLength());
      record.labels.emplace_back(key, value);
      if (key.size() > kRolePrefix.size() && key.compare(0, kRolePrefix.size(), kRolePrefix) == 0)
        record.roles.push_back(key.substr(kRolePrefix.size()));
      else if (key == "kubernetes.io/role" && !value.empty())
        record.roles.push_back(value);
    }
  }
  std::sort(record.roles.begin(), record.roles.end());
  record.roles.erase(std::unique(record.roles.begin(), record.roles.end()), record.roles.end());
  const rapidjson::Value* ready = find_condition(node, "Ready");
  record.ready = ready != nullptr && iequals(kube::path_string(*ready, {"status"}), "True");
  if (const rapidjson::Value* addresses = kube::path_value(node, {"status", "addresses"});
      addresses != nullptr && addresses->IsArray()) {
    for (const auto& a : addresses->GetArray()) {
      if (kube::path_string(a, {"type"}) == "InternalIP") {
        record.internal_ip = kube::path_string(a, {"address"});
        break;
      }
    }
  }
  record.capacity = resources(node, "capacity", record.name);
  record.allocatable = resources(node, "allocatable", record.name);
  return record;
}

bool write_item_line(JsonLineWriter& writer, const std::string& item, const std::function<std::string()>& make) {
  std::string line;
  try {
    line = make();
  } catch (const json::JsonValueError& e) {
    log::error(cat(item, ": ", e.what(), "; its line is left out, the others are listed"));
    return false;
  }
  writer.write_line(line);
  return true;
}

}  // namespace sf::kw
