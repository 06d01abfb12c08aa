#include "common/csv.h"

#include "common/error.h"
#include "common/strings.h"

namespace sf::csv {

bool needs_quotes(std::string_view field) {
  if (field.empty()) return false;
  if (field.front() == ' ' || field.front() == '\t' || field.back() == ' ' || field.back() == '\t') return true;
  return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

bool needs_neutralising(std::string_view text) {
  if (text.empty()) return false;
  switch (text.front()) {
    case '=': case '@': case '\t': case '\r': case '\'':
      return true;
    case '+': case '-': {
      double v = 0;
      return !parse_double(text, v);  // a number is data, not a formula
    }
    default:
      return false;
  }
}

void append_field(std::string& out, std::string_view field) {
  const bool mark = needs_neutralising(field);
  const bool quote = needs_quotes(field);
  if (!mark && !quote) {
    out.append(field);
    return;
  }
  if (quote) out.push_back('"');
  if (mark) out.push_back('\'');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  if (quote) out.push_back('"');
}

void append_record(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_field(out, fields[i]);
  }
  out.append("\r\n");
}

std::vector<std::string> parse_record(std::string_view line, const std::string& where) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> fields;
  std::string field;
  size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      const size_t opened = i + 1;
      ++i;
      while (true) {
        if (i >= line.size())
          throw ParseError(where, cat("CSV field ", fields.size() + 1, " opens a quote at column ", opened,
                                      " that is never closed; is the file truncated?"));
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (i < line.size() && line[i] != ',')
        throw ParseError(where, cat("CSV field ", fields.size() + 1, ": text after the closing quote at column ", i + 1));
    } else {
      const size_t end = line.find(',', i);
      const std::string_view raw = line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      if (raw.find('"') != std::string_view::npos)
        throw ParseError(where, cat("CSV field ", fields.size() + 1, " holds a double quote but is not quoted"));
      field.assign(raw);
      i += raw.size();
    }
    if (!field.empty() && field.front() == '\'') field.erase(0, 1);  // append_field's neutralising mark
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
    if (i == line.size()) {  // a trailing comma: one more, empty field
      fields.emplace_back();
      break;
    }
  }
  return fields;
}

}  // namespace sf::csv
