#include "price-calc/pricing.h"

#include <yaml-cpp/yaml.h>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file_read.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"

#ifndef SF_PC_DATADIR
#define SF_PC_DATADIR "/usr/local/share/sovereign-finops"
#endif

namespace sf::pc {
namespace {

// What price-calc does with each OpenCost field.
enum class Kind {
  kPrice,         // CPU, spotCPU, RAM, spotRAM, GPU, storage: validated, used, /730 in month mode
  kPriceNoScale,  // spotGPU: UpdateFromMap does not divide it
  kNumber,        // network/LB prices: validated as OpenCost does, not used by node pricing
  kPercent,       // discount, negotiatedDiscount
  kCurrency,      // currencyCode
  kText,          // provider, description, clusterName, labels: used as text
  kIgnored,       // cloud-provider settings OpenCost reads; accepted, unused
  kSecret,        // credentials: accepted, unused, never echoed
};

struct FieldSpec {
  const char* name;
  Kind kind;
};

// CustomPricing's JSON keys (pkg/cloud/models/models.go), plus keys older releases had.
const FieldSpec kFields[] = {
    {"provider", Kind::kText},
    {"description", Kind::kText},
    {"CPU", Kind::kPrice},
    {"spotCPU", Kind::kPrice},
    {"RAM", Kind::kPrice},
    {"spotRAM", Kind::kPrice},
    {"GPU", Kind::kPrice},
    {"spotGPU", Kind::kPriceNoScale},
    {"storage", Kind::kPrice},
    {"zoneNetworkEgress", Kind::kNumber},
    {"regionNetworkEgress", Kind::kNumber},
    {"internetNetworkEgress", Kind::kNumber},
    {"natGatewayEgress", Kind::kNumber},
    {"natGatewayIngress", Kind::kNumber},
    {"firstFiveForwardingRulesCost", Kind::kNumber},
    {"additionalForwardingRuleCost", Kind::kNumber},
    {"LBIngressDataCost", Kind::kNumber},
    {"defaultLBPrice", Kind::kNumber},
    {"spotLabel", Kind::kText},
    {"spotLabelValue", Kind::kText},
    {"gpuLabel", Kind::kText},
    {"gpuLabelValue", Kind::kText},
    {"currencyCode", Kind::kCurrency},
    {"discount", Kind::kPercent},
    {"negotiatedDiscount", Kind::kPercent},
    {"clusterName", Kind::kText},
    {"customPricesEnabled", Kind::kIgnored},
    {"awsServiceKeyName", Kind::kIgnored},
    {"awsServiceKeySecret", Kind::kSecret},
    {"alibabaServiceKeyName", Kind::kIgnored},
    {"alibabaServiceKeySecret", Kind::kSecret},
    {"alibabaClusterRegion", Kind::kIgnored},
    {"awsSpotDataRegion", Kind::kIgnored},
    {"awsSpotDataBucket", Kind::kIgnored},
    {"awsSpotDataPrefix", Kind::kIgnored},
    {"spotDataFeedEnabled", Kind::kIgnored},
    {"projectID", Kind::kIgnored},
    {"athenaProjectID", Kind::kIgnored},
    {"athenaBucketName", Kind::kIgnored},
    {"athenaRegion", Kind::kIgnored},
    {"athenaDatabase", Kind::kIgnored},
    {"athenaCatalog", Kind::kIgnored},
    {"athenaTable", Kind::kIgnored},
    {"athenaWorkgroup", Kind::kIgnored},
    {"masterPayerARN", Kind::kIgnored},
    {"billingDataDataset", Kind::kIgnored},
    {"azureSubscriptionID", Kind::kIgnored},
    {"azureClientID", Kind::kIgnored},
    {"azureClientSecret", Kind::kSecret},
    {"azureTenantID", Kind::kIgnored},
    {"azureBillingRegion", Kind::kIgnored},
    {"azureBillingAccount", Kind::kIgnored},
    {"azureOfferDurableID", Kind::kIgnored},
    {"azureStorageSubscriptionID", Kind::kIgnored},
    {"azureStorageAccount", Kind::kIgnored},
    {"azureStorageAccessKey", Kind::kSecret},
    {"azureStorageContainer", Kind::kIgnored},
    {"azureContainerPath", Kind::kIgnored},
    {"azureCloud", Kind::kIgnored},
    {"n2SustainedUseDiscount", Kind::kIgnored},
    {"clusterAccount", Kind::kIgnored},
    {"sharedNamespaces", Kind::kIgnored},
    {"sharedLabelNames", Kind::kIgnored},
    {"sharedLabelValues", Kind::kIgnored},
    {"sharedOverhead", Kind::kIgnored},
    {"shareTenancyCosts", Kind::kIgnored},
    {"defaultIdle", Kind::kIgnored},
    {"readOnly", Kind::kIgnored},
    {"editorAccess", Kind::kIgnored},
    {"kubecostToken", Kind::kSecret},
    {"googleAnalyticsTag", Kind::kIgnored},
    {"excludeProviderID", Kind::kIgnored},
    {"serviceKeyName", Kind::kIgnored},
    {"serviceKeySecret", Kind::kSecret},
};

const FieldSpec* find_field(std::string_view name) {
  // Go's encoding/json matches keys case-insensitively; so do we.
  for (const FieldSpec& f : kFields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view name) {
  const FieldSpec* best = nullptr;
  size_t best_distance = 4;
  for (const FieldSpec& f : kFields) {
    const size_t d = edit_distance(name, f.name);
    if (d < best_distance) {
      best_distance = d;
      best = &f;
    }
  }
  return best != nullptr ? cat("; did you mean \"", best->name, "\"?") : std::string();
}

struct RawField {
  std::string name;
  std::string value;
  size_t line;
};

std::string where_of(const std::string& source, size_t line) { return cat(source, ":", line); }

// ---------------------------------------------------------------------------------------- JSON

// A RapidJSON input stream over the text that counts lines, so handlers know where they are.
struct LineCountingStream {
  using Ch = char;
  explicit LineCountingStream(std::string_view text) : text_(text) {}
  Ch Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  Ch Take() {
    if (pos_ >= text_.size()) return '\0';
    const char c = text_[pos_++];
    if (c == '\n') ++line;
    return c;
  }
  size_t Tell() const { return pos_; }
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  size_t PutEnd(Ch*) { return 0; }

  size_t line = 1;

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

struct JsonHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, JsonHandler> {
  JsonHandler(LineCountingStream& s, std::vector<RawField>& out) : stream(s), fields(out) {}

  bool fail(const std::string& message) {
    error = message;
    error_line = stream.line;
    return false;
  }
  bool StartObject() {
    if (depth++ == 0) return true;
    return fail(cat("field \"", key, "\" must be a JSON string, not an object"));
  }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key.assign(s, n);
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (depth != 1) return fail("the price list must be one JSON object of \"field\": \"value\" pairs");
    fields.push_back({key, std::string(s, n), stream.line});
    return true;
  }
  bool StartArray() {
    if (depth == 0) return fail("the price list must be a JSON object, not an array");
    return fail(cat("field \"", key, "\" must be a JSON string, not an array"));
  }
  bool Default() {
    if (depth == 0) return fail("the price list must be a JSON object");
    return fail(cat("field \"", key, "\" must be a JSON string holding the value (OpenCost reads every ",
                    "field as a string), e.g. \"", key, "\": \"0.031611\""));
  }

  LineCountingStream& stream;
  std::vector<RawField>& fields;
  int depth = 0;
  std::string key;
  std::string error;
  size_t error_line = 0;
};

std::vector<RawField> read_json_fields(std::string_view text, const std::string& source) {
  std::vector<RawField> fields;
  LineCountingStream stream(text);
  JsonHandler handler(stream, fields);
  rapidjson::Reader reader;
  const rapidjson::ParseResult ok =
      reader.Parse<rapidjson::kParseValidateEncodingFlag>(stream, handler);
  if (!ok) {
    if (!handler.error.empty()) throw ParseError(where_of(source, handler.error_line), handler.error);
    size_t line = 1, column = 1;
    for (size_t i = 0; i < ok.Offset() && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw ParseError(where_of(source, line),
                     cat("invalid JSON at column ", column, ": ", rapidjson::GetParseError_En(ok.Code()),
                         "; the price list is one JSON object of string values"));
  }
  return fields;
}

// ---------------------------------------------------------------------------------------- YAML

size_t line_of(const YAML::Node& node) { return static_cast<size_t>(node.Mark().line + 1); }

std::vector<RawField> read_yaml_map(const YAML::Node& map, const std::string& source, const std::string& path) {
  if (!map.IsMap())
    throw ParseError(where_of(source, line_of(map)), cat(path, " must be a map of price fields"));
  std::vector<RawField> fields;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar())
      throw ParseError(where_of(source, line_of(entry.first)), "a price field's name must be a plain word");
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (value.IsNull()) {
      fields.push_back({key, "", line_of(entry.first)});
    } else if (value.IsScalar()) {
      fields.push_back({key, value.Scalar(), line_of(value)});
    } else {
      throw ParseError(where_of(source, line_of(value)),
                       cat("field \"", key, "\" must be a single value (a price, a label or a text)"));
    }
  }
  return fields;
}

std::vector<RawField> read_yaml_root(const YAML::Node& root, const std::string& source, std::string& format);

// yaml-cpp parses nesting recursively: a price list is flat, so refuse deep nesting before it
// can exhaust the stack (a few levels suffice for Helm values: opencost.customPricing.costModel).
void check_yaml_nesting(std::string_view text, const std::string& source) {
  constexpr size_t kMaxBrackets = 16, kMaxIndent = 64;
  size_t depth = 0, line = 1, indent = 0;
  bool at_line_start = true;
  for (const char c : text) {
    if (c == '\n') {
      ++line;
      indent = 0;
      at_line_start = true;
      continue;
    }
    if (at_line_start && (c == ' ' || c == '\t' || c == '-')) {
      if (++indent > kMaxIndent)
        throw ParseError(where_of(source, line), "nested too deeply for a price list (a flat map of prices)");
      continue;
    }
    at_line_start = false;
    if (c == '[' || c == '{') {
      if (++depth > kMaxBrackets)
        throw ParseError(where_of(source, line), "nested too deeply for a price list (a flat map of prices)");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// A quoted scalar left open at the end of the file: yaml-cpp folds the rest of the file into it
// (and the error would blame a "number"). Say where the quote opened instead.
void check_yaml_quotes(std::string_view text, const std::string& source) {
  char open = 0;  // the quote we are in, or 0
  size_t line = 1, opened_line = 0;
  char previous = '\n';  // the last character outside quotes that is not a blank
  bool at_line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      at_line_start = true;
      if (open == 0) previous = '\n';
      continue;
    }
    if (open == '"') {
      if (c == '\\') ++i;
      else if (c == '"') open = 0;
      continue;
    }
    if (open == '\'') {
      if (c == '\'' && i + 1 < text.size() && text[i + 1] == '\'') ++i;
      else if (c == '\'') open = 0;
      continue;
    }
    if (c == ' ' || c == '\t') continue;
    if (c == '#' && (at_line_start || text[i - 1] == ' ' || text[i - 1] == '\t')) {  // a comment
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    // A quote starts a scalar only where a value starts: after ": ", "- ", "[", "{", "," or at line start.
    if ((c == '"' || c == '\'') && (at_line_start || previous == ':' || previous == '-' || previous == '[' ||
                                    previous == '{' || previous == ',')) {
      open = c;
      opened_line = line;
    }
    previous = c;
    at_line_start = false;
  }
  if (open != 0)
    throw ParseError(where_of(source, opened_line),
                     cat("a ", open == '"' ? "double" : "single", " quote opened on this line is never closed; close it ",
                         "(YAML would take the rest of the file as this value)"));
}

std::vector<RawField> read_yaml_fields(std::string_view text, const std::string& source, std::string& format) {
  check_yaml_nesting(text, source);
  check_yaml_quotes(text, source);
  YAML::Node loaded;
  try {
    loaded = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ParseError(where_of(source, static_cast<size_t>(e.mark.line + 1)),
                     cat("invalid YAML: ", e.msg, "; expected OpenCost's pricing JSON, its ConfigMap, or Helm values"));
  }
  const YAML::Node& root = loaded;  // const: lookups must not add keys
  try {
    return read_yaml_root(root, source, format);
  } catch (const YAML::Exception& e) {  // a conversion yaml-cpp refuses: still the file's fault
    throw ParseError(where_of(source, static_cast<size_t>(e.mark.line + 1)), cat("unexpected YAML: ", e.msg));
  }
}

std::vector<RawField> read_yaml_root(const YAML::Node& root, const std::string& source, std::string& format) {
  if (!root.IsMap())
    throw ParseError(where_of(source, root.IsDefined() ? line_of(root) : 1),
                     "expected a price list: a JSON object, a ConfigMap, Helm values or a YAML map");
  if (root["kind"] && root["kind"].IsScalar()) {
    if (root["kind"].Scalar() != "ConfigMap")
      throw ParseError(where_of(source, line_of(root["kind"])),
                       cat("a Kubernetes ", root["kind"].Scalar(), " is not a price list; expected kind: ConfigMap"));
    format = "configmap";
    const YAML::Node data = root["data"];
    if (!data) throw ParseError(where_of(source, line_of(root)), "the ConfigMap has no data: section with the prices");
    return read_yaml_map(data, source, "data");
  }
  YAML::Node custom;
  std::string path;
  if (root["opencost"] && root["opencost"].IsMap() && root["opencost"]["customPricing"]) {
    custom = root["opencost"]["customPricing"];
    path = "opencost.customPricing";
  } else if (root["customPricing"]) {
    custom = root["customPricing"];
    path = "customPricing";
  }
  if (!path.empty()) {
    format = "helm";
    if (!custom.IsMap()) throw ParseError(where_of(source, line_of(custom)), cat(path, " must be a map"));
    if (custom["enabled"] && custom["enabled"].IsScalar() && custom["enabled"].Scalar() == "false")
      log::warn(cat(source, ":", line_of(custom["enabled"]), ": ", path,
                    ".enabled is false: OpenCost ignores these prices until it is true"));
    if (!custom["costModel"])
      throw ParseError(where_of(source, line_of(custom)), cat("no ", path, ".costModel: the prices go there"));
    return read_yaml_map(custom["costModel"], source, path + ".costModel");
  }
  if (root["opencost"])
    throw ParseError(where_of(source, line_of(root["opencost"])),
                     "Helm values without opencost.customPricing.costModel: the prices go there");
  format = "yaml";
  return read_yaml_map(root, source, "the price list");
}

// ------------------------------------------------------------------------------------ validate

// A price above this (per unit-hour, or per unit-month with --price-unit month) is a mistake
// or an attack, not a price: it would make every cost overflow and the error blame the input.
constexpr double kMaxPrice = 1e9;

double parse_price(const RawField& f, const std::string& source) {
  double v = 0;
  const std::string shown = printable(f.value, 64);
  const NumberStatus status = trim(f.value).size() != f.value.size() ? NumberStatus::kNotANumber
                                                                     : parse_number(f.value, v);
  if (status == NumberStatus::kOutOfRange)
    throw ParseError(where_of(source, f.line), cat("field \"", f.name, "\": ", shown, " is too large for a number ",
                                                   "(beyond 1.8e308); a price is at most ", format_number(kMaxPrice)));
  if (status != NumberStatus::kOk)
    throw ParseError(where_of(source, f.line),
                     cat("field \"", f.name, "\": \"", shown, "\" is not a number; write a decimal such as \"0.031611\""));
  if (v < 0)
    throw ParseError(where_of(source, f.line), cat("field \"", f.name, "\": ", shown, " is negative; prices are >= 0"));
  if (v > kMaxPrice)
    throw ParseError(where_of(source, f.line), cat("field \"", f.name, "\": ", shown, " is not a plausible price (at most ",
                                                   format_number(kMaxPrice), " per unit); check the value and its unit"));
  return v;
}

std::string format_go_f(double v) {  // Go's fmt "%f": 6 decimals
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6f", v);
  return buffer;
}

}  // namespace

const std::vector<std::string>& known_opencost_fields() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const FieldSpec& f : kFields) out.emplace_back(f.name);
    return out;
  }();
  return names;
}

