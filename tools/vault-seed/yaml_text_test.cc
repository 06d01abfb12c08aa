#include "vault-seed/yaml_text.h"

#include <catch2/catch.hpp>

using namespace sf::vs;

TEST_CASE("yaml_text: printable YAML passes, and control characters are refused with their line") {
  CHECK(yaml_text_problem("a: b\n\tc: \"d\"\r\nü: é\n").empty());
  CHECK(yaml_text_problem("\xEF\xBB\xBF" "a: 1\n").empty());  // a BOM
  CHECK(yaml_text_problem("a: \xC2\x85\n").empty());           // NEL is a line break in YAML
  CHECK(yaml_text_problem(",\x01").rfind("line 1: the control character \\x01", 0) == 0);  // yaml-cpp 0.7 OOM
  CHECK(yaml_text_problem("a\nb\n\x7f").rfind("line 3:", 0) == 0);
  CHECK(yaml_text_problem("a: \xC2\x9B").rfind("line 1:", 0) == 0);  // C1 control (CSI)
  CHECK(yaml_text_problem(std::string("a\0b", 3)).rfind("line 1:", 0) == 0);
  CHECK(yaml_text_problem("\xff") == "is not UTF-8 text");
}
