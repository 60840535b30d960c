// The unknown-field policy of every contract (unknown_fields): what each provider does with a request field its
// schema does not document, and Options::strict_fields, which refuses them everywhere.
#include <catch2/catch.hpp>

#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

struct Face {
  const char* name;
  std::string path;
  json body;
  std::string policy;  // what the contract says
};

std::vector<Face> faces() {
  const json gemini_body = {{"contents", {{{"parts", {{{"text", "A lighthouse"}}}}}}},
                            {"generationConfig", {{"responseModalities", {"IMAGE"}}}}};
  return {
      {"odirouter submit", "/odirouter/v1/queue/nano_banana_2", {{"prompt", "A red apple"}}, "ignore"},
      {"bananapro generate", "/bananapro/api/v1/images/generate", fixture_json("bananapro/text-to-image-request.json"), "ignore"},
      {"toapis create task", "/toapis/v1/images/generations", fixture_json("toapis/text-to-image-request.json"), "ignore"},
      {"nanoseries create task", "/nanoseries/v1/images/tasks", fixture_json("nanoseries/text2image-request.json"), "ignore"},
      {"crazyrouter images", "/crazyrouter/v1/images/generations", {{"model", "nano-banana-2"}, {"prompt", "A pear"}}, "ignore"},
      {"gemini generateContent", "/gemini/v1beta/models/gemini-2.5-flash-image:generateContent?key=test-key", gemini_body, "refuse"},
      {"crazyrouter native Gemini", "/crazyrouter/v1beta/models/nano-banana-2:generateContent", gemini_body, "refuse"},
      {"nanoseries Gemini entry", "/nanoseries/v1beta/models/NanoBanana:generateContent", gemini_body, "refuse"},
  };
}

bool job_created(ScopedSimulator& sim) { return !sim.simulator().jobs().empty(); }

}  // namespace

TEST_CASE("Each face ignores or refuses an undocumented field as its contract says, and strict_fields refuses it",
          "[contract][unknown-fields]") {
  for (const Face& face : faces()) {
    DYNAMIC_SECTION(face.name) {
      json body = face.body;
      body["x_trace"] = "abc-123";
      ScopedSimulator sim;
      const HttpResponse answer = sim.handle(with_target(json_request("POST", "", body), face.path));
      const auto entry = sim.simulator().journal().entries().back();
      if (face.policy == "ignore") {
        CHECK(answer.status == 200);
        CHECK(job_created(sim));
        REQUIRE(!entry.notes.empty());
        CHECK(entry.notes.front().rfind("unknown field x_trace ignored, as ", 0) == 0);
      } else {
        CHECK(answer.status == 400);
        CHECK(answer.body.find("x_trace") != std::string::npos);
        CHECK_FALSE(job_created(sim));
      }
      Options strict = deterministic_options();
      strict.strict_fields = true;
      ScopedSimulator picky(strict);
      const HttpResponse refused = picky.handle(with_target(json_request("POST", "", body), face.path));
      CHECK(refused.status >= 400);
      CHECK(refused.status < 500);
      CHECK(refused.body.find("x_trace") != std::string::npos);
      CHECK_FALSE(job_created(picky));
    }
  }
}

TEST_CASE("An ignored field nested in a documented object is dropped too, and the rest of the body still counts",
          "[contract][unknown-fields]") {
  ScopedSimulator sim;
  json body = fixture_json("toapis/text-to-image-request.json");
  body["metadata"] = {{"resolution", "2K"}, {"orientation", "portrait"}};
  const HttpResponse answer = sim.handle(json_request("POST", "/toapis/v1/images/generations", body));
  REQUIRE(answer.status == 200);
  const auto job = sim.simulator().jobs().front();
  CHECK(job.spec.size_tier == "2K");
  CHECK(job.spec.wire_request.at("metadata") == json{{"resolution", "2K"}});
  body["n"] = 9;  // a broken rule is still refused, ignored fields or not
  CHECK(sim.handle(json_request("POST", "/toapis/v1/images/generations", body)).status == 400);
}
