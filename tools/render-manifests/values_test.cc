#include "render-manifests/values.h"

#include <catch2/catch.hpp>

#include "render-manifests/test_support.h"

#include "common/error.h"

using namespace sf::rm;

namespace {

const char* const kDefaults =
    "layer: kind\n"
    "git:\n"
    "  hostPath: ~\n"
    "  targetRevision: HEAD\n"
    "registry:\n"
    "  mirror: \"\"\n"
    "  fallback: false\n"
    "  upstreams:\n"
    "    - host: docker.io\n"
    "extra: {}\n"
    "port: 80\n";

Value defaults() { return parse_values(kDefaults, "values.yaml"); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sf::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("values: types and origins from YAML", "[values]") {
  const Value v = defaults();
  REQUIRE(v.type == Value::Type::kMap);
  CHECK(v.member("layer")->text == "kind");
  CHECK(v.member("layer")->origin == "values.yaml:1");
  CHECK(v.member("git")->member("hostPath")->type == Value::Type::kNull);
  CHECK(v.member("git")->member("hostPath")->origin == "values.yaml:3");
  CHECK(v.member("registry")->member("mirror")->type == Value::Type::kString);  // "" is a string
  CHECK(v.member("registry")->member("fallback")->type == Value::Type::kBool);
  CHECK_FALSE(v.member("registry")->member("fallback")->flag());
  CHECK(v.member("registry")->member("upstreams")->items.size() == 1);
  CHECK(v.member("port")->type == Value::Type::kString);  // numbers stay as written
  CHECK(v.member("port")->text == "80");
  const Value quoted = parse_values("a: 'true'\nb: True\nc:\n", "f");
  CHECK(quoted.member("a")->type == Value::Type::kString);  // quoted: a string
  CHECK(quoted.member("b")->type == Value::Type::kBool);
  CHECK(quoted.member("c")->type == Value::Type::kNull);
  CHECK(quoted.member("c")->origin == "f:3");  // an empty value still has a line
}

TEST_CASE("values: bad values files name file and line", "[values]") {
  CHECK_THAT(error_of([] { parse_values("a: 1\na: 2\n", "v.yaml"); }), Catch::Contains("v.yaml:2: key 'a' appears twice"));
  CHECK_THAT(error_of([] { parse_values("a:\n  b.c: 1\n", "v.yaml"); }), Catch::Contains("v.yaml:2: key 'b.c'"));
  CHECK_THAT(error_of([] { parse_values("a: [1, 2\n", "v.yaml"); }), Catch::Contains("v.yaml:") && Catch::Contains("invalid YAML"));
  CHECK_THAT(error_of([] { parse_values("- a\n- b\n", "v.yaml"); }), Catch::Contains("must be a map"));
  CHECK_THAT(error_of([] { parse_values("a: 1\n---\nb: 2\n", "v.yaml"); }), Catch::Contains("one YAML document"));
  CHECK_THAT(error_of([] { parse_values("a: \"\xff\"\n", "v.yaml"); }), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(error_of([] { parse_values("? [a]\n: 1\n", "v.yaml"); }), Catch::Contains("a key must be a plain word"));
  // An alias bomb stops at the node budget instead of eating the memory.
  const std::string bomb = sf::rm::test::alias_bomb();
  CHECK_THAT(error_of([&] { parse_values(bomb, "v.yaml"); }), Catch::Contains("more than 100000 values"));
  CHECK(parse_values("", "v.yaml").members.empty());
}

TEST_CASE("values: --set parses booleans, lists and strings", "[values]") {
  std::string key;
  CHECK(parse_set("git.hostPath=/home/u/repo", key).text == "/home/u/repo");
  CHECK(key == "git.hostPath");
  CHECK(parse_set("registry.fallback=true", key).type == Value::Type::kBool);
  const Value list = parse_set("metallb.addresses={172.18.255.200-172.18.255.250, 172.18.254.0/28}", key);
  REQUIRE(list.type == Value::Type::kList);
  REQUIRE(list.items.size() == 2);
  CHECK(list.items[1].text == "172.18.254.0/28");
  CHECK(parse_set("a={}", key).items.empty());
  CHECK(parse_set("a=", key).text.empty());
  CHECK(parse_set("a=x=y", key).text == "x=y");
  CHECK_THAT(error_of([] { std::string k; parse_set("a=1,b=2", k); }), Catch::Contains("one KEY=VALUE per --set"));
  CHECK_THAT(error_of([] { std::string k; parse_set("novalue", k); }), Catch::Contains("KEY=VALUE"));
  CHECK_THAT(error_of([] { std::string k; parse_set("a..b=1", k); }), Catch::Contains("dot-separated words"));
  CHECK_THAT(error_of([] { std::string k; parse_set("a[0]=1", k); }), Catch::Contains("dot-separated words"));
  CHECK_THAT(error_of([] { std::string k; parse_set("a={x,,y}", k); }), Catch::Contains("empty item"));
}

TEST_CASE("values: strict merge of values files and --set", "[values]") {
  Value v = defaults();
  std::string key;
  apply_set(v, "git.hostPath", parse_set("git.hostPath=/repo", key));
  CHECK(v.member("git")->member("hostPath")->text == "/repo");
  CHECK(v.member("git")->member("hostPath")->origin == "--set git.hostPath");
  apply_set(v, "registry.fallback", parse_set("registry.fallback=true", key));
  CHECK(v.member("registry")->member("fallback")->flag());
  // A required (null) default takes any type.
  Value w = defaults();
  apply_set(w, "git.hostPath", parse_set("git.hostPath={a}", key));
  CHECK(w.member("git")->member("hostPath")->type == Value::Type::kList);
  // Lists are replaced, not appended.
  merge_values(v, parse_values("registry:\n  upstreams: [{host: quay.io}, {host: ghcr.io}]\n", "over.yaml"));
  CHECK(v.member("registry")->member("upstreams")->items.size() == 2);
  // Free-form maps accept new keys.
  merge_values(v, parse_values("extra: {anything: goes}\n", "over.yaml"));
  CHECK(v.member("extra")->member("anything")->text == "goes");

  CHECK_THAT(error_of([&] { apply_set(v, "git.hostpath", parse_set("git.hostpath=/x", key)); }),
             Catch::Contains("--set git.hostpath: no value 'git.hostpath' is declared") &&
                 Catch::Contains("hostPath, targetRevision") && Catch::Contains("check the spelling"));
  Value fresh = defaults();
  CHECK_THAT(error_of([&] { apply_set(fresh, "registry.fallback", parse_set("registry.fallback=yes", key)); }),
             Catch::Contains("registry.fallback is a string, but the defaults (values.yaml:7) declare a boolean"));
  CHECK_THAT(error_of([&] { apply_set(v, "layer.x", parse_set("layer.x=1", key)); }),
             Catch::Contains("layer is a map, but the defaults (values.yaml:1) declare a string"));
  CHECK_THAT(error_of([&] { merge_values(v, parse_values("layer: ~\n", "over.yaml")); }),
             Catch::Contains("over.yaml:1: layer is set to null"));
  CHECK_THAT(error_of([&] { merge_values(v, parse_values("registry:\n  mirror: [a]\n", "over.yaml")); }),
             Catch::Contains("over.yaml:2: registry.mirror is a list"));
}

TEST_CASE("values: lookup through a context stack", "[values]") {
  const Value v = defaults();
  const Value& item = v.member("registry")->member("upstreams")->items[0];
  std::string why;
  const std::vector<const Value*> stack{&v, &item};
  CHECK(lookup(stack, "host", why)->text == "docker.io");       // the innermost first
  CHECK(lookup(stack, "layer", why)->text == "kind");           // then outwards
  CHECK(lookup(stack, "registry.mirror", why)->text.empty());
  CHECK(lookup(stack, "nothing", why) == nullptr);
  CHECK(why == "no value 'nothing' here");
  CHECK(lookup(stack, "layer.x", why) == nullptr);
  CHECK(why == "'layer' is a string, not a map holding 'x'");
  CHECK(lookup(stack, "git.nope", why) == nullptr);
  CHECK(why == "'git' has no value 'nope'");
}
