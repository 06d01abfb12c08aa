#include "render-manifests/template_render.h"

#include <kainjow/mustache.hpp>

#include <unordered_map>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::rm {

namespace mustache = kainjow::mustache;

struct BoundValues::Impl {
  mustache::data data;
  std::unordered_map<const Value*, const mustache::data*> to_data;
  std::unordered_map<const mustache::data*, const Value*> to_value;
};

namespace {

mustache::data convert(const Value& v) {
  switch (v.type) {
    case Value::Type::kString: return mustache::data(v.text);
    case Value::Type::kBool: return mustache::data(v.flag());
    case Value::Type::kList: {
      mustache::data list(mustache::data::type::list);
      for (const auto& item : v.items) list.push_back(convert(item));
      return list;
    }
    case Value::Type::kMap: {
      mustache::data map(mustache::data::type::object);
      for (const auto& [key, child] : v.members) map.set(key, convert(child));
      return map;
    }
    case Value::Type::kNull: break;
  }
  return mustache::data(false);  // never rendered: a null value is an error before kainjow sees it
}

void index(const Value& v, const mustache::data& d, BoundValues::Impl& impl) {
  impl.to_data[&v] = &d;
  impl.to_value[&d] = &v;
  if (v.type == Value::Type::kList)
    for (size_t i = 0; i < v.items.size(); ++i) index(v.items[i], d.list_value()[i], impl);
  if (v.type == Value::Type::kMap)
    for (const auto& [key, child] : v.members) index(child, *d.get(key), impl);
}

bool control_free(const std::string& text) {
  for (const unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// Answers kainjow's lookups: each name is an "@N" token of the scanned template.
class StrictContext : public mustache::basic_context<std::string> {
 public:
  StrictContext(const ScannedTemplate& t, const BoundValues& values) : t_(t), values_(values) {}

  void push(const mustache::data* data) override {
    data_stack_.insert(data_stack_.begin(), data);
    const auto it = values_.impl().to_value.find(data);
    value_stack_.push_back(it == values_.impl().to_value.end() ? &nothing_ : it->second);
  }

  void pop() override {
    data_stack_.erase(data_stack_.begin());
    value_stack_.pop_back();
  }

  const mustache::data* get(const std::string& token) const override {
    size_t index = 0;
    if (!parse_tag_token(token, index) || index >= t_.tags.size())
      throw Error(cat(t_.file, ": internal error: unknown tag token '", printable(token, 40), "'"));
    const Tag& tag = t_.tags[index];
    const std::string where = cat(t_.file, ':', tag.line);
    std::string key = tag.name;
    const bool presence = key.back() == '?';
    if (presence) key.pop_back();
    const Value* v = nullptr;
    if (key == ".") {
      v = value_stack_.back();
      if (v == &nothing_) throw ParseError(where, "'.' has no value here: use it inside a section over a list");
    } else {
      std::string why;
      v = lookup(value_stack_, key, why);
      if (v == nullptr)
        throw ParseError(where, cat("undefined value '", key, "': ", why, "; declare it in the values file"));
    }
    if (v->type == Value::Type::kNull)
      throw ParseError(where, cat("'", key, "' is required and has no value (", v->origin,
                                  "); give it with --set ", key, "=VALUE or in a values file"));
    if (presence) return is_set(*v) ? &true_ : &false_;
    const bool text_tag = tag.kind == TagKind::kVariable || tag.kind == TagKind::kRaw;
    const std::string shown = cat("'", key, "' is ", type_name(v->type), " (", v->origin, ")");
    if (text_tag) {
      if (v->type == Value::Type::kList || v->type == Value::Type::kMap)
        throw ParseError(where, cat(shown, ", but {{", key, "}} inserts text; go through it with a section {{#",
                                    key, "}}...{{/", key, "}}"));
      if (v->type == Value::Type::kBool) return v->flag() ? &true_text_ : &false_text_;
      if (tag.kind == TagKind::kVariable && !tag.quoted && !plain_word(v->text))
        throw ParseError(where, cat("'", key, "' = \"", printable(v->text, 80), "\" (", v->origin,
                                    ") is inserted unquoted, so it must be one plain word (letters, digits and . _ : / @ + -); "
                                    "put the tag between double quotes in the template"));
      if (tag.kind == TagKind::kRaw && !control_free(v->text))
        throw ParseError(where, cat("'", key, "' (", v->origin, ") holds a line break or control character, "
                                    "which {{{", key, "}}} would insert as it is; use {{", key, "}} in quotes"));
    } else if (v->type == Value::Type::kString) {
      throw ParseError(where, cat(shown, ", but a section needs a boolean, a list or a map; test a string with {{#",
                                  key, "?}}...{{/", key, "?}}"));
    }
    return values_.impl().to_data.at(v);
  }

  const mustache::data* get_partial(const std::string&) const override { return nullptr; }

 private:
  const ScannedTemplate& t_;
  const BoundValues& values_;
  std::vector<const mustache::data*> data_stack_;
  std::vector<const Value*> value_stack_;
  const Value nothing_{};
  const mustache::data true_{true};
  const mustache::data false_{false};
  const mustache::data true_text_{std::string("true")};
  const mustache::data false_text_{std::string("false")};
};

}  // namespace

BoundValues::BoundValues(const Value& root) : root_(root), impl_(std::make_unique<Impl>()) {
  impl_->data = convert(root);
  index(root, impl_->data, *impl_);
}

BoundValues::~BoundValues() = default;

bool is_set(const Value& v) {
  switch (v.type) {
    case Value::Type::kNull: return false;
    case Value::Type::kString: return !v.text.empty();
    case Value::Type::kBool: return v.flag();
    case Value::Type::kList: return !v.items.empty();
    case Value::Type::kMap: return !v.members.empty();
  }
  return false;
}

std::string escape_quoted(const std::string& text) {
  static const char* const hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

bool plain_word(const std::string& text) {
  if (text.empty()) return false;
  const auto ok = [](char c, bool first) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    if (c == '.' || c == '/' || c == '_') return true;
    return !first && (c == ':' || c == '@' || c == '+' || c == '-');
  };
  for (size_t i = 0; i < text.size(); ++i)
    if (!ok(text[i], i == 0)) return false;
  return text.back() != ':';
}

std::string render_template(const ScannedTemplate& t, const BoundValues& values, const std::vector<const Value*>& inner) {
  mustache::mustache tmpl(t.rewritten);
  if (!tmpl.is_valid()) throw ParseError(t.file, cat("template does not parse: ", tmpl.error_message()));
  tmpl.set_custom_escape(escape_quoted);
  StrictContext context(t, values);
  context.push(&values.impl().data);
  for (const Value* v : inner) context.push(values.impl().to_data.at(v));
  std::string out = tmpl.render(context);
  if (!tmpl.is_valid()) throw ParseError(t.file, cat("template does not render: ", tmpl.error_message()));
  return out;
}

}  // namespace sf::rm
