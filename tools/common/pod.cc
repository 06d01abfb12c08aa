#include "common/pod.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/flat_json_scanner.h"
#include "common/json_lines.h"
#include "common/json_writer.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf {
namespace {

using json_scan::has_control_chars;

// The names of an object's members given twice: refused, as in every contract.
double figure(const rapidjson::Value& object, const char* field, const std::string& where, double fallback = 0) {
  const double v = optional_number(object, field, where).value_or(fallback);
  if (!(v >= 0) || !std::isfinite(v))
    throw ParseError(where, cat("field \"", field, "\" is ", format_number(v), "; it must be a number >= 0"));
  return v;
}

std::optional<double> optional_figure(const rapidjson::Value& object, const char* field, const std::string& where) {
  const auto v = optional_number(object, field, where);
  if (v && (!(*v >= 0) || !std::isfinite(*v)))
    throw ParseError(where, cat("field \"", field, "\" is ", format_number(*v), "; it must be a number >= 0 or null"));
  return v;
}

void check_name(const std::string& value, const char* field, const std::string& where, bool may_be_empty = false) {
  if (value.empty() && !may_be_empty) throw ParseError(where, cat("field \"", field, "\" is empty; a pod line names it"));
  if (has_control_chars(value)) throw ParseError(where, cat("field \"", field, "\" holds control characters"));
}

void refuse_name(const std::string& value, const char* field, bool may_be_empty = false) {
  if (value.empty() && !may_be_empty) throw json::JsonValueError(cat("field \"", field, "\" is empty; a pod line names it"));
  if (has_control_chars(value))
    throw json::JsonValueError(cat("field \"", field, "\" (\"", printable(value, 80), "\") holds control characters"));
}

double refuse_figure(const char* field, double v) {
  if (!(v >= 0) || !std::isfinite(v))
    throw json::JsonValueError(cat("field \"", field, "\" is ", format_number(v), "; a pod figure is a number >= 0"));
  return v;
}

Resources read_resources(const rapidjson::Value& pod, const char* field, const std::string& where) {
  Resources r;
  const rapidjson::Value* v = find_member(pod, field);
  if (v == nullptr || v->IsNull()) return r;
  if (!v->IsObject()) throw ParseError(where, cat("field \"", field, "\" must be an object"));
  const std::string inner = cat(where, " (", field, ")");
  refuse_duplicate_keys(*v, inner, "field");
  r.cpu_cores = figure(*v, "cpu_cores", inner);
  r.memory_bytes = figure(*v, "memory_bytes", inner);
  r.gpus = figure(*v, "gpus", inner);
  return r;
}

void write_resources(json::ObjectWriter& o, const char* name, const Resources& r) {
  json::ObjectWriter inner(o.key(name));
  inner.number("cpu_cores", refuse_figure(name, r.cpu_cores));
  inner.number("memory_bytes", refuse_figure(name, r.memory_bytes));
  inner.number("gpus", refuse_figure(name, r.gpus));
  inner.close();
}

std::vector<ContainerSpec> read_containers(const rapidjson::Value& pod, const char* field, bool init,
                                           const std::string& where) {
  std::vector<ContainerSpec> out;
  const rapidjson::Value* list = find_member(pod, field);
  if (list == nullptr || list->IsNull()) return out;
  if (!list->IsArray()) throw ParseError(where, cat("field \"", field, "\" must be a list of containers"));
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const rapidjson::Value& c = (*list)[i];
    const std::string inner = cat(where, " (", field, "[", i, "])");
    if (!c.IsObject()) throw ParseError(inner, "a container must be an object");
    refuse_duplicate_keys(c, inner, "field");
    ContainerSpec spec;
    spec.name = require_string(c, "name", inner);
    check_name(spec.name, "name", inner);
    spec.cpu_request_cores = figure(c, "cpu_request_cores", inner);
    spec.memory_request_bytes = figure(c, "memory_request_bytes", inner);
    spec.gpu_request = figure(c, "gpu_request", inner);
    spec.cpu_limit_cores = optional_figure(c, "cpu_limit_cores", inner);
    spec.memory_limit_bytes = optional_figure(c, "memory_limit_bytes", inner);
    if (const rapidjson::Value* s = find_member(c, "sidecar"); s != nullptr && !s->IsNull()) {
      if (!s->IsBool()) throw ParseError(inner, "field \"sidecar\" must be true or false");
      spec.sidecar = init && s->GetBool();
    }
    out.push_back(std::move(spec));
  }
  return out;
}

void write_containers(json::ObjectWriter& o, const char* field, const std::vector<ContainerSpec>& list, bool init) {
  std::string& out = o.key(field);
  out += '[';
  for (size_t i = 0; i < list.size(); ++i) {
    const ContainerSpec& c = list[i];
    refuse_name(c.name, "containers[].name");
    if (i > 0) out += ',';
    json::ObjectWriter w(out);
    w.text("name", c.name);
    w.number("cpu_request_cores", refuse_figure("cpu_request_cores", c.cpu_request_cores));
    w.number("memory_request_bytes", refuse_figure("memory_request_bytes", c.memory_request_bytes));
    w.number("gpu_request", refuse_figure("gpu_request", c.gpu_request));
    if (c.cpu_limit_cores) refuse_figure("cpu_limit_cores", *c.cpu_limit_cores);
    if (c.memory_limit_bytes) refuse_figure("memory_limit_bytes", *c.memory_limit_bytes);
    w.optional("cpu_limit_cores", c.cpu_limit_cores);
    w.optional("memory_limit_bytes", c.memory_limit_bytes);
    if (init) w.boolean("sidecar", c.sidecar);
    w.close();
  }
  out += ']';
}

