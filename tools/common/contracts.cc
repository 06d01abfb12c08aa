#include "common/contracts.h"

#include <cmath>

#include "common/error.h"
#include "common/json_writer.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf {
namespace {

LabelList read_labels(const rapidjson::Value& object, const std::string& where) {
  LabelList labels;
  const rapidjson::Value* v = find_member(object, "labels");
  if (v == nullptr || v->IsNull()) return labels;
  if (!v->IsObject()) throw ParseError(where, "field \"labels\" must be an object of strings");
  refuse_duplicate_keys(*v, where, "label");
  for (const auto& m : v->GetObject()) {
    if (!m.value.IsString())
      throw ParseError(where, cat("label \"", printable(m.name.GetString(), 80), "\" must be a string"));
    labels.emplace_back(m.name.GetString(), m.value.GetString());
  }
  return labels;
}

void resources_json(json::ObjectWriter& parent, const char* name, const Resources& r) {
  std::string& out = parent.key(name);
  json::ObjectWriter o(out);
  o.number("cpu_cores", r.cpu_cores);
  o.number("memory_bytes", r.memory_bytes);
  o.number("gpus", r.gpus);
  o.close();
}

Resources read_resources(const rapidjson::Value& object, const char* field, const std::string& where) {
  Resources r;
  const rapidjson::Value* v = find_member(object, field);
  if (v == nullptr || v->IsNull()) return r;
  if (!v->IsObject()) throw ParseError(where, cat("field \"", field, "\" must be an object"));
  const std::string inner = cat(where, " (", field, ")");
  refuse_duplicate_keys(*v, inner, "field");
  r.cpu_cores = optional_number(*v, "cpu_cores", inner).value_or(0);
  r.memory_bytes = optional_number(*v, "memory_bytes", inner).value_or(0);
  r.gpus = optional_number(*v, "gpus", inner).value_or(0);
  return r;
}

}  // namespace

std::string kind_of(const rapidjson::Value& object) {
  const rapidjson::Value* v = find_member(object, "kind");
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::string node_record_json(const NodeRecord& node) {
  std::string line;
  json::ObjectWriter o(line);
  o.text("kind", "node");
  o.text("name", node.name);
  std::string& roles = o.key("roles");
  roles += '[';
  for (size_t i = 0; i < node.roles.size(); ++i) {
    if (i > 0) roles += ',';
    json::append_string(roles, node.roles[i], "roles");
  }
  roles += ']';
  o.boolean("ready", node.ready);
  o.text("internal_ip", node.internal_ip);
  resources_json(o, "capacity", node.capacity);
  resources_json(o, "allocatable", node.allocatable);
  o.labels("labels", node.labels);
  o.close();
  return line;
}

void write_node_record(JsonLineWriter& out, const NodeRecord& node) { out.write_line(node_record_json(node)); }

NodeRecord read_node_record(const rapidjson::Value& object, const std::string& where) {
  NodeRecord node;
  refuse_duplicate_keys(object, where, "field");
  node.name = require_string(object, "name", where);
  if (const rapidjson::Value* roles = find_member(object, "roles"); roles != nullptr && roles->IsArray()) {
    for (const auto& r : roles->GetArray())
      if (r.IsString()) node.roles.emplace_back(r.GetString());
  }
  if (const rapidjson::Value* ready = find_member(object, "ready"); ready != nullptr && ready->IsBool())
    node.ready = ready->GetBool();
  node.internal_ip = optional_string(object, "internal_ip", where).value_or("");
  node.capacity = read_resources(object, "capacity", where);
  node.allocatable = read_resources(object, "allocatable", where);
  node.labels = read_labels(object, where);
  return node;
}

std::string node_usage_json(const NodeUsage& u) {
  auto figure = [](const char* name, double v) {
    if (!(v >= 0))  // NaN included
      throw json::JsonValueError(cat("field \"", name, "\" is ", format_number(v), "; a node_usage figure is a number >= 0"));
    return v;
  };
  auto optional_figure = [&](const char* name, const std::optional<double>& v) -> std::optional<double> {
    if (v) figure(name, *v);
    return v;
  };
  if (u.node.empty()) throw json::JsonValueError("field \"node\" is empty; every node_usage line names its node");
  for (const unsigned char c : u.node)
    if (c < 0x20 || c == 0x7f)
      throw json::JsonValueError(cat("field \"node\" (\"", printable(u.node, 80), "\") holds control characters"));
  for (const unsigned char c : u.source)
    if (c < 0x20 || c == 0x7f)
      throw json::JsonValueError(cat("field \"source\" (\"", printable(u.source, 80), "\") holds control characters"));
  std::string line;
  json::ObjectWriter o(line);
  o.text("kind", "node_usage");
  o.text("node", u.node);
  o.text("source", u.source);
  o.text("window_start", u.window_start);
  o.text("window_end", u.window_end);
  if (u.error) {
    o.text("error", *u.error);
  } else {
    o.number("cpu_cores", figure("cpu_cores", u.cpu_cores));
    o.optional("cpu_busy_cores", optional_figure("cpu_busy_cores", u.cpu_busy_cores));
    o.number("memory_bytes", figure("memory_bytes", u.memory_bytes));
    o.number("memory_used_bytes", figure("memory_used_bytes", u.memory_used_bytes));
    o.number("filesystem_bytes", figure("filesystem_bytes", u.filesystem_bytes));
    o.number("filesystem_used_bytes", figure("filesystem_used_bytes", u.filesystem_used_bytes));
    o.optional("network_receive_bytes", optional_figure("network_receive_bytes", u.network_receive_bytes));
    o.optional("network_transmit_bytes", optional_figure("network_transmit_bytes", u.network_transmit_bytes));
    o.number("gpus", figure("gpus", u.gpus));
  }
  o.labels("labels", u.labels);
  o.close();
  return line;
}

void write_node_usage(JsonLineWriter& out, const NodeUsage& u) { out.write_line(node_usage_json(u)); }

}  // namespace sf
