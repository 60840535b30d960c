// Scenario incidents as each provider's own wire shows them: safety blocks in every provider's form, new-api's
// rewritten 429, each provider's 429 with the headers its contract sends, and partial batches. Every response is
// also checked against its contract by the test kit.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

ScopedSimulator with_scenario(Scenario scenario) {
  Options options = deterministic_options();
  options.scenarios.push_back(std::move(scenario));
  return ScopedSimulator(std::move(options));
}

HttpRequest gemini_style(const std::string& path, const std::string& prompt, int count = 1) {
  json config = {{"responseModalities", {"IMAGE"}}};
  if (count > 1) config["candidateCount"] = count;
  HttpRequest out = json_request("POST", path, {{"contents", {{{"role", "user"}, {"parts", {{{"text", prompt}}}}}}}}, "");
  out.headers.emplace("x-goog-api-key", "test-key");
  return out;
}

/// The request that creates a job (or makes the synchronous call) on each provider, as its documentation shows it.
HttpRequest submit(const std::string& provider, const std::string& prompt, int count = 1) {
  if (provider == "odirouter") return json_request("POST", "/odirouter/v1/queue/nano_banana_2", {{"prompt", prompt}});
  if (provider == "bananapro") {
    return json_request("POST", "/bananapro/api/v1/images/generate", {{"model", "nano-banana"}, {"prompt", prompt}});
  }
  if (provider == "gemini") return gemini_style("/gemini/v1beta/models/gemini-3.1-flash-image-preview:generateContent", prompt);
  const std::map<std::string, std::pair<std::string, std::string>> openai_style{
      {"toapis", {"/toapis/v1/images/generations", "nano-banana-2"}},
      {"nanoseries", {"/nanoseries/v1/images/tasks", "NanoBanana2-1K"}},
      {"crazyrouter", {"/crazyrouter/v1/images/generations", "nano-banana-2"}}};
  const auto& [path, model] = openai_style.at(provider);
  json body = {{"model", model}, {"prompt", prompt}};
  if (count > 1) body["n"] = count;
  return json_request("POST", path, body);
}

json parsed(const HttpResponse& response) { return json::parse(response.body); }

