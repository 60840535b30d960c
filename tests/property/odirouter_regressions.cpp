// Counterexamples the odirouter properties found, kept as plain examples so they run on every seed.
#include <catch2/catch.hpp>

#include "odirouter_support.hpp"

using namespace nanosim;
using namespace nanosim::property;
using nlohmann::json;

TEST_CASE("A NUL in a prompt counts as one character, for minLength and for maxLength", "[property][odirouter]") {
  testkit::ScopedSimulator sim;
  const std::size_t max = request_schema().at("properties").at("prompt").at("maxLength").get<std::size_t>();
  const std::string nul(1, '\0');
  CHECK(sim.handle(testkit::json_request("POST", provider_path("submit"), {{"prompt", nul}})).status == 200);
  const HttpResponse too_long =
      sim.handle(testkit::json_request("POST", provider_path("submit"), {{"prompt", "a" + nul + std::string(max, 'a')}}));
  CHECK(too_long.status == error_status("invalid_request"));
  CHECK(testkit::body_json(too_long).at("detail").at(0).at("loc") == json{"body", "prompt"});
  CHECK(sim.simulator().jobs().size() == 1U);
}

TEST_CASE("A prompt with multi-byte characters where the description is cut still gets its result",
          "[property][odirouter]") {
  testkit::ScopedSimulator sim;
  std::string prompt;
  while (prompt.size() < 400) prompt += "яблоко 🍎 ";  // 2- and 4-byte characters across any byte offset
  for (std::size_t shift = 0; shift < 4; ++shift) {
    const json request = {{"prompt", std::string(shift, 'a') + prompt}};  // text wanted: the default modalities
    const HttpResponse submitted = sim.handle(testkit::json_request("POST", provider_path("submit"), request));
    REQUIRE(submitted.status == 200);
    sim.advance(Millis{30 * 60 * 1000});  // done, and within the 1 h the result is kept
    const std::string id = testkit::body_json(submitted).at("request_id").get<std::string>();
    const HttpResponse result = sim.handle(testkit::request("GET", provider_path("result", id)));
    INFO("shift " << shift);
    CHECK(result.status == 200);
    CHECK(testkit::body_json(result).at("metadata").at("prompt") == request.at("prompt"));
  }
}
