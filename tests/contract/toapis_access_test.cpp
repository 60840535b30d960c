// ToAPIs (seed 003), a new-api gateway: models a key may use, and tasks scoped to the key that created them.
#include <catch2/catch.hpp>

#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string tasks = "/toapis/v1/images/generations";
const std::string chat = "/toapis/v1/chat/completions";

json task_request(const std::string& model = "nano-banana-2") {
  return {{"model", model}, {"prompt", "A glass perfume bottle"}};
}

}  // namespace

TEST_CASE("A key limited to other models is refused new-api's 403 for the model it asked, without a task",
          "[contract][toapis]") {
  Options options = deterministic_options();
  options.models_per_key = {{"sk-limited", {"gemini-3.1-flash-image-preview"}}};
  ScopedSimulator sim(options);
  const HttpResponse refused = sim.handle(json_request("POST", tasks, task_request(), "sk-limited"));
  CHECK(refused.status == 403);
  const json error = body_json(refused).at("error");
  CHECK(error.at("message").get<std::string>().rfind("该令牌无权访问模型 nano-banana-2 (request id: ", 0) == 0);
  CHECK(error.at("type") == "new_api_error");
  CHECK(sim.simulator().jobs().empty());
  CHECK(sim.simulator().usage().empty());

  const json chat_request = {{"model", "nano-banana-2"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  CHECK(sim.handle(json_request("POST", chat, chat_request, "sk-limited")).status == 403);

  CHECK(sim.handle(json_request("POST", tasks, task_request("gemini-3.1-flash-image-preview"), "sk-limited")).status ==
        200);
  CHECK(sim.handle(json_request("POST", tasks, task_request(), "sk-unlisted")).status == 200);
}

TEST_CASE("Another key reading a task is told task_not_exist while its owner still reads it", "[contract][toapis]") {
  ScopedSimulator sim;
  const HttpResponse created = sim.handle(json_request("POST", tasks, task_request(), "sk-owner"));
  REQUIRE(created.status == 200);
  const std::string id = body_json(created).at("id");
  sim.advance(Millis{120'000});

  const HttpResponse other = sim.handle(request("GET", tasks + "/" + id, "sk-intruder"));
  CHECK(other.status == 400);
  CHECK(body_json(other).at("error").at("code") == "task_not_exist");
  CHECK_FALSE(body_json(other).dump().find("/__nanosim/files/") != std::string::npos);

  const HttpResponse own = sim.handle(request("GET", tasks + "/" + id, "sk-owner"));
  CHECK(own.status == 200);
  CHECK(body_json(own).at("status") == "completed");
  CHECK(body_json(own).contains("url"));
}
