// crazyrouter (seed 002): every rule broken gets the documented error naming the field and creates no job;
// every catalog error renders on contract; timeouts and failed jobs answer as the gateway does.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/testkit/testkit.hpp"

#include "crazyrouter_support.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using namespace nanosim::crazyrouter_test;
using nlohmann::json;

namespace {

/// The error object of a response, checking the documented envelope {error:{message,type,code}}.
json error_of(const HttpResponse& response) {
  const json body = body_json(response);
  REQUIRE(body.contains("error"));
  const json& error = body.at("error");
  CHECK(error.at("message").is_string());
  CHECK(error.at("type").is_string());
  CHECK(error.at("code").is_string());
  return error;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("Each broken rule gets a 400 naming the field, and no job is created", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  json fifteen = json::array();
  for (int i = 0; i < 15; ++i) fifteen.push_back("https://example.com/" + std::to_string(i) + ".png");
  json no_prompt = body_with({});
  no_prompt.erase("prompt");
  const std::vector<std::pair<json, std::string>> cases = {
      {no_prompt, "prompt"},
      {body_with({{"prompt", ""}}), "prompt"},
      {body_with({{"image_input", fifteen}}), "image_input"},
      {body_with({{"image_input", "ftp://example.com/a.png"}}), "image_input"},
      {body_with({{"resolution", "8K"}}), "resolution"},
      {body_with({{"resolution", "1k"}}), "resolution"},
      {body_with({{"aspect_ratio", "7:5"}}), "aspect_ratio"},
      {body_with({{"output_format", "webp"}}), "output_format"},
      {body_with({{"output_compression", 101}}), "output_compression"},
      {body_with({{"output_compression", -1}}), "output_compression"},
      {body_with({{"output_compression", "85"}}), "output_compression"},
      {body_with({{"n", 0}}), "n"},
      {body_with({{"response_format", "file"}}), "response_format"},
  };
  for (const auto& [body, field] : cases) {
    INFO(body.dump());
    const HttpResponse response = sim.handle(json_request("POST", generations, body));
    CHECK(response.status == 400);
    const json error = error_of(response);
    CHECK(error.at("type") == "invalid_request_error");
    CHECK(error.at("param") == field);
    CHECK(starts_with(error.at("message"), field));
  }
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("Gemini-native fields in the unified body get the upstream's Unknown name error", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  for (const std::string field : {"imageOutputOptions", "image_output_options"}) {
    INFO(field);
    const HttpResponse response = sim.handle(json_request("POST", generations, body_with({{field, json::object()}})));
    CHECK(response.status == 400);
    const std::string message = error_of(response).at("message");
    CHECK(starts_with(message, "Invalid JSON payload received. Unknown name \"" + field +
                                   "\" at 'generation_config.image_config': Cannot find field."));
  }
  // Top-level members have no enclosing location in the upstream's words.
  for (const std::string field : {"generationConfig", "imageConfig"}) {
    INFO(field);
    const HttpResponse response = sim.handle(json_request("POST", generations, body_with({{field, json::object()}})));
    CHECK(response.status == 400);
    const std::string message = error_of(response).at("message");
    CHECK(starts_with(message, "Invalid JSON payload received. Unknown name \"" + field + "\": Cannot find field."));
    CHECK(message.find("generation_config") == std::string::npos);
  }
  // The native path: imageOutputOptions inside imageConfig is what the upstream refuses (research §6).
  const json native_body = {
      {"contents", {{{"parts", {{{"text", "A red apple"}}}}}}},
      {"generationConfig", {{"imageConfig", {{"imageOutputOptions", {{"mimeType", "image/jpeg"}}}}}}}};
  const HttpResponse refused = sim.handle(json_request("POST", native, native_body));
  CHECK(refused.status == 400);
  CHECK(starts_with(error_of(refused).at("message"),
                    "Invalid JSON payload received. Unknown name \"imageOutputOptions\" at "
                    "'generation_config.image_config'"));
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("Bad native bodies get a 400 naming the field", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const std::vector<std::pair<json, std::string>> cases = {
      {json::object(), "contents"},
      {{{"contents", json::array()}}, "contents"},
      {{{"contents", {{{"parts", {{{"text", "x"}}}}}}}, {"generationConfig", {{"imageConfig", {{"imageSize", "1k"}}}}}},
       "generationConfig.imageConfig.imageSize"},
      {{{"contents", {{{"parts", {{{"text", "x"}}}}}}}, {"generationConfig", {{"responseModalities", {"TEXT"}}}}},
       "generationConfig.responseModalities"},
  };
  for (const auto& [body, field] : cases) {
    INFO(body.dump());
    const HttpResponse response = sim.handle(json_request("POST", native, body));
    CHECK(response.status == 400);
    CHECK(error_of(response).at("param") == field);
  }
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("Bodies that are not JSON objects get a 400 and never crash", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  for (const std::string& text : std::vector<std::string>{"", "{", "[]", "42", "null", std::string(100, '[')}) {
    HttpRequest bad = request("POST", generations);
    bad.body = text;
    bad.headers.emplace("Content-Type", "application/json");
    CHECK(sim.handle(bad).status == 400);
  }
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("A missing or unknown key gets the documented 401 body", "[contract][crazyrouter]") {
  Options options = deterministic_options();
  options.api_keys = {"sk-good"};
  ScopedSimulator sim(options);
  const json documented = {{"message", "Invalid API key"}, {"type", "authentication_error"}, {"code", "invalid_api_key"}};
  for (const std::string key : {"", "sk-wrong"}) {
    const HttpResponse response = sim.handle(json_request("POST", generations, body_with({}), key));
    CHECK(response.status == 401);
    CHECK(body_json(response) == json{{"error", documented}});
  }
  CHECK(sim.simulator().jobs().empty());
  CHECK(sim.handle(json_request("POST", generations, body_with({}), "sk-good")).status == 200);
}

TEST_CASE("An unknown model gets new-api's 503 with no channel, and no job", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(json_request("POST", generations, body_with({{"model", "nano-banana-9"}})));
  CHECK(response.status == 503);
  const json error = error_of(response);
  CHECK(error.at("code") == "model_not_found");
  CHECK(starts_with(error.at("message"), "当前分组 default 下对于模型 nano-banana-9 无可用渠道 (request id: "));
  const HttpResponse native_unknown =
      sim.handle(json_request("POST", "/crazyrouter/v1beta/models/gemini-x:generateContent",
                              {{"contents", {{{"parts", {{{"text", "x"}}}}}}}}));
  CHECK(native_unknown.status == 503);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("Unknown routes and methods get new-api's Invalid URL 404", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const HttpResponse unknown = sim.handle(json_request("POST", "/crazyrouter/v1/images/edits", body_with({})));
  CHECK(unknown.status == 404);
  CHECK(error_of(unknown).at("message") == "Invalid URL (POST /v1/images/edits)");
  CHECK(sim.handle(request("GET", generations)).status == 404);
}

TEST_CASE("Every catalog error renders as a valid answer of both operations", "[contract][crazyrouter]") {
  const auto& contract = contracts::get("crazyrouter");
  for (const char* name : {"images_generate", "generate_content"}) {
    const auto& op = contract.operation(name);
    for (const json& kind : op.raw.at("errors")) {
      INFO(name << " " << kind);
      const HttpResponse rendered = contract.render_error(
          kind.get<std::string>(), {{"request_id", "req_1"}, {"message", "m"}, {"field", "f"}, {"model", "x"}});
      CHECK(rendered.status >= 400);
      CHECK(contract.validate_response(op, rendered).empty());
      const json body = body_json(rendered);
      for (const char* member : {"message", "type", "code"}) CHECK(body.at("error").at(member).is_string());
    }
  }
}

TEST_CASE("A job that outlives the relay timeout gets do_request_failed at exactly the timeout",
          "[contract][crazyrouter]") {
  JobFate slow;
  slow.run_time_override = Millis{400'000};
  ScopedSimulator sim(with_fate(slow));
  const HttpResponse response = sim.handle(json_request("POST", generations, body_with({})));
  CHECK(response.status == 500);
  const json error = error_of(response);
  CHECK(error.at("code") == "do_request_failed");
  CHECK(starts_with(error.at("message"), "upstream error: do request failed (request id: "));
  const auto timeout = contracts::get("crazyrouter").operation("images_generate").raw.at("synchronous").at("timeout_ms");
  CHECK(sim.now() == Millis{timeout.get<std::int64_t>()});
  REQUIRE(sim.simulator().jobs().size() == 1);
  CHECK(sim.simulator().jobs().at(0).state == JobState::running);  // the upstream goes on
}

TEST_CASE("Failed jobs answer their failure kind's catalog error", "[contract][crazyrouter]") {
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {"generation_failed", 502, "bad_response_status_code"},
      {"content_blocked", 400, "channel:image_generation_failed"},
      {"internal_error", 500, "internal_error"},
      {"generation_timeout", 500, "do_request_failed"}};
  for (const auto& [kind, status, code] : cases) {
    INFO(kind);
    JobFate fate;
    fate.succeeds = false;
    fate.failure_kind = kind;
    fate.fail_at_fraction = 0.5;
    ScopedSimulator sim(with_fate(fate));
    for (const std::string& path : {generations, native}) {
      const json body = path == generations ? body_with({}) : json{{"contents", {{{"parts", {{{"text", "x"}}}}}}}};
      const HttpResponse response = sim.handle(json_request("POST", path, body));
      CHECK(response.status == status);
      CHECK(error_of(response).at("code") == code);
    }
  }
}

TEST_CASE("With a real clock the request waits outside the lock, so the simulator answers meanwhile",
          "[contract][crazyrouter]") {
  Options options = deterministic_options();
  options.clock = std::make_shared<RealClock>(200.0);  // a job of 4-180 simulated seconds takes 20-900 ms
  ScopedSimulator sim(options);
  std::atomic<bool> answered{false};
  HttpResponse response;
  std::thread waiting([&] {
    response = sim.handle(json_request("POST", generations, body_with({})));
    answered = true;
  });
  bool seen_running = false;  // the job list (which takes the simulator's lock) is readable while the request waits
  while (!answered) {
    const auto jobs = sim.simulator().jobs();
    seen_running = seen_running || (!jobs.empty() && jobs[0].state == JobState::running);
    std::this_thread::yield();
  }
  waiting.join();
  CHECK(seen_running);
  REQUIRE(response.status == 200);
  const auto jobs = sim.simulator().jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].state == JobState::succeeded);
}