bool has_image_part(const json& candidate) {
  if (!candidate.contains("content")) return false;
  for (const json& part : candidate.at("content").value("parts", json::array())) {
    if (part.contains("inlineData")) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("rate-limited: every provider answers its own 429, with Retry-After where its contract sends one",
          "[contract][scenarios]") {
  for (const contracts::Contract* contract : contracts::all()) {
    const std::string provider = contract->id();
    INFO(provider);
    // One request per minute: synchronous calls take simulated time, so a tight window would reopen between them.
    ScopedSimulator sim(with_scenario(parse_scenario(
        {{"name", "one-per-minute"},
         {"rules", {{{"name", "window"}, {"effect", {{"rate_limit", {{"limit", 1}, {"window_ms", 60000}}}}}}}}})));
    REQUIRE(sim.handle(submit(provider, "A red apple")).status == 200);
    const Millis refused_at = sim.now();
    const HttpResponse limited = sim.handle(submit(provider, "A green apple"));
    CHECK(limited.status == 429);
    const std::string expected_wait = std::to_string((60000 - refused_at.count() + 999) / 1000);
    const json& declared = contract->document().at("errors").at("rate_limited");
    if (declared.contains("headers") && declared.at("headers").contains("Retry-After")) {
      CHECK(limited.header("Retry-After") == expected_wait);
    } else {
      CHECK_FALSE(limited.header("Retry-After"));
    }
    if (provider == "gemini") {
      CHECK(parsed(limited).at("error").at("status") == "RESOURCE_EXHAUSTED");
      CHECK(parsed(limited).at("error").at("details").at(0).at("retryDelay") == expected_wait + "s");
    }
    CHECK(sim.simulator().journal().entries().back().notes.at(0).find("scenario one-per-minute rule window: rate limit 1") == 0);
  }
}

TEST_CASE("new-api-429: the Nano series answers new-api's rewritten 429, the others their own", "[contract][scenarios]") {
  for (const contracts::Contract* contract : contracts::all()) {
    const std::string provider = contract->id();
    INFO(provider);
    ScopedSimulator sim(with_scenario(load_scenario("new-api-429")));
    REQUIRE(sim.handle(submit(provider, "A red apple")).status == 200);
    const HttpResponse saturated = sim.handle(submit(provider, "A green apple"));
    CHECK(saturated.status == 429);
    const json body = parsed(saturated);
    if (provider == "nanoseries") {
      const std::string message = body.at("error").at("message").get<std::string>();
      CHECK(message.rfind("当前分组上游负载已饱和，请稍后再试 (request id: ", 0) == 0);
      CHECK(body.at("error").at("type") == "new_api_error");
      CHECK_FALSE(saturated.header("Retry-After"));  // new-api sends none
    } else {
      CHECK(saturated.body.find("当前分组上游负载已饱和") == std::string::npos);
    }
    CHECK(sim.simulator().journal().entries().back().notes ==
          std::vector<std::string>{"scenario new-api-429 rule saturated: error rate_limited (HTTP 429)"});
  }
}

TEST_CASE("safety-block on Gemini: IMAGE_SAFETY with no image, or a blocked prompt with no candidates",
          "[contract][scenarios][gemini]") {
  for (const std::string path : {"/gemini/v1beta/models/gemini-3.1-flash-image-preview:generateContent",
                                 "/nanoseries/v1beta/models/NanoBanana2-1K:generateContent"}) {
    INFO(path);
    ScopedSimulator sim(with_scenario(load_scenario("safety-block")));
    const HttpResponse blocked = sim.handle(gemini_style(path, "A red apple"));
    CHECK(blocked.status == 200);
    const json body = parsed(blocked);
    REQUIRE(body.at("candidates").size() == 1);
    CHECK(body.at("candidates").at(0).at("finishReason") == "IMAGE_SAFETY");
    CHECK_FALSE(has_image_part(body.at("candidates").at(0)));
  }
  ScopedSimulator sim(with_scenario(load_scenario("safety-block")));
  const HttpResponse prompt_blocked =
      sim.handle(gemini_style("/gemini/v1beta/models/gemini-3.1-flash-image-preview:generateContent", "An unsafe scene"));
  CHECK(prompt_blocked.status == 200);
  const json body = parsed(prompt_blocked);
  CHECK(body.at("promptFeedback").at("blockReason") == "PROHIBITED_CONTENT");
  CHECK_FALSE(body.contains("candidates"));
  CHECK(sim.simulator().journal().entries().back().notes.size() == 2);  // both rules fired; the prompt rule won
}

TEST_CASE("safety-block on the OpenAI-style faces: new-api's relayed block as a 400", "[contract][scenarios]") {
  for (const std::string path : {"/crazyrouter/v1/images/generations", "/nanoseries/v1/images/generations"}) {
    INFO(path);
    ScopedSimulator sim(with_scenario(load_scenario("safety-block")));
    const std::string model = path.find("crazyrouter") != std::string::npos ? "nano-banana-2" : "NanoBanana2-1K";
    const HttpResponse blocked = sim.handle(json_request("POST", path, {{"model", model}, {"prompt", "A red apple"}}));
    CHECK(blocked.status == 400);
    const json error = parsed(blocked).at("error");
    CHECK(error.at("code") == "channel:image_generation_failed");
    CHECK(error.at("type") == "channel_error");
    CHECK(error.at("message").get<std::string>().rfind("Gemini image generation blocked [IMAGE_SAFETY]: ", 0) == 0);
    CHECK(error.at("message").get<std::string>().find(" (request id: ") != std::string::npos);
  }
}

TEST_CASE("safety-block on the task providers: each one's failed job, and odirouter's 422", "[contract][scenarios]") {
  ScopedSimulator sim(with_scenario(load_scenario("safety-block")));
  const json submitted = parsed(sim.handle(submit("odirouter", "A red apple")));
  sim.advance(Millis{60'000});
  const HttpResponse status = sim.handle(request("GET", "/odirouter" + std::string(submitted.at("status_url").get<std::string>()).substr(
                                                            submitted.at("status_url").get<std::string>().find("/v1/"))));
  CHECK(parsed(status).at("status") == "COMPLETED");
  CHECK(parsed(status).at("error_type") == "CONTENT_BLOCKED");
  const std::string result_url = submitted.at("response_url").get<std::string>();
  const HttpResponse result = sim.handle(request("GET", "/odirouter" + result_url.substr(result_url.find("/v1/"))));
  CHECK(result.status == 422);

  const json task = parsed(sim.handle(submit("nanoseries", "A red apple"))).at("data");
  sim.advance(Millis{60'000});
  const json polled =
      parsed(sim.handle(request("GET", "/nanoseries/v1/images/tasks/" + task.at("task_id").get<std::string>())));
  CHECK(polled.at("data").at("status") == "failed");
  CHECK(polled.at("data").at("error").at("code") == "prompt_blocked");
}

TEST_CASE("partial-batch: four asked, three delivered on the wire, where a provider takes a batch", "[contract][scenarios]") {
  SECTION("Nano series task") {
    ScopedSimulator sim(with_scenario(load_scenario("partial-batch")));
    const json task = parsed(sim.handle(submit("nanoseries", "Four apples", 4))).at("data");
    sim.advance(Millis{120'000});
    const json polled =
        parsed(sim.handle(request("GET", "/nanoseries/v1/images/tasks/" + task.at("task_id").get<std::string>())));
    CHECK(polled.at("data").at("status") == "succeeded");
    CHECK(polled.at("data").at("result_urls").size() == 3);
    CHECK(polled.at("data").at("metadata").at("result_count") == 3);
    CHECK(sim.simulator().journal().entries().at(0).notes ==
          std::vector<std::string>{"scenario partial-batch rule short: fate results 3 of 4"});
  }
  SECTION("OpenAI-style faces") {
    for (const std::string path : {"/nanoseries/v1/images/generations", "/crazyrouter/v1/images/generations"}) {
      INFO(path);
      ScopedSimulator sim(with_scenario(load_scenario("partial-batch")));
      const std::string model = path.find("crazyrouter") != std::string::npos ? "nano-banana-2" : "NanoBanana2-1K";
      const HttpResponse answer =
          sim.handle(json_request("POST", path, {{"model", model}, {"prompt", "Four apples"}, {"n", 4}}));
      REQUIRE(answer.status == 200);
      CHECK(parsed(answer).at("data").size() == 3);
    }
  }
}
