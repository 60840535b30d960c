// nanosim::contracts::Schema: valijson validation explained as Violations read from the schema itself.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "nanosim/contracts/contract.hpp"

using namespace nanosim::contracts;

namespace {

std::vector<std::string> messages(const Schema& schema, const json& instance) {
  std::vector<std::string> out;
  for (const auto& v : schema.validate(instance)) out.push_back(v.message);
  return out;
}

using Messages = std::vector<std::string>;

}  // namespace

TEST_CASE("every keyword's violation names the field, the rule and the limit from the schema", "[unit][contracts]") {
  const Schema schema(json::parse(R"({
    "type": "object",
    "properties": {
      "n": {"type": "integer", "minimum": 1, "maximum": 4},
      "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25},
      "kind": {"const": "image"},
      "name": {"type": ["string", "null"], "pattern": "^[a-z]+$"},
      "tags": {"type": "array", "minItems": 2, "uniqueItems": true, "contains": {"enum": ["a", "b"]}},
      "meta": {"type": "object", "maxProperties": 1}
    }
  })"),
                      "test");
  CHECK(messages(schema, json{{"n", 0}}) == Messages{"n: must be at least 1 (got 0)"});
  CHECK(messages(schema, json{{"n", 5}}) == Messages{"n: must be at most 4 (got 5)"});
  CHECK(messages(schema, json{{"n", 1.5}}) == Messages{"n: must be an integer (got number)"});
  CHECK(messages(schema, json{{"ratio", 1}}) == Messages{"ratio: must be less than 1 (got 1)"});
  CHECK(messages(schema, json{{"ratio", 0}}) == Messages{"ratio: must be greater than 0 (got 0)"});
  CHECK(messages(schema, json{{"ratio", 0.3}}) == Messages{"ratio: must be a multiple of 0.25 (got 0.3)"});
  CHECK(messages(schema, json{{"kind", "video"}}) == Messages{"kind: must be \"image\" (got \"video\")"});
  CHECK(messages(schema, json{{"name", 3}}) == Messages{"name: must be a string or null (got integer)"});
  CHECK(messages(schema, json{{"name", "A"}}) == Messages{"name: must match the pattern ^[a-z]+$ (got \"A\")"});
  CHECK(messages(schema, json{{"tags", {"c", "c"}}}) ==
        Messages{"tags: must contain one of a, b", "tags: must not contain duplicate items"});
  CHECK(messages(schema, json{{"tags", {"a"}}}) == Messages{"tags: must have at least 2 items (got 1)"});
  CHECK(messages(schema, json{{"meta", {{"a", 1}, {"b", 2}}}}) == Messages{"meta: must have at most 1 field (got 2)"});
  CHECK(messages(schema, json::array()) == Messages{"body: must be an object (got array)"});
}

TEST_CASE("a violation deep inside the body names the dotted and indexed path", "[unit][contracts]") {
  const Schema schema(json::parse(R"({
    "type": "object",
    "properties": {
      "generationConfig": {"type": "object", "properties": {"imageConfig": {"type": "object",
        "required": ["aspectRatio"], "additionalProperties": false,
        "properties": {"aspectRatio": {"enum": ["1:1", "16:9"]}}}}},
      "contents": {"type": "array", "items": {"type": "object", "properties": {
        "parts": {"type": "array", "items": {"type": "object", "required": ["text"]}}}}}
    }
  })"),
                      "test");
  auto violations = schema.validate(json::parse(
      R"({"generationConfig": {"imageConfig": {"aspectRatio": "7:5", "imageSize": "2K", "x": 1}},
          "contents": [{"parts": [{"text": "a"}, {"inlineData": {}}]}]})"));
  REQUIRE(violations.size() == 4);
  CHECK(violations.at(0).field == "contents[0].parts[1].text");
  CHECK(violations.at(0).rule == "required");
  CHECK(violations.at(0).message == "contents[0].parts[1].text: is required");
  CHECK(violations.at(1).message == "generationConfig.imageConfig.aspectRatio: must be one of 1:1, 16:9 (got \"7:5\")");
  CHECK(violations.at(2).field == "generationConfig.imageConfig.imageSize");
  CHECK(violations.at(2).rule == "additionalProperties");
  CHECK(violations.at(3).message == "generationConfig.imageConfig.x: is not a documented field");
}