PriceUnit parse_price_unit(std::string_view text) {
  if (text == "hour" || text == "hourly") return PriceUnit::kHour;
  if (text == "month" || text == "monthly") return PriceUnit::kMonth;
  throw UsageError(cat("--price-unit: '", printable(text, 40), "' is not a unit; use hour (OpenCost's JSON file) or month ",
                       "(OpenCost's ConfigMap before 2026: prices /730)"));
}

double monthly_to_hourly(double monthly) {
  return std::strtod(format_go_f(monthly / kHoursPerMonth).c_str(), nullptr);
}

double parse_percent(std::string_view text, const std::string& where, std::string_view field) {
  std::string_view t = text;
  if (t.empty()) return 0.0;
  if (t.back() == '%') t.remove_suffix(1);
  double v = 0;
  if (!parse_double(t, v))
    throw ParseError(where, cat("field \"", field, "\": \"", printable(text, 64), "\" is not a percentage; write \"20%\" or \"20\" for 20 %"));
  if (v < 0 || v > 100)
    throw ParseError(where, cat("field \"", field, "\": ", printable(text, 64), " is outside 0..100 %"));
  return v * 0.01;
}

Pricing parse_pricing(std::string_view text, const std::string& source, PriceUnit unit) {
  Pricing p;
  p.source = source;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) throw ParseError(where_of(source, 1), "the price list is empty");
  std::vector<RawField> raw;
  if (text[first] == '{') {
    p.format = "json";
    raw = read_json_fields(text, source);
  } else {
    raw = read_yaml_fields(text, source, p.format);
  }

  std::vector<std::pair<const FieldSpec*, size_t>> seen;  // spec, line
  for (const RawField& f : raw) {
    const FieldSpec* spec = find_field(f.name);
    const std::string where = where_of(source, f.line);
    if (spec == nullptr)
      throw ParseError(where, cat("unknown pricing field \"", printable(f.name, 64), "\"", suggestion(f.name),
                                  " (OpenCost's fields: CPU, spotCPU, RAM, spotRAM, GPU, spotGPU, storage, ",
                                  "currencyCode, discount, negotiatedDiscount, spotLabel, spotLabelValue, gpuLabel, ...)"));
    for (const auto& [other, line] : seen)
      if (other == spec)
        throw ParseError(where, cat("field \"", spec->name, "\" is given twice (first on line ", line, ")"));
    seen.emplace_back(spec, f.line);

    PricingField out{spec->name, f.value, f.line};
    const std::string name = spec->name;
    switch (spec->kind) {
      case Kind::kPrice:
      case Kind::kPriceNoScale: {
        if (f.value.empty()) break;  // OpenCost: "" keeps the previous value, i.e. unset here
        double v = parse_price(f, source);
        if (unit == PriceUnit::kMonth) {
          if (spec->kind == Kind::kPrice) {
            v = monthly_to_hourly(v);
            out.value = format_go_f(v);
          } else {
            log::warn(cat(where, ": ", name, " is taken as hourly even with --price-unit month, as OpenCost's ",
                          "ConfigMap path does (it divides only CPU, spotCPU, RAM, spotRAM, GPU and storage)"));
          }
        }
        if (name == "CPU") p.cpu = v;
        else if (name == "spotCPU") p.spot_cpu = v;
        else if (name == "RAM") p.ram = v;
        else if (name == "spotRAM") p.spot_ram = v;
        else if (name == "GPU") p.gpu = v;
        else if (name == "spotGPU") p.spot_gpu = v;
        else if (name == "storage") p.storage = v;
        break;
      }
      case Kind::kNumber:
        if (!f.value.empty()) parse_price(f, source);
        break;
      case Kind::kPercent:
        if (name == "discount") p.discount = parse_percent(f.value, where, name);
        else p.negotiated_discount = parse_percent(f.value, where, name);
        break;
      case Kind::kCurrency: {
        const bool ok = f.value.size() == 3 && std::all_of(f.value.begin(), f.value.end(), [](char c) {
                          return c >= 'A' && c <= 'Z';
                        });
        if (!ok)
          throw ParseError(where, cat("field \"currencyCode\": \"", printable(f.value, 32),
                                      "\" is not an ISO 4217 code; write three capital letters such as \"USD\" or \"EUR\""));
        p.currency = f.value;
        break;
      }
      case Kind::kText:
        if (name == "provider") p.provider = f.value;
        else if (name == "description") p.description = f.value;
        else if (name == "clusterName") p.cluster_name = f.value;
        else if (name == "spotLabel") p.spot_label = f.value;
        else if (name == "spotLabelValue") p.spot_label_value = f.value;
        else if (name == "gpuLabel") p.gpu_label = f.value;
        else if (name == "gpuLabelValue") p.gpu_label_value = f.value;
        break;
      case Kind::kIgnored:
        log::debug(cat(where, ": ", name, " is an OpenCost cloud setting; price-calc does not use it"));
        break;
      case Kind::kSecret:
        log::warn(cat(where, ": ", name, " is a credential: keep it out of the price list (it is ignored here, ",
                      "and the price list is not a secret)"));
        out.value = "";
        break;
    }
    p.fields.push_back(std::move(out));
  }

  const std::string file_where = where_of(source, 1);
  if (!p.cpu) throw ParseError(file_where, "no CPU price: add \"CPU\": \"<price per core-hour>\"");
  if (!p.ram) throw ParseError(file_where, "no RAM price: add \"RAM\": \"<price per GiB-hour>\"");
  if (!p.spot_label.empty() && (!p.spot_cpu || !p.spot_ram))
    throw ParseError(file_where, cat("spotLabel \"", p.spot_label, "\" is set but spotCPU or spotRAM is missing: ",
                                     "spot nodes would have no price"));
  if (!p.spot_label.empty() && p.spot_label_value.empty())
    throw ParseError(file_where, "spotLabel is set but spotLabelValue is empty: OpenCost never matches an empty value");
  if (!p.gpu_label.empty() && !p.gpu)
    throw ParseError(file_where, cat("gpuLabel \"", p.gpu_label, "\" is set but GPU is missing: GPU nodes would have no price"));
  if (unit == PriceUnit::kHour && (*p.cpu > 1.0 || *p.ram > 0.5))
    log::warn(cat(source, ": CPU ", format_number(*p.cpu), " per core-hour / RAM ", format_number(*p.ram),
                  " per GiB-hour look like monthly prices; if they are, add --price-unit month"));
  return p;
}

