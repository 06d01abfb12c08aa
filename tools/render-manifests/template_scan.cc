#include "render-manifests/template_scan.h"

#include <vector>

#include "common/error.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::rm {
namespace {

constexpr size_t kMaxDepth = 32;
constexpr size_t kMaxTags = 100'000;

bool valid_name(std::string_view name) {
  if (name == ".") return true;
  std::string_view body = name;
  if (!body.empty() && body.back() == '?') body.remove_suffix(1);
  if (body.empty()) return false;
  for (const auto& part : split(body, '.')) {
    if (part.empty()) return false;
    for (const char c : part)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        return false;
  }
  return true;
}

// Inside a double-quoted string at `column` of `line_text` (tags on the line before it do not
// count; a backslash escapes the next character, as in YAML and TOML basic strings).
bool inside_quotes(std::string_view line_text, const std::vector<std::pair<size_t, size_t>>& tag_spans) {
  bool quoted = false;
  for (size_t i = 0; i < line_text.size(); ++i) {
    bool in_tag = false;
    for (const auto& [from, to] : tag_spans)
      if (i >= from && i < to) in_tag = true;
    if (in_tag) continue;
    if (quoted && line_text[i] == '\\') {
      ++i;
      continue;
    }
    if (line_text[i] == '"') quoted = !quoted;
  }
  return quoted;
}

bool blank(std::string_view text) {
  for (const char c : text)
    if (c != ' ' && c != '\t') return false;
  return true;
}

}  // namespace

bool parse_tag_token(std::string_view token, size_t& index) {
  if (token.size() < 2 || token[0] != '@' || token.size() > 12) return false;
  index = 0;
  for (size_t i = 1; i < token.size(); ++i) {
    if (token[i] < '0' || token[i] > '9') return false;
    index = index * 10 + static_cast<size_t>(token[i] - '0');
  }
  return true;
}

ScannedTemplate scan_template(std::string_view text, const std::string& file) {
  ScannedTemplate out;
  out.file = file;
  out.rewritten.reserve(text.size());
  struct Open {
    size_t tag;
    std::string name;
  };
  std::vector<Open> open;
  size_t line = 1;
  size_t line_start = 0;
  std::vector<std::pair<size_t, size_t>> spans_on_line;  // tag spans, relative to line_start
  const auto advance = [&](size_t from, size_t to) {  // counts the newlines in text[from, to)
    for (size_t i = from; i < to; ++i)
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
        spans_on_line.clear();
      }
  };
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t at = text.find("{{", pos);
    const size_t chunk_end = at == std::string_view::npos ? text.size() : at;
    advance(pos, chunk_end);
    out.rewritten.append(text.substr(pos, chunk_end - pos));
    if (at == std::string_view::npos) break;
    const std::string where = cat(file, ':', line);
    const size_t tag_line_start = line_start;
    const bool triple = at + 2 < text.size() && text[at + 2] == '{';
    const std::string_view close = triple ? "}}}" : "}}";
    const size_t contents_from = at + (triple ? 3 : 2);
    const size_t end = text.find(close, contents_from);
    if (end == std::string_view::npos) throw ParseError(where, "a tag opened here is never closed with }}");
    const std::string_view raw = text.substr(contents_from, end - contents_from);
    std::string_view contents = trim(raw);
    const bool comment = !triple && !contents.empty() && contents[0] == '!';
    if (!comment && raw.find('\n') != std::string_view::npos)
      throw ParseError(where, "a tag spans lines; write each {{...}} on one line");
    Tag tag;
    tag.line = line;
    tag.column = at - line_start + 1;
    char type = 0;
    if (triple) {
      tag.kind = TagKind::kRaw;
    } else if (!contents.empty() && std::string_view("#^/&!>=").find(contents[0]) != std::string_view::npos) {
      type = contents[0];
      contents = trim(contents.substr(1));
    }
    switch (type) {
      case '#': tag.kind = TagKind::kSection; break;
      case '^': tag.kind = TagKind::kInverted; break;
      case '&': tag.kind = TagKind::kRaw; break;
      case '!': tag.kind = TagKind::kComment; break;
      case '>': throw ParseError(where, "partials ({{> name}}) are not used in these templates");
      case '=': throw ParseError(where, "delimiter changes ({{=<% %>=}}) are not used in these templates");
      default: break;
    }
    const size_t after = end + close.size();
    std::string replacement;
    if (tag.kind == TagKind::kComment) {  // dropped: kainjow never sees it
      advance(at, after);
    } else {
      tag.name = std::string(contents);
      if (!valid_name(tag.name))
        throw ParseError(where, cat("'", printable(raw, 80), "' is not a value name: write a.b.c, '.', or a.b? "
                                    "(letters, digits, '_' and '-')"));
      if (tag.name.back() == '?' && type != '#' && type != '^' && type != '/')
        throw ParseError(where, cat("'", tag.name, "' tests whether a value is set; use it as a section: {{#",
                                    tag.name, "}}...{{/", tag.name, "}}"));
      if (type == '/') {
        if (open.empty()) throw ParseError(where, cat("{{/", tag.name, "}} closes a section that was never opened"));
        if (open.back().name != tag.name)
          throw ParseError(where, cat("{{/", tag.name, "}} closes '", open.back().name, "' (opened at ", file, ':',
                                      out.tags[open.back().tag].line, "); sections must nest"));
        replacement = cat("{{/@", open.back().tag, "}}");
        open.pop_back();
      } else {
        if (out.tags.size() >= kMaxTags) throw ParseError(where, cat("more than ", kMaxTags, " tags"));
        const size_t index = out.tags.size();
        spans_on_line.emplace_back(at - line_start, after - line_start);
        if (tag.kind == TagKind::kVariable)
          tag.quoted = inside_quotes(text.substr(line_start, at - line_start), spans_on_line);
        switch (tag.kind) {
          case TagKind::kSection: replacement = cat("{{#@", index, "}}"); break;
          case TagKind::kInverted: replacement = cat("{{^@", index, "}}"); break;
          case TagKind::kRaw: replacement = cat("{{&@", index, "}}"); break;
          default: replacement = cat("{{@", index, "}}"); break;
        }
        if (tag.kind == TagKind::kSection || tag.kind == TagKind::kInverted) {
          if (open.size() >= kMaxDepth) throw ParseError(where, cat("sections nest deeper than ", kMaxDepth, " levels"));
          open.push_back({index, tag.name});
        }
        out.tags.push_back(std::move(tag));
      }
    }
    // A section, close or comment tag alone on its line takes the line with it (the Mustache
    // spec's "standalone" rule, which kainjow 4.1 applies to rendered sections only).
    size_t resume = after;
    const bool block_tag = type == '#' || type == '^' || type == '/' || type == '!';
    if (block_tag && blank(text.substr(tag_line_start, at - tag_line_start))) {
      size_t e = after;
      while (e < text.size() && (text[e] == ' ' || text[e] == '\t' || text[e] == '\r')) ++e;
      if (e == text.size() || text[e] == '\n') {
        while (!out.rewritten.empty() && (out.rewritten.back() == ' ' || out.rewritten.back() == '\t'))
          out.rewritten.pop_back();
        resume = e == text.size() ? e : e + 1;
        advance(after, resume);
      }
    }
    out.rewritten.append(replacement);
    pos = resume;
  }
  if (!open.empty()) {
    const Tag& t = out.tags[open.back().tag];
    throw ParseError(cat(file, ':', t.line), cat("section '", t.name, "' is never closed with {{/", t.name, "}}"));
  }
  return out;
}

}  // namespace sf::rm
