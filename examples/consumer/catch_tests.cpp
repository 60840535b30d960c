// The installed test kit under Catch2: requests to an in-process simulator (contract-checked) and the installed
// fixtures, found under the install prefix.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <string>

#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;

TEST_CASE("A toapis task submitted with the seed's own example is queued, then completes") {
  testkit::ScopedSimulator sim;
  HttpRequest submit = testkit::request("POST", "/toapis/v1/images/generations");
  submit.headers.emplace("Content-Type", "application/json");
  submit.body = testkit::fixture_text("toapis/docs-submit-request.json");
  const HttpResponse created = sim.handle(submit);
  REQUIRE(created.status == 200);
  const std::string id = testkit::body_json(created).at("id").get<std::string>();
  sim.advance(Millis{10 * 60 * 1000});
  const HttpResponse done = sim.handle(testkit::request("GET", "/toapis/v1/images/generations/" + id));
  CHECK(testkit::body_json(done).at("status") == "completed");
  CHECK(testkit::contract_check_counts().checked >= 2);
  CHECK(testkit::contract_check_counts().failed == 0);
}

TEST_CASE("The test kit reads its fixtures from the installed package, not from a source checkout") {
  // nanosim_DIR is <prefix>/lib/cmake/nanosim; the fixtures are <prefix>/share/nanosim/fixtures.
  const std::string cmake_dir = NANOSIM_EXPECTED_PREFIX;
  const std::string prefix = cmake_dir.substr(0, cmake_dir.rfind("/lib"));
  CHECK(testkit::fixtures_dir() == prefix + "/share/nanosim/fixtures");
  CHECK_FALSE(testkit::fixture_text("scenarios/scenario.schema.json").empty());
}
