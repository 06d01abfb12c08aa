// Helpers shared by kind-wait's unit tests.
#pragma once

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <string>

namespace sf::kw::testing {

// Parses an API object written in the test; a typo in the test fails it, not the code.
inline rapidjson::Document json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

}  // namespace sf::kw::testing
