// odirouter's validation errors name where the refused field travelled: FastAPI's detail[0].loc starts with
// "query" for a query parameter (?logs=) and "body" for a body field (research/providers.md §1).
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;

TEST_CASE("A bad logs query flag is refused with detail[0].loc naming the query, not the body",
          "[contract][odirouter]") {
  ScopedSimulator sim;
  const HttpResponse submitted = sim.handle(json_request("POST", "/odirouter/v1/queue/nano_banana_2", {{"prompt", "x"}}));
  REQUIRE(submitted.status == 200);
  const std::string id = body_json(submitted).at("request_id").get<std::string>();
  const HttpResponse refused =
      sim.handle(with_target(request("GET", ""), "/odirouter/v1/queue/nano_banana_2/requests/" + id + "/status?logs=yes"));
  CHECK(refused.status == 422);
  const json body = body_json(refused);
  CHECK(body.at("detail").at(0).at("loc") == json{"query", "logs"});
  CHECK(body.at("detail").at(0).at("msg") == "logs: must be one of 1, 0, true, false (got \"yes\")");
  CHECK(body.at("detail").at(0).at("type") == "enum");
  CHECK(body.at("error").at("code") == "REQUEST_INVALID");
}

TEST_CASE("A refused body field keeps detail[0].loc naming the body", "[contract][odirouter]") {
  ScopedSimulator sim;
  const HttpResponse refused = sim.handle(json_request("POST", "/odirouter/v1/queue/nano_banana_2", {{"prompt", ""}}));
  CHECK(refused.status == 422);
  CHECK(body_json(refused).at("detail").at(0).at("loc") == json{"body", "prompt"});
}

TEST_CASE("An error's location replaces the first item of its FastAPI loc list, and only when given",
          "[contract][odirouter]") {
  const contracts::Contract& odirouter = contracts::get("odirouter");
  const std::map<std::string, std::string> vars{{"field", "logs"}, {"message", "m"}, {"rule", "enum"}};
  auto in_query = vars;
  in_query["location"] = "query";
  const json query_body = json::parse(odirouter.render_error("invalid_request", in_query).body);
  CHECK(query_body.at("detail").at(0).at("loc") == json{"query", "logs"});
  CHECK(query_body.at("error").at("message") == "m");
  const json body_body = json::parse(odirouter.render_error("invalid_request", vars).body);
  CHECK(body_body.at("detail").at(0).at("loc") == json{"body", "logs"});
}
