#include "common/contracts.h"

#include <cmath>

#include "common/error.h"
#include "common/strings.h"

namespace sf {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

rapidjson::Value str(const std::string& s, Allocator& a) { return rapidjson::Value(s.c_str(), s.size(), a); }

// Whole numbers (cores, bytes) are written without ".0"; they stay exact up to 2^53.
rapidjson::Value num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
    return rapidjson::Value(static_cast<int64_t>(v));
  return rapidjson::Value(v);
}

void add_optional(rapidjson::Value& obj, const char* name, const std::optional<double>& v, Allocator& a) {
  if (v) obj.AddMember(rapidjson::StringRef(name), num(*v), a);
  else obj.AddMember(rapidjson::StringRef(name), rapidjson::Value(rapidjson::kNullType), a);
}

rapidjson::Value labels_json(const LabelList& labels, Allocator& a) {
  rapidjson::Value obj(rapidjson::kObjectType);
  for (const auto& [k, v] : labels) obj.AddMember(str(k, a), str(v, a), a);
  return obj;
}

LabelList read_labels(const rapidjson::Value& object, const std::string& where) {
  LabelList labels;
  const rapidjson::Value* v = find_member(object, "labels");
  if (v == nullptr || v->IsNull()) return labels;
  if (!v->IsObject()) throw ParseError(where, "field \"labels\" must be an object of strings");
  for (const auto& m : v->GetObject()) {
    if (!m.value.IsString())
      throw ParseError(where, cat("label \"", m.name.GetString(), "\" must be a string"));
    labels.emplace_back(m.name.GetString(), m.value.GetString());
  }
  return labels;
}

rapidjson::Value resources_json(const Resources& r, Allocator& a) {
  rapidjson::Value obj(rapidjson::kObjectType);
  obj.AddMember("cpu_cores", num(r.cpu_cores), a);
  obj.AddMember("memory_bytes", num(r.memory_bytes), a);
  obj.AddMember("gpus", num(r.gpus), a);
  return obj;
}

Resources read_resources(const rapidjson::Value& object, const char* field, const std::string& where) {
  Resources r;
  const rapidjson::Value* v = find_member(object, field);
  if (v == nullptr || v->IsNull()) return r;
  if (!v->IsObject()) throw ParseError(where, cat("field \"", field, "\" must be an object"));
  const std::string inner = cat(where, " (", field, ")");
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

void write_node_record(JsonLineWriter& out, const NodeRecord& node) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("kind", "node", a);
  doc.AddMember("name", str(node.name, a), a);
  rapidjson::Value roles(rapidjson::kArrayType);
  for (const auto& r : node.roles) roles.PushBack(str(r, a), a);
  doc.AddMember("roles", roles, a);
  doc.AddMember("ready", node.ready, a);
  doc.AddMember("internal_ip", str(node.internal_ip, a), a);
  doc.AddMember("capacity", resources_json(node.capacity, a), a);
  doc.AddMember("allocatable", resources_json(node.allocatable, a), a);
  doc.AddMember("labels", labels_json(node.labels, a), a);
  out.write(doc);
}

NodeRecord read_node_record(const rapidjson::Value& object, const std::string& where) {
  NodeRecord node;
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

void write_node_usage(JsonLineWriter& out, const NodeUsage& u) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("kind", "node_usage", a);
  doc.AddMember("node", str(u.node, a), a);
  doc.AddMember("source", str(u.source, a), a);
  doc.AddMember("window_start", str(u.window_start, a), a);
  doc.AddMember("window_end", str(u.window_end, a), a);
  if (u.error) {
    doc.AddMember("error", str(*u.error, a), a);
  } else {
    doc.AddMember("cpu_cores", num(u.cpu_cores), a);
    add_optional(doc, "cpu_busy_cores", u.cpu_busy_cores, a);
    doc.AddMember("memory_bytes", num(u.memory_bytes), a);
    doc.AddMember("memory_used_bytes", num(u.memory_used_bytes), a);
    doc.AddMember("filesystem_bytes", num(u.filesystem_bytes), a);
    doc.AddMember("filesystem_used_bytes", num(u.filesystem_used_bytes), a);
    add_optional(doc, "network_receive_bytes", u.network_receive_bytes, a);
    add_optional(doc, "network_transmit_bytes", u.network_transmit_bytes, a);
    doc.AddMember("gpus", num(u.gpus), a);
  }
  doc.AddMember("labels", labels_json(u.labels, a), a);
  out.write(doc);
}

NodeUsage read_node_usage(const rapidjson::Value& object, const std::string& where) {
  NodeUsage u;
  u.node = require_string(object, "node", where);
  u.source = optional_string(object, "source", where).value_or("");
  u.window_start = require_string(object, "window_start", where);
  u.window_end = require_string(object, "window_end", where);
  u.error = optional_string(object, "error", where);
  u.labels = read_labels(object, where);
  if (u.error) return u;
  u.cpu_cores = require_number(object, "cpu_cores", where);
  u.cpu_busy_cores = optional_number(object, "cpu_busy_cores", where);
  u.memory_bytes = require_number(object, "memory_bytes", where);
  u.memory_used_bytes = optional_number(object, "memory_used_bytes", where).value_or(0);
  u.filesystem_bytes = optional_number(object, "filesystem_bytes", where).value_or(0);
  u.filesystem_used_bytes = optional_number(object, "filesystem_used_bytes", where).value_or(0);
  u.network_receive_bytes = optional_number(object, "network_receive_bytes", where);
  u.network_transmit_bytes = optional_number(object, "network_transmit_bytes", where);
  u.gpus = optional_number(object, "gpus", where).value_or(0);
  return u;
}

}  // namespace sf
