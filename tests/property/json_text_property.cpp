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

rc::Gen<json> text() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<std::string>(), [](std::string s) { return json(std::move(s)); }),
      rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127)),
                   [](std::string s) { return json(std::move(s)); }),
      rc::gen::map(rc::gen::element<std::string>("", "é", "日本", "\xff\xfe", "a\"b\\c", "tab\there", "\x7f", "/"),
                   [](std::string s) { return json(std::move(s)); }));
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
