#include "render-manifests/template_render.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using namespace sf::rm;

namespace {

const char* const kValues =
    "name: finops\n"
    "path: /home/u/my repo\n"
    "port: \"80\"\n"
    "tricky: \"a \\\"quoted\\\" \\\\ value\\nwith a newline\\u0001\"\n"
    "on: true\n"
    "off: false\n"
    "empty: \"\"\n"
    "required: ~\n"
    "items: [a, b]\n"
    "none: []\n"
    "nodes:\n"
    "  - {name: w1}\n"
    "  - {name: w2}\n"
    "map: {k: v}\n";

std::string render(const std::string& text) {
  const Value v = parse_values(kValues, "values.yaml");
  const BoundValues bound(v);
  return render_template(scan_template(text, "t.mustache"), bound);
}

std::string error_of(const std::string& text) {
  try {
    render(text);
  } catch (const sf::ParseError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("render: values, sections, lists and escaping", "[render]") {
  CHECK(render("name: \"{{name}}\"\n") == "name: \"finops\"\n");
  CHECK(render("port: {{port}}\n") == "port: 80\n");
  CHECK(render("p: \"{{path}}\"") == "p: \"/home/u/my repo\"");
  CHECK(render("t: \"{{tricky}}\"") == "t: \"a \\\"quoted\\\" \\\\ value\\nwith a newline\\u0001\"");
  CHECK(render("{{#items}}\n- \"{{.}}\"\n{{/items}}\n") == "- \"a\"\n- \"b\"\n");
  CHECK(render("x:{{^none}} []{{/none}}\n{{#none}}\n- {{.}}\n{{/none}}\n") == "x: []\n");
  CHECK(render("{{#nodes}}\n- role: worker\n  name: \"{{name}}\"\n{{/nodes}}\n") ==
        "- role: worker\n  name: \"w1\"\n- role: worker\n  name: \"w2\"\n");
  CHECK(render("{{#nodes}}{{name}}@{{port}} {{/nodes}}") == "w1@80 w2@80 ");  // outer values stay visible
  CHECK(render("{{#on}}\nyes\n{{/on}}\n{{#off}}\nno\n{{/off}}\n{{^off}}\nnot off\n{{/off}}\n") == "yes\nnot off\n");
  CHECK(render("b: {{on}}") == "b: true");  // booleans insert as true/false
  CHECK(render("{{#map}}k={{k}}{{/map}}") == "k=v");
  CHECK(render("{{#name?}}set{{/name?}}{{#empty?}}empty{{/empty?}}{{^empty?}} unset{{/empty?}}") == "set unset");
  CHECK(render("{{#none?}}x{{/none?}}{{#items?}}y{{/items?}}{{#off?}}z{{/off?}}") == "y");
  CHECK(render("{{{path}}}") == "/home/u/my repo");
}

TEST_CASE("render: strict errors name the template line and the key", "[render]") {
  CHECK_THAT(error_of("a: 1\nb: \"{{nothere}}\"\n"), Catch::Contains("t.mustache:2: undefined value 'nothere'"));
  CHECK_THAT(error_of("{{#nodes}}\n{{nope}}\n{{/nodes}}"), Catch::Contains("t.mustache:2: undefined value 'nope'"));
  CHECK_THAT(error_of("x\n{{map.nope}}"), Catch::Contains("t.mustache:2: undefined value 'map.nope': 'map' has no value 'nope'"));
  CHECK_THAT(error_of("x: \"{{required}}\""),
             Catch::Contains("t.mustache:1: 'required' is required and has no value (values.yaml:8); give it with --set required=VALUE"));
  CHECK_THAT(error_of("{{#name}}x{{/name}}"),
             Catch::Contains("'name' is a string (values.yaml:1), but a section needs a boolean, a list or a map") &&
                 Catch::Contains("{{#name?}}"));
  CHECK_THAT(error_of("x: \"{{items}}\""), Catch::Contains("'items' is a list (values.yaml:9), but {{items}} inserts text"));
  CHECK_THAT(error_of("x: \"{{map}}\""), Catch::Contains("'map' is a map"));
  CHECK_THAT(error_of("p: {{path}}"), Catch::Contains("inserted unquoted, so it must be one plain word"));
  CHECK_THAT(error_of("p: {{empty}}"), Catch::Contains("inserted unquoted"));
  CHECK_THAT(error_of("t: {{{tricky}}}"), Catch::Contains("holds a line break or control character"));
  CHECK_THAT(error_of("{{#required?}}x{{/required?}}"), Catch::Contains("'required' is required"));
  CHECK_THAT(error_of("{{.}}"), Catch::Contains("is a map"));
  CHECK_THAT(error_of("{{#on?}}{{.}}{{/on?}}"), Catch::Contains("'.' has no value here"));
}

TEST_CASE("render: escaping and plain words", "[render]") {
  CHECK(escape_quoted("plain") == "plain");
  CHECK(escape_quoted("a\"b\\c") == "a\\\"b\\\\c");
  CHECK(escape_quoted("\n\t\r\x01\x7f") == "\\n\\t\\r\\u0001\\u007F");
  CHECK(escape_quoted("grüezi") == "grüezi");
  for (const char* ok : {"80", "127.0.0.1", "/srv/git/x", "kind-registry:5000", "a_b", "v1.2.3+build", ".hidden"})
    CHECK(plain_word(ok));
  for (const char* bad : {"", "a b", "a: b", "x:", "-1", "#c", "@x", "a,b", "[a]", "{a}", "'a'", "a\"b", "*x", "&a", "!t", "a\n"})
    CHECK_FALSE(plain_word(bad));
}

TEST_CASE("render: the same inputs give the same bytes", "[render]") {
  const std::string t = "{{#nodes}}\n- \"{{name}}\"\n{{/nodes}}\n{{#map}}{{k}}{{/map}}\n";
  const std::string first = render(t);
  for (int i = 0; i < 5; ++i) CHECK(render(t) == first);
}
