#include "render-manifests/yaml_docs.h"

#include <catch2/catch.hpp>

#include "render-manifests/test_support.h"

using namespace sf::rm;

TEST_CASE("yaml docs: a stream split at markers, with file lines and Helm sources", "[yaml]") {
  const std::string text =
      "---\n"                                        // 1
      "# Source: vault/templates/server.yaml\n"      // 2
      "apiVersion: v1\n"                            // 3
      "kind: Service\n"                             // 4
      "--- # Source: vault/templates/sa.yaml\n"     // 5
      "kind: ServiceAccount\n"                      // 6
      "---\n"                                       // 7
      "# only a comment\n"                          // 8
      "---\n"                                       // 9
      "bad: [1, 2\n"                                // 10
      "...\n"                                       // 11
      "---\n"                                       // 12
      "list:\n"                                     // 13
      "  - a\n"                                     // 14
      "  - image: x\n"                              // 15
      "---x: not a marker\n";                       // 16
  const YamlFile f = parse_yaml_file("stdin", text.substr(0, text.rfind("---x")));
  const YamlFile g = parse_yaml_file("stdin", "a: 1\n---x: 2\n");
  CHECK(g.documents.size() + g.problems.size() == 1);  // "---x" does not split
  REQUIRE(f.documents.size() == 3);
  CHECK(f.documents[0].helm_source == "vault/templates/server.yaml");
  CHECK(f.documents[0].file_line(f.documents[0].root["kind"], 0) == 4);
  CHECK(f.documents[1].helm_source == "vault/templates/sa.yaml");
  CHECK(f.documents[1].file_line(f.documents[1].root["kind"], 0) == 6);
  CHECK(f.documents[2].file_line(f.documents[2].root["list"][1]["image"], 0) == 15);
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].line == 10);
}

TEST_CASE("yaml docs: the walk gives paths and key lines, and stops at the bounds", "[yaml]") {
  const YamlFile f = parse_yaml_file("f", "a:\n  b:\n    - c: 1\n    - d: 2\ne: 3\n");
  REQUIRE(f.documents.size() == 1);
  std::vector<std::string> seen;
  CHECK(walk_yaml(f.documents[0], [&](const YamlVisit& v) { seen.push_back(path_text(v.path) + "@" + std::to_string(v.line)); }));
  CHECK(seen == std::vector<std::string>{"@1", "a@1", "a.b@2", "a.b[0]@3", "a.b[0].c@3", "a.b[1]@4", "a.b[1].d@4", "e@5"});
  // An alias bomb: 10^7 nodes when expanded, stopped at 200000.
  const std::string bomb = sf::rm::test::alias_bomb();
  const YamlFile b = parse_yaml_file("bomb", bomb);
  REQUIRE(b.documents.size() == 1);
  size_t visits = 0;
  CHECK_FALSE(walk_yaml(b.documents[0], [&](const YamlVisit&) { ++visits; }));
  CHECK(visits <= 200000);
}

TEST_CASE("yaml docs: embedded values strings map to file lines", "[yaml]") {
  const YamlFile f = parse_yaml_file("app.yaml", "spec:\n  helm:\n    values: |\n      image: a\n      x: [\n");
  REQUIRE(f.documents.size() == 1);
  const YAML::Node values = f.documents[0].root["spec"]["helm"]["values"];
  std::vector<YamlProblem> problems;
  const auto inner = embedded_yaml(f, f.documents[0], values, 3, &problems);
  CHECK(inner.empty());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].line == 5);
  const YamlFile g = parse_yaml_file("app.yaml", "spec:\n  helm:\n    values: |\n      a: 1\n      image: b\n");
  const auto ok = embedded_yaml(g, g.documents[0], g.documents[0].root["spec"]["helm"]["values"], 3);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].file_line(ok[0].root["image"], 0) == 5);
}

TEST_CASE("yaml docs: helpers", "[yaml]") {
  const YAML::Node n = YAML::Load("a: {b: c}\nl: [1]\n");
  CHECK(scalar_at(child(n, "a"), "b") == "c");
  CHECK(scalar_at(child(child(n, "x"), "y"), "z").empty());  // safe on missing keys
  CHECK(scalar_at(n, "l").empty());
  CHECK(has_key(n, "a"));
  CHECK_FALSE(has_key(n, "x"));
  CHECK_FALSE(has_key(child(n, "l"), "a"));
  CHECK(has_key(YAML::Load("t: \"\"\n"), "t"));
  CHECK(path_text({"spec", "containers", "[0]", "image"}) == "spec.containers[0].image");
}
