// The fast compact writer every answer body goes through writes exactly nlohmann's text, for any value: printable
// and escaped strings, bytes that are not UTF-8 (replaced by U+FFFD), every integer, floating-point numbers, nesting.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "nanosim/json_text.hpp"

using nlohmann::json;

namespace {

/// Printable text with one byte of any value at any place: the writer looks at eight bytes at a time, so a byte
/// that needs escaping or a UTF-8 check must be found in every position of a word and of the tail after the words.
rc::Gen<std::string> one_byte_in_plain_text() {
  return rc::gen::apply(
      [](std::string plain, std::size_t at, char byte) {
        plain.insert(plain.begin() + static_cast<std::ptrdiff_t>(at % (plain.size() + 1)), byte);
        return plain;
      },
      rc::gen::container<std::string>(rc::gen::element('a', 'Z', '0', ' ', '~', '/')), rc::gen::arbitrary<std::size_t>(),
      rc::gen::arbitrary<char>());
}

rc::Gen<json> text() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<std::string>(), [](std::string s) { return json(std::move(s)); }),
      rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127)),
                   [](std::string s) { return json(std::move(s)); }),
      rc::gen::map(rc::gen::element<std::string>("", "é", "日本", "\xff\xfe", "a\"b\\c", "tab\there", "\x7f", "/"),
                   [](std::string s) { return json(std::move(s)); }),
      rc::gen::map(one_byte_in_plain_text(), [](std::string s) { return json(std::move(s)); }));
}

rc::Gen<json> leaf() {
  return rc::gen::oneOf(rc::gen::just(json(nullptr)),
                        rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return json(b); }),
                        rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t v) { return json(v); }),
                        rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t v) { return json(v); }),
                        rc::gen::map(rc::gen::arbitrary<double>(), [](double v) { return json(v); }), text());
}

rc::Gen<json> value(int depth) {
  if (depth == 0) return leaf();
  return rc::gen::oneOf(
      leaf(), rc::gen::map(rc::gen::container<std::vector<json>>(value(depth - 1)), [](std::vector<json> items) {
        return json(std::move(items));
      }),
      rc::gen::map(rc::gen::container<std::map<std::string, json>>(rc::gen::arbitrary<std::string>(), value(depth - 1)),
                   [](std::map<std::string, json> members) { return json(std::move(members)); }));
}

}  // namespace

TEST_CASE("The compact JSON text of any value is nlohmann's, byte for byte", "[property][json]") {
  rc::prop("json_text(v) == v.dump(-1, ' ', false, replace)", [] {
    const json v = *value(3);
    RC_ASSERT(nanosim::json_text(v) == v.dump(-1, ' ', false, json::error_handler_t::replace));
  });
}

TEST_CASE("The compact JSON text appends to what is already written", "[unit][json]") {
  std::string out = "prefix:";
  nanosim::append_json_text(json{{"a", 1}, {"b", {true, nullptr, "x\ny"}}, {"c", 2.5}}, out);
  CHECK(out == R"(prefix:{"a":1,"b":[true,null,"x\ny"],"c":2.5})");
  CHECK(nanosim::json_text(json("\xff")) == "\"\xef\xbf\xbd\"");
}

TEST_CASE("An object written member by member is the text of the same object", "[property][json]") {
  rc::prop("JsonObjectText == json_text of the object", [] {
    const auto members = *rc::gen::container<std::map<std::string, json>>(
        rc::gen::oneOf(rc::gen::arbitrary<std::string>(), one_byte_in_plain_text()), value(2));
    std::string out = "[";
    nanosim::JsonObjectText object(out);
    for (const auto& [key, item] : members) {
      if (item.is_string()) {
        object.string(key, item.get_ref<const std::string&>());
      } else if (item.is_number_integer() && !item.is_number_unsigned()) {
        object.integer(key, item.get<std::int64_t>());
      } else {
        object.value(key, item);
      }
    }
    object.close();
    RC_ASSERT(out == "[" + nanosim::json_text(json(members)));
  });
}

TEST_CASE("An object's members must be written in key order", "[unit][json]") {
  std::string out;
  nanosim::JsonObjectText object(out);
  object.integer("b", 1);
  CHECK_THROWS_WITH(object.integer("a", 2), Catch::Contains("\"a\" after \"b\""));
  CHECK_THROWS_AS(object.integer("b", 3), std::logic_error);  // a key twice
}
