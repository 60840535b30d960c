// End to end: `nanosim scenarios check` on the new trigger and effect forms, and over real sockets a patched answer,
// a hand-made one, the X-Nanosim-Scenario refusal and a scenario nested 100 000 deep posted to the admin API.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "nanosim/client/client.hpp"
#include "e2e_http.hpp"
#include "serve_process.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

using e2e::send;

const json drift = {
    {"name", "drift"},
    {"rules",
     {{{"name", "renamed"},
       {"when", {{"method", "POST"}, {"path", "/queue/"}, {"body", {{"pointer", "/prompt"}, {"matches", "(?i)apple"}}}}},
       {"effect", {{"patch_response", {{"move", {{"/request_id", "/requestId"}}}, {"headers", {{"X-Drift", "{{model}}"}}}}}}}},
      {{"name", "teapot"},
       {"when", {{"header", {{"name", "X-Test"}, {"matches", "^tea$"}}}}},
       {"effect", {{"respond", {{"status", 418}, {"body_json", {{"path", "{{path}}"}, {"test", "{{header.X-Test}}"}}}}}}}}}}};

/// Writes `text` to a fresh file under /tmp and runs `nanosim scenarios check` on it.
e2e::ProgramRun check(const std::string& text) {
  const std::string path = "/tmp/nanosim-scenario-check-" + std::to_string(::getpid()) + ".json";
  { std::ofstream(path) << text; }
  e2e::ProgramRun run = e2e::run_program("scenarios check " + path);
  std::remove(path.c_str());
  return run;
}

}  // namespace

TEST_CASE("scenarios check accepts the new triggers and effects and refuses their broken forms", "[e2e][scenarios]") {
  const e2e::ProgramRun valid = check(drift.dump());
  CHECK(valid.exit_code == 0);
  CHECK(valid.output.find("drift: 2 rule(s), valid") != std::string::npos);

  json bad_pattern = drift;
  bad_pattern["rules"][0]["when"]["path"] = "a(?=b)";
  const e2e::ProgramRun pattern = check(bad_pattern.dump());
  CHECK(pattern.exit_code != 0);
  CHECK(pattern.output.find("rules[0] (renamed).when.path: is not a valid pattern") != std::string::npos);

  json bad_placeholder = drift;
  bad_placeholder["rules"][1]["effect"]["respond"]["body_json"]["test"] = "{{header}}";
  const e2e::ProgramRun placeholder = check(bad_placeholder.dump());
  CHECK(placeholder.exit_code != 0);
  CHECK(placeholder.output.find("rules[1] (teapot).effect.respond.body_json.test: placeholder {{header}}") !=
        std::string::npos);

  const e2e::ProgramRun deep = check("{\"name\":\"x\",\"rules\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}");
  CHECK(deep.exit_code != 0);
  CHECK(deep.output.find("must nest at most 32 levels deep") != std::string::npos);
}

TEST_CASE("serve applies patch_response and respond and refuses an unknown scenario header", "[e2e][scenarios]") {
  e2e::ServeProcess serve({"--clock", "manual", "--provider", "odirouter"});
  const std::string deep = "{\"name\":\"x\",\"rules\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  const HttpResponse refused_deep = send(serve.base_url(), "POST", "/__nanosim/scenarios", deep);
  CHECK(refused_deep.status == 400);
  CHECK(refused_deep.body.find("levels deep") != std::string::npos);
  REQUIRE(send(serve.base_url(), "POST", "/__nanosim/scenarios", drift.dump()).status == 201);

  const HttpResponse patched = send(serve.base_url(), "POST", "/v1/queue/nano_banana_2", R"({"prompt":"An apple"})");
  CHECK(patched.status == 200);
  CHECK(json::parse(patched.body).contains("requestId"));
  CHECK_FALSE(json::parse(patched.body).contains("request_id"));
  CHECK(patched.header("X-Drift") == "nano_banana_2");

  const HttpResponse made = send(serve.base_url(), "GET", "/v1/queue/nano_banana_2/requests/x/status", {}, "YOUR_API_KEY", {{"X-Test", "tea"}});
  CHECK(made.status == 418);
  CHECK(json::parse(made.body) == json{{"path", "/v1/queue/nano_banana_2/requests/x/status"}, {"test", "tea"}});

  const HttpResponse refused = send(serve.base_url(), "POST", "/v1/queue/nano_banana_2", R"({"prompt":"A pear"})",
                                    "YOUR_API_KEY", {{"X-Nanosim-Scenario", "flaky-5x"}});
  CHECK(refused.status == 400);
  const json error = json::parse(refused.body).at("error");
  CHECK(error.at("code") == "unknown_scenario");
  CHECK(error.at("unknown") == json::array({"flaky-5x"}));
  const json jobs = json::parse(send(serve.base_url(), "GET", "/__nanosim/jobs").body);
  REQUIRE(jobs.at("jobs").size() == 1);  // the patched submit's; the refused one created none
  CHECK(jobs.at("jobs").at(0).at("prompt") == "An apple");
}
