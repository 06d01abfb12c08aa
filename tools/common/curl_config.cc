#include "common/curl_config.h"

#include "common/error.h"
#include "common/strings.h"

namespace sf {

std::string curl_config_line(std::string_view option, std::string_view value, std::string_view what) {
  std::string line(option);
  line += " = \"";
  line.reserve(line.size() + value.size() + 3);
  for (const char c : value) {
    switch (c) {
      case '\0':
        throw Error(cat(what, " holds a NUL byte, which a curl config file cannot carry"));
      case '\\': line += "\\\\"; break;
      case '"': line += "\\\""; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      case '\t': line += "\\t"; break;
      default: line += c;
    }
  }
  line += "\"\n";
  return line;
}

}  // namespace sf