void add(Resources& to, const ContainerSpec& c) {
  to.cpu_cores += c.cpu_request_cores;
  to.memory_bytes += c.memory_request_bytes;
  to.gpus += c.gpu_request;
}

}  // namespace

Resources scheduling_requests(const PodRecord& pod) {
  // k8s.io/component-helpers/resource/helpers.go PodRequests: regular containers add up; a
  // sidecar (restartable init container) adds to them and to what every later init container
  // runs beside; a plain init container needs itself plus the sidecars started before it; the
  // pod needs the larger of the two, per resource, plus its overhead.
  Resources reqs, sidecars, init;
  for (const ContainerSpec& c : pod.containers) add(reqs, c);
  for (const ContainerSpec& c : pod.init_containers) {
    Resources phase;
    if (c.sidecar) {
      add(reqs, c);
      add(sidecars, c);
      phase = sidecars;
    } else {
      phase = sidecars;
      add(phase, c);
    }
    init.cpu_cores = std::max(init.cpu_cores, phase.cpu_cores);
    init.memory_bytes = std::max(init.memory_bytes, phase.memory_bytes);
    init.gpus = std::max(init.gpus, phase.gpus);
  }
  return {std::max(reqs.cpu_cores, init.cpu_cores) + pod.overhead.cpu_cores,
          std::max(reqs.memory_bytes, init.memory_bytes) + pod.overhead.memory_bytes,
          std::max(reqs.gpus, init.gpus) + pod.overhead.gpus};
}

std::string pod_record_json(const PodRecord& p) {
  refuse_name(p.namespace_name, "namespace");
  refuse_name(p.name, "name");
  refuse_name(p.node, "node", true);
  for (const std::string* s : {&p.uid, &p.phase, &p.created, &p.owner_kind, &p.owner_name, &p.controller_kind,
                               &p.controller, &p.controller_from})
    refuse_name(*s, "uid, phase, created, owner or controller", true);
  std::string line;
  json::ObjectWriter o(line);
  o.text("kind", "pod");
  o.text("namespace", p.namespace_name);
  o.text("name", p.name);
  o.text("uid", p.uid);
  if (p.node.empty()) o.null("node");
  else o.text("node", p.node);
  o.text("phase", p.phase);
  o.text("created", p.created);
  o.text("owner_kind", p.owner_kind);
  o.text("owner_name", p.owner_name);
  o.text("controller_kind", p.controller_kind);
  o.text("controller", p.controller);
  o.text("controller_from", p.controller_from);
  o.labels("labels", p.labels);
  write_containers(o, "containers", p.containers, false);
  write_containers(o, "init_containers", p.init_containers, true);
  write_resources(o, "overhead", p.overhead);
  write_resources(o, "scheduling_requests", p.scheduling_requests);
  o.close();
  return line;
}

bool parse_pod_line(std::string_view text, const std::string& where, PodRecord& out) {
  if (trim(text).empty()) return false;
  const rapidjson::Document doc = parse_json_object(text, where);
  const rapidjson::Value* kind = find_member(doc, "kind");
  if (kind == nullptr || kind->IsNull()) throw ParseError(where, "missing field \"kind\"; pod lines carry \"kind\":\"pod\"");
  if (!kind->IsString()) throw ParseError(where, "field \"kind\" must be a string");
  if (std::string_view(kind->GetString(), kind->GetStringLength()) != "pod") return false;
  refuse_duplicate_keys(doc, where, "field");

  PodRecord p;
  p.namespace_name = require_string(doc, "namespace", where);
  p.name = require_string(doc, "name", where);
  check_name(p.namespace_name, "namespace", where);
  check_name(p.name, "name", where);
  p.node = optional_string(doc, "node", where).value_or("");
  check_name(p.node, "node", where, true);
  struct Text {
    const char* field;
    std::string* value;
  };
  for (const Text& t : {Text{"uid", &p.uid}, Text{"phase", &p.phase}, Text{"created", &p.created},
                        Text{"owner_kind", &p.owner_kind}, Text{"owner_name", &p.owner_name},
                        Text{"controller_kind", &p.controller_kind}, Text{"controller", &p.controller},
                        Text{"controller_from", &p.controller_from}}) {
    *t.value = optional_string(doc, t.field, where).value_or("");
    check_name(*t.value, t.field, where, true);
  }
  if (const rapidjson::Value* labels = find_member(doc, "labels"); labels != nullptr && !labels->IsNull()) {
    if (!labels->IsObject()) throw ParseError(where, "field \"labels\" must be an object of strings");
    refuse_duplicate_keys(*labels, where, "label");
    for (const auto& m : labels->GetObject()) {
      if (!m.value.IsString())
        throw ParseError(where, cat("label \"", printable(m.name.GetString(), 80), "\" must be a string"));
      p.labels.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                            std::string(m.value.GetString(), m.value.GetStringLength()));
    }
  }
  p.containers = read_containers(doc, "containers", false, where);
  p.init_containers = read_containers(doc, "init_containers", true, where);
  std::vector<std::string_view> names;
  for (const auto* list : {&p.containers, &p.init_containers})
    for (const ContainerSpec& c : *list) names.emplace_back(c.name);
  if (const auto twice = json_scan::first_duplicate(names, [](std::string_view n) { return n; }))
    throw ParseError(where, cat("container \"", printable(*twice, 80), "\" is named twice; container names are unique in a pod"));
  p.overhead = read_resources(doc, "overhead", where);
  p.scheduling_requests = find_member(doc, "scheduling_requests") != nullptr
                              ? read_resources(doc, "scheduling_requests", where)
                              : scheduling_requests(p);
  out = std::move(p);
  return true;
}

}  // namespace sf
