// What may be handed to yaml-cpp. YAML allows only printable characters in a stream (YAML 1.2
// c-printable: tab, LF, CR, U+0020..U+007E, U+0085, U+00A0 and up), and yaml-cpp 0.7 (Debian
// 12) runs out of memory on some inputs that break that rule (found by fuzzing: "," followed by
// U+0001 is enough). So text is checked first, and a bad byte is an error naming its line.
#pragma once

#include <string>
#include <string_view>

namespace sf::vs {

// "" when `text` is UTF-8 made of YAML's printable characters (a leading BOM allowed), else
// "line N: what is there".
std::string yaml_text_problem(std::string_view text);

}  // namespace sf::vs