Pricing load_pricing(const std::string& path, PriceUnit unit) {
  // A price list is a few KiB: read at most 1 MiB, so a wrong path (a log, a device, a FIFO) is
  // an error naming it, not a memory hog or a hang (file_read.h).
  return parse_pricing(read_small_file(path, size_t{1} << 20, "price list (--pricing)"), path, unit);
}

std::string installed_pricing_path() { return std::string(SF_PC_DATADIR) + "/pricing.json"; }

namespace {
// <dir of the running binary>/../share/sovereign-finops/pricing.json: an installation moved or
// installed with another --prefix than the one configured still finds its price list.
std::string beside_binary_pricing_path() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return {};
  std::string exe(buffer, static_cast<size_t>(n));
  const size_t slash = exe.rfind('/');
  if (slash == std::string::npos) return {};
  return exe.substr(0, slash) + "/../share/sovereign-finops/pricing.json";
}
}  // namespace

std::string resolve_pricing_path(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  struct stat st {};
  const std::string local = "opencost/pricing.json";
  if (::stat(local.c_str(), &st) == 0) return local;
  const std::string beside = beside_binary_pricing_path();
  if (!beside.empty() && ::stat(beside.c_str(), &st) == 0) return beside;
  const std::string installed = installed_pricing_path();
  if (::stat(installed.c_str(), &st) == 0) return installed;
  throw UsageError(cat("no price list found: tried ", local, " (relative to the working directory)",
                       beside.empty() ? std::string() : ", " + beside, " and ", installed,
                       "; pass --pricing FILE, run from the project root, or make install"));
}

}  // namespace sf::pc
