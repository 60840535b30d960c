// A response check first reads the body with RapidJSON (QuickJson) for a yes-or-no verdict, and only a body off
// contract, or one the two parsers might read apart, takes the full path (nlohmann, then the explanation). The
// verdict must be the full path's for any body: documented answers and catalog errors of every contract, mutated at
// random (members dropped, added, retyped, strings changed), each against every response schema of its contract.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/testkit/testkit.hpp"

using nlohmann::json;
using nanosim::HttpResponse;
using nanosim::contracts::Contract;
using nanosim::contracts::QuickJson;

namespace {

/// A body a contract documents, with the status it comes at and the operation that answers it (empty: any).
struct Documented {
  json body;
  int status = 200;
  std::string operation;
};

/// The bodies a contract documents: its fixtures' responses and its catalog's errors, as rendered.
std::vector<Documented> documented_bodies(const Contract& contract) {
  std::vector<Documented> bodies;
  const auto folder = std::filesystem::path(nanosim::testkit::fixtures_dir()) / contract.id();
  if (std::ifstream index(folder / "index.json"); index) {
    const json listed = json::parse(index);  // kept: a loop over a member of a temporary would outlive it
    for (const json& fixture : listed.at("fixtures")) {
      if (fixture.value("kind", "") != "response") continue;
      std::ifstream file(folder / fixture.at("file").get<std::string>());
      const json body = json::parse(file, nullptr, false);
      if (!body.is_discarded()) {
        bodies.push_back({body, fixture.value("http_status", 200), fixture.value("operation", "")});
      }
    }
  }
  for (const auto& [kind, entry] : contract.document().at("errors").items()) {
    const HttpResponse error = contract.render_error(kind, {{"request_id", "req_1"}, {"model", "m"}});
    bodies.push_back({json::parse(error.body), error.status, ""});
  }
  return bodies;
}

rc::Gen<json> leaf() {
  return rc::gen::oneOf(
      rc::gen::just(json(nullptr)), rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return json(b); }),
      rc::gen::map(rc::gen::inRange<std::int64_t>(-3, 5000), [](std::int64_t v) { return json(v); }),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t v) { return json(v); }),
      rc::gen::map(rc::gen::element(0.5, -1.25, 1e300, 3.0), [](double v) { return json(v); }),
      // Printable, without a backslash: no text of these needs a \u escape (which would take the full path).
      rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127)),
                   [](std::string s) {
                     std::replace(s.begin(), s.end(), '\\', '/');
                     return json(std::move(s));
                   }),
      rc::gen::map(rc::gen::element<std::string>("", "COMPLETED", "IN_QUEUE", "https://x.test/a", "image/png", "é"),
                   [](std::string s) { return json(std::move(s)); }),
      rc::gen::just(json::array()), rc::gen::just(json::object()));
}

/// Every place in a value: the pointers to each of its nodes.
void places(const json& value, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) places(item, at / key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) places(value[i], at / i, out);
  }
}

/// The value with a few random changes: a node replaced, a member dropped or added, an item appended.
json mutated(json value) {
  for (int changes = *rc::gen::inRange(0, 4); changes > 0; --changes) {
    std::vector<json::json_pointer> all;
    places(value, json::json_pointer(), all);
    const auto at = all[*rc::gen::inRange<std::size_t>(0, all.size())];
    json& node = value[at];
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        node = *leaf();
        break;
      case 1:
        if (at.empty()) break;
        if (json& parent = value[at.parent_pointer()]; parent.is_array()) {
          parent.erase(std::stoul(at.back()));
        } else {
          parent.erase(at.back());
        }
        break;
      case 2:
        if (node.is_object()) node[*rc::gen::element<std::string>("status", "extra", "logs", "error", "x")] = *leaf();
        break;
      default:
        if (node.is_array()) node.push_back(node.empty() ? *leaf() : node.front());
        break;
    }
  }
  return value;
}

/// The same value as text with its first member written twice: nlohmann reads the same value (the last of a
/// repeated name wins), and QuickJson refuses it, so the check takes the full path.
std::string with_first_member_twice(const json& object) {
  const auto first = object.begin();
  return "{" + json(first.key()).dump() + ":" + first->dump() + "," + object.dump().substr(1);
}

}  // namespace

TEST_CASE("A response check's quick verdict is the full path's, for any body", "[property][contracts]") {
  for (const Contract* contract : nanosim::contracts::all()) {
    const std::vector<Documented> bodies = documented_bodies(*contract);
    REQUIRE_FALSE(bodies.empty());
    INFO("contract " << contract->id());
    rc::prop(contract->id(), [&] {
      // Mostly a body at its own status from its own operation, so that many pass; now and then any other.
      const Documented& documented = *rc::gen::elementOf(bodies);
      const bool own = *rc::gen::inRange(0, 10) < 7;
      const auto& op = own && !documented.operation.empty() ? contract->operation(documented.operation)
                                                            : *rc::gen::elementOf(contract->operations());
      const json value = mutated(documented.body);
      const std::string text = value.dump();
      const QuickJson quick(text);
      RC_ASSERT(quick.usable());  // dumped by nlohmann without a repeated name; the leaves never need a \u escape
      for (const auto& [status, schema] : op.response_schemas) {
        RC_ASSERT(schema->accepts(quick) == schema->validate(value).empty());
      }
      if (!value.is_object() || value.empty()) return;
      HttpResponse quick_way;
      quick_way.status =
          own ? documented.status : *rc::gen::elementOf(std::vector<int>{200, 202, 400, 401, 403, 404, 422, 429, 500});
      quick_way.set_header("Content-Type", "application/json");
      quick_way.body = text;
      HttpResponse full_way = quick_way;
      full_way.body = with_first_member_twice(value);
      RC_ASSERT_FALSE(QuickJson(full_way.body).usable());
      const bool accepted = contract->validate_response(op, quick_way).empty();
      RC_TAG(accepted ? "accepted" : "refused");
      RC_ASSERT(accepted == contract->validate_response(op, full_way).empty());
    });
  }
}

TEST_CASE("A text the parsers might read apart takes the full path", "[contracts]") {
  CHECK(QuickJson(R"({"a":1,"b":[{"c":2}]})").usable());
  CHECK(QuickJson(R"({"s":"é日本"})").usable());
  CHECK_FALSE(QuickJson(R"({"a":1,"a":2})").usable());           // nlohmann keeps the last, RapidJSON the first
  CHECK_FALSE(QuickJson(R"([{"x":{"a":1,"b":2,"a":3}}])").usable());  // at any depth
  CHECK_FALSE(QuickJson(R"({"s":"a\u0000b"})").usable());        // valijson stops a string at a NUL
  CHECK_FALSE(QuickJson(R"({"s":"\udc00"})").usable());          // a lone low surrogate: nlohmann refuses it
  CHECK_FALSE(QuickJson("{\"s\":\"\xff\"}").usable());            // not UTF-8
  CHECK_FALSE(QuickJson(R"({"a":1} x)").usable());
  CHECK_FALSE(QuickJson("").usable());
  CHECK(QuickJson(std::string(64, '[') + std::string(64, ']')).usable());
  CHECK_FALSE(QuickJson(std::string(65, '[') + std::string(65, ']')).usable());  // deeper than a body may nest
  CHECK_FALSE(QuickJson(std::string(100000, '[')).usable());                      // and no recursion to get there
  const nanosim::contracts::Schema schema(json{{"type", "object"}}, "object");
  CHECK_THROWS_AS((void)schema.accepts(QuickJson("{\"a\":1,\"a\":1}")), std::invalid_argument);
}