TEST_CASE("local references resolve through the given definitions, recursively", "[unit][contracts]") {
  const json definitions = json::parse(R"({
    "node": {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"},
                                              "size": {"$ref": "#/definitions/size"}}},
    "size": {"enum": ["1K", "2K"]}
  })");
  const Schema schema(json{{"$ref", "#/definitions/node"}}, "tree", definitions);
  CHECK(schema.validate(json::parse(R"({"child": {"child": {"size": "1K"}}})")).empty());
  CHECK(messages(schema, json::parse(R"({"child": {"child": {"size": "3K"}}})")) ==
        Messages{"child.child.size: must be one of 1K, 2K (got \"3K\")"});
}

TEST_CASE("x-provenance and other unknown keywords are ignored by validation", "[unit][contracts]") {
  const Schema schema(json::parse(R"({
    "type": "object", "x-provenance": {"seed": "000", "section": "s"},
    "x-provenance-keywords": {"required": {"inferred": "why"}},
    "required": ["a"],
    "properties": {"a": {"type": "string", "maxLength": 2, "x-provenance": {"inferred": "x"}}}
  })"),
                      "test");
  CHECK(schema.validate(json{{"a", "ok"}}).empty());
  CHECK(messages(schema, json{{"a", "long"}}) == Messages{"a: must be at most 2 characters (got 4)"});
  CHECK(messages(schema, json::object()) == Messages{"a: is required"});
}

TEST_CASE("string lengths are counted in characters, not bytes", "[unit][contracts]") {
  const Schema schema(json::parse(R"({"type": "string", "maxLength": 2})"), "test");
  CHECK(schema.validate(json("\xC3\xA9\xC3\xA9")).empty());  // two characters, four bytes
  CHECK(messages(schema, json("\xC3\xA9\xC3\xA9\xC3\xA9")) == Messages{"body: must be at most 2 characters (got 3)"});
}

TEST_CASE("a long rejected value is shortened in the message", "[unit][contracts]") {
  const Schema schema(json::parse(R"({"enum": ["a"]})"), "test");
  const auto violations = schema.validate(json(std::string(5000, 'x')));
  REQUIRE(violations.size() == 1);
  CHECK(violations.at(0).message.size() < 120);
  CHECK(violations.at(0).message.find("...\")") != std::string::npos);
}

TEST_CASE("a schema that does not compile is refused with its name", "[unit][contracts]") {
  CHECK_THROWS_WITH(Schema(json::parse(R"({"type": 5})"), "broken"), Catch::Contains("schema broken"));
}

TEST_CASE("one compiled schema validates from many threads at once", "[unit][contracts]") {
  const Schema schema(json::parse(R"({"type": "object", "properties": {"s": {"type": "string", "pattern": "^a+$"}}})"), "test");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!schema.validate(json{{"s", "aaa"}}).empty() || schema.validate(json{{"s", "b"}}).size() != 1) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
}

TEST_CASE("a field that takes a string or an array reports the rule of the branch the value chose", "[unit][contracts]") {
  const Schema schema(json::parse(R"({
    "type": "object",
    "definitions": {"url": {"type": "string", "pattern": "^https?://"}},
    "properties": {
      "one_of": {"oneOf": [{"$ref": "#/definitions/url"}, {"type": "array", "maxItems": 2, "items": {"$ref": "#/definitions/url"}}]},
      "any_of": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "object", "required": ["url"]}]}
    }
  })"),
                      "test");
  const auto first = [&](const json& body) {
    const auto violations = schema.validate(body);
    REQUIRE_FALSE(violations.empty());
    return violations.front();
  };
  const json urls = json::array({"https://a", "https://b", "https://c"});
  CHECK(first(json{{"one_of", urls}}).rule == "maxItems");
  CHECK(first(json{{"one_of", urls}}).message == "one_of: must have at most 2 items (got 3)");
  CHECK(first(json{{"one_of", "notaurl"}}).rule == "pattern");
  CHECK(first(json{{"one_of", json::array({"notaurl"})}}).field == "one_of[0]");
  CHECK(first(json{{"any_of", "abcd"}}).rule == "maxLength");
  // A value of no allowed type still gets the type error, naming a type it could have been.
  CHECK(first(json{{"one_of", 5}}).rule == "type");
  CHECK(first(json{{"one_of", 5}}).message.find("(got integer)") != std::string::npos);
}
