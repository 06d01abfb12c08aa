#include "common/yaml_json.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/error.h"

using namespace sf::yamljson;

namespace {

// YAML text -> Go JSON text, as sigs.k8s.io/yaml.YAMLToJSON would print it.
std::string json(const std::string& yaml) { return go_json(parse(yaml, "test.yaml")); }

std::string error_of(const std::string& yaml, const Limits& limits = {}) {
  try {
    parse(yaml, "test.yaml", limits);
  } catch (const sf::ParseError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("integers stay integers and floats print as Go prints them", "[yaml_json]") {
  CHECK(json("port: 8080") == R"({"port":8080})");
  CHECK(json("port: 8080.0") == R"({"port":8080})");  // a float, written the way Go writes 8080.0
  CHECK(json("[1.5, 1e3, 1e21, 0.0000001, -0.5, 1., .5, +.5]") == "[1.5,1000,1e+21,1e-7,-0.5,1,0.5,0.5]");
  CHECK(json("[+12, -7, 0x1F, 0o17, 017, 0b101, -0b11, 1_000, 08]") == "[12,-7,31,15,15,5,-3,1000,8]");
  CHECK(json("[9223372036854775807, -9223372036854775808, 18446744073709551615]") ==
        "[9223372036854775807,-9223372036854775808,18446744073709551615]");
  CHECK(json("18446744073709551616") == "18446744073709552000");  // past uint64: a float, Go's shortest digits
  CHECK(json("[1e999, _1, 0x, 1.5.3, 1e, '12', \"8080\"]") == R"(["1e999","_1","0x","1.5.3","1e","12","8080"])");
  CHECK(json("1e-400") == "0");  // underflow is zero in Go, not an error
}

TEST_CASE("plain scalars resolve with YAML 1.1 booleans and nulls, quoted ones are strings", "[yaml_json]") {
  CHECK(json("[y, Y, yes, Yes, YES, on, On, ON, true, True, TRUE]") ==
        "[true,true,true,true,true,true,true,true,true,true,true]");
  CHECK(json("[n, N, no, No, NO, off, Off, OFF, false, False, FALSE]") ==
        "[false,false,false,false,false,false,false,false,false,false,false]");
  CHECK(json("[yEs, tRUE, 'yes', \"true\", ~, null, Null, NULL, '~', ]") == R"(["yEs","tRUE","yes","true",null,null,null,null,"~"])");
  CHECK(json("a:\nb: ~\n") == R"({"a":null,"b":null})");
  CHECK(json("d: |\n  12\n") == R"({"d":"12\n"})");             // block scalars are strings
  CHECK(json("t: 2001-12-14\n") == R"({"t":"2001-12-14"})");   // timestamps stay text
  CHECK(json("") == "null");
  CHECK(json("# only a comment\n") == "null");
}

TEST_CASE("standard tags apply, and a value that does not fit its tag is an error", "[yaml_json]") {
  CHECK(json("[!!str 5, !!int '7', !!float 3, !!bool 'yes', !!str true, !custom 12]") == R"(["5",7,3,true,"true","12"])");
  CHECK(json("!!binary aGVsbG8=") == R"("hello")");
  CHECK(error_of("x: !!int abc") == "test.yaml:1:4: cannot decode !!str `abc` as a !!int");
  CHECK(error_of("x: !!bool 1") == "test.yaml:1:4: cannot decode !!int `1` as a !!bool");
}

TEST_CASE("keys become strings, and a key given twice keeps its last value", "[yaml_json]") {
  CHECK(json("{1: a, 1.5: b, true: c, 0x10: d}") == R"({"1":"a","1.5":"b","16":"d","true":"c"})");
  CHECK(json("token: first\nserver: s\ntoken: last\n") == R"({"server":"s","token":"last"})");
  CHECK(json("{yes: a, true: b}") == R"({"true":"b"})");  // both keys are the boolean true
  CHECK(json("{y: 1, n: 0}") == R"({"false":0,"true":1})");  // YAML 1.1: even y and n
  CHECK(error_of("~: x") == "test.yaml:1:1: a null map key cannot be written as JSON");
  CHECK(error_of("? [1, 2]\n: x\n") == "test.yaml:1:3: a map or list cannot be a map key");
}

TEST_CASE("merge keys follow goyaml.v2: later keys win, earlier merge sources win", "[yaml_json]") {
  const std::string base = "a: &A {k: a, x: 1}\nb: &B {k: b, z: 2}\n";
  CHECK(json(base + "m: {<<: *A, x: 9}\n") == R"({"a":{"k":"a","x":1},"b":{"k":"b","z":2},"m":{"k":"a","x":9}})");
  CHECK(go_json(parse(base + "m: {x: 9, <<: *A}\n", "t")["m"]) == R"({"k":"a","x":1})");  // the merge came later
  CHECK(go_json(parse(base + "m: {<<: [*A, *B]}\n", "t")["m"]) == R"({"k":"a","x":1,"z":2})");
  CHECK(error_of("m: {<<: 5}") == "test.yaml:1:9: map merge requires map or sequence of maps as the value");
}

TEST_CASE("what JSON cannot hold is an error naming the line, as YAMLToJSON fails", "[yaml_json]") {
  CHECK(error_of("a: 1\nb: .inf\n") == "test.yaml:2:4: `.inf` is infinite, which JSON cannot hold; quote it if it is meant as text");
  CHECK(error_of("[-.Inf]").find("is infinite") != std::string::npos);
  CHECK(error_of("x: .NaN").find("is NaN") != std::string::npos);
  CHECK(json("x: '.nan'") == R"({"x":".nan"})");
  CHECK(error_of("a: [").find("test.yaml:1:") == 0);
}

TEST_CASE("alias bombs and deep nesting stop at the limits", "[yaml_json]") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  Limits limits;
  limits.max_values = 100'000;
  CHECK(error_of(bomb, limits).find("expands to more than 100000 values") != std::string::npos);
  std::string deep(200, '[');
  deep += std::string(200, ']');
  limits.max_depth = 100;
  CHECK(error_of(deep, limits).find("nested more than 100 levels deep") != std::string::npos);
  limits.max_depth = 300;
  CHECK(error_of(deep, limits) == "no error");
  // Anchors that contain themselves, through a merge or a list (found by fuzz_yaml_json).
  CHECK_THAT(error_of("a: &a {<<: *a, z: 1}\n"), Catch::Contains("levels deep"));
  CHECK_THAT(error_of("a: &a [*a]\n"), Catch::Contains("levels deep"));
}

TEST_CASE("Go's string escaping: HTML characters, line separators, controls, bad UTF-8", "[yaml_json]") {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  const std::string tricky = std::string("<a&b>\"\\\b\f\n\r\t\x01\x7f") + "\xe2\x80\xa8" + "\xff" + "é";
  doc.AddMember("z", rapidjson::Value(tricky.c_str(), static_cast<rapidjson::SizeType>(tricky.size()), a), a);
  doc.AddMember("a", 1, a);
  CHECK(go_json(doc) == "{\"a\":1,\"z\":\"\\u003ca\\u0026b\\u003e\\\"\\\\\\b\\f\\n\\r\\t\\u0001\x7f\\u2028\\ufffdé\"}");
}

TEST_CASE("go_float matches encoding/json at the format boundaries", "[yaml_json]") {
  CHECK(go_float(0) == "0");
  CHECK(go_float(-0.0) == "-0");
  CHECK(go_float(1e20) == "100000000000000000000");
  CHECK(go_float(1e21) == "1e+21");
  CHECK(go_float(1e-6) == "0.000001");
  CHECK(go_float(1.5e-7) == "1.5e-7");
  CHECK(go_float(123456789.125) == "123456789.125");
  CHECK(go_float(0.001) == "0.001");
  CHECK(go_float(-2.5e-6) == "-0.0000025");
  CHECK(go_float(5e-324) == "5e-324");
}
