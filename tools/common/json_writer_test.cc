#include "common/json_writer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "common/json_lines.h"

using sf::json::append_number;
using sf::json::append_string;
using sf::json::JsonValueError;
using sf::json::ObjectWriter;

TEST_CASE("json writer: strings are escaped and must be UTF-8") {
  std::string out;
  append_string(out, "a\"b\\c\n\x01 é ünïcødé long enough to take the word path");
  CHECK(out == "\"a\\\"b\\\\c\\n\\u0001 é ünïcødé long enough to take the word path\"");
  std::string line(1, '{');
  CHECK_THROWS_WITH(append_string(line, "node\xff", "node"), Catch::Contains("field \"node\"") && Catch::Contains("UTF-8"));
  CHECK(line == "{");  // nothing half-appended
  CHECK_THROWS_AS(append_string(line, std::string("12345678\xed\xa0\x80")), JsonValueError);  // a surrogate
  CHECK_THROWS_AS(append_string(line, std::string("\xc0\xaf")), JsonValueError);               // an overlong
}

TEST_CASE("json writer: numbers are finite, integral ones without a fraction") {
  std::string out;
  append_number(out, 8589934592.0);
  out += ' ';
  append_number(out, 0.031611);
  out += ' ';
  append_number(out, -0.0);
  CHECK(out == "8589934592 0.031611 0");
  CHECK_THROWS_WITH(append_number(out, std::nan(""), "memory_bytes"), Catch::Contains("\"memory_bytes\" is NaN"));
  CHECK_THROWS_AS(append_number(out, std::numeric_limits<double>::infinity()), JsonValueError);
  CHECK_THROWS_AS(append_number(out, -std::numeric_limits<double>::infinity()), JsonValueError);
}

TEST_CASE("json writer: a line with a bad value is never written, not even in part") {
  rapidjson::Document doc(rapidjson::kObjectType);
  doc.AddMember("node", "n1", doc.GetAllocator());
  doc.AddMember("memory_bytes", std::nan(""), doc.GetAllocator());
  std::string written;
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&buffer, &size);
  {
    sf::JsonLineWriter writer(mem);
    CHECK_THROWS_WITH(writer.write(doc), Catch::Contains("memory_bytes"));
    writer.flush();
  }
  std::fclose(mem);
  CHECK(size == 0);
  std::free(buffer);
}

TEST_CASE("json writer: objects, labels and raw members") {
  std::string out;
  ObjectWriter o(out);
  o.text("kind", "node_usage");
  o.number("cpu_cores", 2);
  o.optional("cpu_busy_cores", std::nullopt);
  o.boolean("ok", true);
  o.labels("labels", {{"a\"", "b"}});
  o.raw("extra", "[1,2]");
  o.close();
  CHECK(out == R"({"kind":"node_usage","cpu_cores":2,"cpu_busy_cores":null,"ok":true,"labels":{"a\"":"b"},"extra":[1,2]})");
  CHECK(sf::json::labels_json({}) == "{}");
}
