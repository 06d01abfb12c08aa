#include "render-manifests/template_scan.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using namespace sf::rm;

namespace {
std::string error_of(const std::string& text) {
  try {
    scan_template(text, "t.yaml.mustache");
  } catch (const sf::ParseError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("template scan: tags, kinds, lines and the rewritten text", "[scan]") {
  const auto t = scan_template("a: \"{{x.y}}\"\nb: {{ z }}\n{{#list}}\n- {{{.}}}\n{{/list}}\n{{^f}}no{{/f}} {{&r}}\n", "t");
  REQUIRE(t.tags.size() == 6);
  CHECK(t.tags[0].name == "x.y");
  CHECK(t.tags[0].kind == TagKind::kVariable);
  CHECK(t.tags[0].line == 1);
  CHECK(t.tags[0].column == 5);
  CHECK(t.tags[0].quoted);
  CHECK(t.tags[1].name == "z");
  CHECK_FALSE(t.tags[1].quoted);
  CHECK(t.tags[1].line == 2);
  CHECK(t.tags[2].kind == TagKind::kSection);
  CHECK(t.tags[2].line == 3);
  CHECK(t.tags[3].kind == TagKind::kRaw);
  CHECK(t.tags[3].name == ".");
  CHECK(t.tags[3].line == 4);
  CHECK(t.tags[4].kind == TagKind::kInverted);
  CHECK(t.tags[4].line == 6);
  CHECK(t.tags[5].kind == TagKind::kRaw);
  // Standalone section lines vanish; inline ones stay; closes name their opening tag's index.
  CHECK(t.rewritten == "a: \"{{@0}}\"\nb: {{@1}}\n{{#@2}}- {{&@3}}\n{{/@2}}{{^@4}}no{{/@4}} {{&@5}}\n");
}

TEST_CASE("template scan: quotes are judged on the tag's own line", "[scan]") {
  const auto t = scan_template(
      "a: \"{{q1}}-{{q2}}\"\n"
      "b: \"x\" {{u1}}\n"
      "c: \"esc \\\" {{q3}}\"\n"
      "d: '{{u2}}'\n"
      "e: \"{{#s}}{{q4}}{{/s}}\"\n",
      "t");
  REQUIRE(t.tags.size() == 7);
  CHECK(t.tags[0].quoted);
  CHECK(t.tags[1].quoted);
  CHECK_FALSE(t.tags[2].quoted);
  CHECK(t.tags[3].quoted);
  CHECK_FALSE(t.tags[4].quoted);  // single quotes do not count: no JSON escapes in them
  CHECK(t.tags[6].quoted);
}

TEST_CASE("template scan: comments and indentation of standalone lines", "[scan]") {
  const auto t = scan_template("{{! a comment }}\nx:\n  {{#a}}  \n  y: 1\n  {{/a}}\n{{! multi\nline }}\nz", "t");
  CHECK(t.rewritten == "x:\n{{#@0}}  y: 1\n{{/@0}}z");
  CHECK(t.tags.size() == 1);
  const auto inline_comment = scan_template("a: 1 {{! note }}\nb", "t");
  CHECK(inline_comment.rewritten == "a: 1 \nb");
}

TEST_CASE("template scan: what is refused, with file and line", "[scan]") {
  CHECK_THAT(error_of("a\nb: {{x\n"), Catch::Contains("t.yaml.mustache:2: a tag opened here is never closed"));
  CHECK_THAT(error_of("{{#a}}\n{{#b}}\n{{/a}}\n"), Catch::Contains("t.yaml.mustache:3: {{/a}} closes 'b' (opened at t.yaml.mustache:2)"));
  CHECK_THAT(error_of("x\n{{/a}}"), Catch::Contains(":2: {{/a}} closes a section that was never opened"));
  CHECK_THAT(error_of("x\n\n{{#a}}\n"), Catch::Contains(":3: section 'a' is never closed"));
  CHECK_THAT(error_of("{{> part}}"), Catch::Contains("partials"));
  CHECK_THAT(error_of("{{=<% %>=}}"), Catch::Contains("delimiter changes"));
  CHECK_THAT(error_of("{{}}"), Catch::Contains("is not a value name"));
  CHECK_THAT(error_of("{{a b}}"), Catch::Contains("is not a value name"));
  CHECK_THAT(error_of("{{a..b}}"), Catch::Contains("is not a value name"));
  CHECK_THAT(error_of("{{a\nb}}"), Catch::Contains("spans lines"));
  CHECK_THAT(error_of("{{a?}}"), Catch::Contains("use it as a section"));
  std::string deep;
  for (int i = 0; i < 33; ++i) deep += "{{#a}}";
  CHECK_THAT(error_of(deep), Catch::Contains("deeper than 32"));
  CHECK_NOTHROW(scan_template("{{#a?}}x{{/a?}} {{^b?}}y{{/b?}}", "t"));
  CHECK_NOTHROW(scan_template("no tags at all } { }}", "t"));
}

TEST_CASE("template scan: tag tokens", "[scan]") {
  size_t i = 0;
  CHECK(parse_tag_token("@0", i));
  CHECK(i == 0);
  CHECK(parse_tag_token("@123", i));
  CHECK(i == 123);
  CHECK_FALSE(parse_tag_token("@", i));
  CHECK_FALSE(parse_tag_token("x", i));
  CHECK_FALSE(parse_tag_token("@1a", i));
  CHECK_FALSE(parse_tag_token("@12345678901234", i));
}
