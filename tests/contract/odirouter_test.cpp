// odirouter (seed 000) against its contract, in process: documented examples, lifecycle, every rule, errors.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string base = "/odirouter/v1/queue/nano_banana_2";

json submit_body(std::string prompt = "A red apple on a white table") { return {{"prompt", std::move(prompt)}}; }

HttpResponse get(ScopedSimulator& sim, const std::string& target) { return sim.handle(request("GET", target)); }

std::size_t job_count(ScopedSimulator& sim) { return sim.simulator().jobs().size(); }

}  // namespace

TEST_CASE("The seed's curl example is accepted and answered with the documented submit body", "[contract][odirouter]") {
  ScopedSimulator sim;
  const json seed_request = fixture_json("odirouter/submit-request.json");
  const HttpResponse response = sim.handle(json_request("POST", base, seed_request, "YOUR_API_KEY"));
  REQUIRE(response.status == 200);
  const json body = body_json(response);
  CHECK(body.at("status") == "IN_QUEUE");
  CHECK(body.at("queue_position") == 0);
  const std::string id = body.at("request_id");
  CHECK(id.rfind("mmsu_", 0) == 0);
  CHECK(body.at("status_url") == "http://nanosim.local" + base + "/requests/" + id + "/status");
  CHECK(body.at("response_url") == "http://nanosim.local" + base + "/requests/" + id + "/response");
  CHECK(body.at("cancel_url") == "http://nanosim.local" + base + "/requests/" + id + "/cancel");
}

TEST_CASE("The seed's submit response example is valid against the contract", "[contract][odirouter]") {
  const auto& contract = contracts::get("odirouter");
  const HttpResponse documented = fixture_response("odirouter/submit-response.json");
  CHECK(contract.validate_response(contract.operation("submit"), documented).empty());
}

TEST_CASE("Three submissions to one worker report queue positions 0, 1, 2 and walk the lifecycle",
          "[contract][odirouter]") {
  ScopedSimulator sim(one_worker());
  std::vector<std::string> status_paths;
  for (int i = 0; i < 3; ++i) {
    const json body = body_json(sim.handle(json_request("POST", base, submit_body("apple " + std::to_string(i)))));
    CHECK(body.at("queue_position") == i);
    status_paths.push_back(path_of(body.at("status_url")));
  }
  for (int i = 0; i < 3; ++i) {
    const HttpResponse status = get(sim, status_paths[i]);
    CHECK(status.status == 202);
    CHECK(body_json(status).at("status") == "IN_QUEUE");
    CHECK(body_json(status).at("queue_position") == i);
  }
  // Walk the clock in small steps: every job must pass IN_QUEUE -> IN_PROGRESS -> COMPLETED, in order.
  std::vector<std::vector<std::string>> seen(3);
  for (int step = 0; step < 2000 && seen[2].size() < 3; ++step) {
    sim.advance(Millis{100});
    for (int i = 0; i < 3; ++i) {
      const json body = body_json(get(sim, status_paths[i]));
      const std::string state = body.at("status");
      if (seen[i].empty() || seen[i].back() != state) seen[i].push_back(state);
    }
  }
  for (int i = 0; i < 3; ++i) {
    INFO("job " << i);
    CHECK(seen[i].back() == "COMPLETED");
    CHECK(std::find(seen[i].begin(), seen[i].end(), "IN_PROGRESS") != seen[i].end());
  }
}

TEST_CASE("Status answers 202 with logs while running and 200 with metrics once completed",
          "[contract][odirouter]") {
  ScopedSimulator sim(one_worker());
  const json submitted = body_json(sim.handle(json_request("POST", base, submit_body())));
  const std::string status_path = path_of(submitted.at("status_url"));
  sim.advance(Millis{300});  // past the queue's dispatch delay
  HttpResponse running = get(sim, status_path + "?logs=1");
  REQUIRE(running.status == 202);
  CHECK(body_json(running).at("status") == "IN_PROGRESS");
  CHECK_FALSE(body_json(running).at("logs").empty());
  CHECK(body_json(get(sim, status_path + "?logs=true")).at("logs").size() ==
        body_json(running).at("logs").size());
  CHECK(body_json(get(sim, status_path)).at("logs").empty());

  sim.advance(Millis{600'000});
  const HttpResponse done = get(sim, status_path + "?logs=1");
  REQUIRE(done.status == 200);
  const json body = body_json(done);
  CHECK(body.at("status") == "COMPLETED");
  CHECK(body.at("metrics").at("inference_time").get<double>() > 0);
  CHECK_FALSE(body.contains("error"));
}

TEST_CASE("The response endpoint answers 202 before the end and the outputs after", "[contract][odirouter]") {
  ScopedSimulator sim;
  json request_body = submit_body();
  request_body["aspect_ratio"] = "16:9";
  request_body["image_size"] = "512";
  const json submitted = body_json(sim.handle(json_request("POST", base, request_body)));
  const std::string response_path = path_of(submitted.at("response_url"));
  const HttpResponse early = get(sim, response_path);
  CHECK(early.status == 202);
  CHECK(body_json(early).at("status") == "IN_QUEUE");

  sim.advance(Millis{600'000});
  const HttpResponse done = get(sim, response_path);
  REQUIRE(done.status == 200);
  const json result = body_json(done);
  REQUIRE(result.at("outputs").size() == 1);
  const json& output = result.at("outputs").at(0);
  CHECK(output.at("content_type") == "image/png");
  CHECK(output.at("width") == 688);  // research §3: gemini-3.1-flash-image-preview, 16:9 at 512
  CHECK(output.at("height") == 384);
  CHECK(result.at("metadata").at("prompt") == request_body.at("prompt"));

  const HttpResponse file = get(sim, path_of(output.at("url")));
  REQUIRE(file.status == 200);
  CHECK(file.content_type() == "image/png");
  const auto decoded = images::decode(file.body);
  REQUIRE(decoded);
  CHECK(decoded->width == 688);
  CHECK(decoded->height == 384);
}

TEST_CASE("Resolution sets the size tier when image_size is absent, 1K by default", "[contract][odirouter]") {
  ScopedSimulator sim;
  const auto dimensions_for = [&](json body) {
    const json submitted = body_json(sim.handle(json_request("POST", base, body)));
    sim.advance(Millis{900'000});
    const json result = body_json(get(sim, path_of(submitted.at("response_url"))));
    return std::pair<int, int>{result.at("outputs").at(0).at("width"), result.at("outputs").at(0).at("height")};
  };
  CHECK(dimensions_for(submit_body()) == std::pair<int, int>{1024, 1024});
  CHECK(dimensions_for({{"prompt", "x"}, {"resolution", "0.5K"}, {"aspect_ratio", "4:3"}}) ==
        std::pair<int, int>{600, 448});
  CHECK(dimensions_for({{"prompt", "x"}, {"resolution", "2K"}, {"aspect_ratio", "21:9"}}) ==
        std::pair<int, int>{3168, 1344});
}

TEST_CASE("Cancel answers 202 for a live job, 400 once completed and 404 for an unknown id", "[contract][odirouter]") {
  ScopedSimulator sim(one_worker());
  const json first = body_json(sim.handle(json_request("POST", base, submit_body("one"))));
  const json second = body_json(sim.handle(json_request("POST", base, submit_body("two"))));

  const HttpResponse cancelled = sim.handle(request("PUT", path_of(second.at("cancel_url"))));
  CHECK(cancelled.status == 202);
  CHECK(body_json(cancelled) == json{{"status", "CANCELLATION_REQUESTED"}});
  const json after = body_json(get(sim, path_of(second.at("status_url"))));
  CHECK(after.at("status") == "COMPLETED");
  CHECK(after.at("error_type") == "CANCELED");
  const HttpResponse again = sim.handle(request("PUT", path_of(second.at("cancel_url"))));
  CHECK(again.status == 400);
  CHECK(body_json(again) == json{{"status", "ALREADY_COMPLETED"}});

  sim.advance(Millis{900'000});
  CHECK(sim.handle(request("PUT", path_of(first.at("cancel_url")))).status == 400);
  const HttpResponse unknown = sim.handle(request("PUT", base + "/requests/mmsu_nope/cancel"));
  CHECK(unknown.status == 404);
  CHECK(body_json(unknown) == json{{"status", "NOT_FOUND"}});
}

TEST_CASE("A request without credentials gets the documented 401 body", "[contract][odirouter]") {
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(json_request("POST", base, submit_body(), ""));
  CHECK(response.status == 401);
  const json body = body_json(response);
  CHECK(body.at("error") ==
        json{{"code", "UNAUTHORIZED"}, {"message", "Authorization Bearer or Key token is required"}});
  CHECK(body.contains("request_id"));
  CHECK(job_count(sim) == 0);
}

TEST_CASE("Both Bearer and Key schemes are accepted, and configured keys reject others", "[contract][odirouter]") {
  Options options = deterministic_options();
  options.api_keys = {"sk-good"};
  ScopedSimulator sim(options);
  HttpRequest with_key = json_request("POST", base, submit_body(), "");
  with_key.headers.emplace("Authorization", "Key sk-good");
  CHECK(sim.handle(with_key).status == 200);
  CHECK(sim.handle(json_request("POST", base, submit_body(), "sk-good")).status == 200);
  CHECK(sim.handle(json_request("POST", base, submit_body(), "sk-bad")).status == 401);
  CHECK(job_count(sim) == 2);
}

TEST_CASE("Unknown apps, paths, methods and request ids get the documented 404/405 bodies", "[contract][odirouter]") {
  ScopedSimulator sim;
  const HttpResponse app = sim.handle(json_request("POST", "/odirouter/v1/queue/no_such_model", submit_body()));
  CHECK(app.status == 404);
  CHECK(body_json(app) == json{{"detail", "App not found: no_such_model"}});
  CHECK(get(sim, "/odirouter/v2/nothing").status == 404);
  CHECK(sim.handle(request("DELETE", base)).status == 405);
  const HttpResponse job = get(sim, base + "/requests/mmsu_missing/status");
  CHECK(job.status == 404);
  CHECK(body_json(job) == json{{"detail", "Request not found"}});
  CHECK(get(sim, base + "/requests/mmsu_missing/status/stream").status == 400);
}

TEST_CASE("Webhooks are refused as documented", "[contract][odirouter]") {
  ScopedSimulator sim;
  const HttpResponse by_query = sim.handle(json_request("POST", base + "?fal_webhook=https://example.com/hook", submit_body()));
  CHECK(by_query.status == 400);
  CHECK(body_json(by_query) == json{{"detail", "webhook not supported"}});
  json body = submit_body();
  body["webhook_url"] = "https://example.com/hook";
  CHECK(sim.handle(json_request("POST", base, body)).status == 400);
  CHECK(job_count(sim) == 0);
}

TEST_CASE("Every rule of seed 000 is enforced with fal's 422 naming the field, and no job is created",
          "[contract][odirouter]") {
  struct Case {
    const char* name;
    json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"missing prompt", json::object(), "prompt"},
      {"empty prompt", {{"prompt", ""}}, "prompt"},
      {"prompt over 2500 characters", {{"prompt", std::string(2501, 'a')}}, "prompt"},
      {"prompt not a string", {{"prompt", 42}}, "prompt"},
      {"four image_urls", {{"prompt", "x"}, {"image_urls", {"https://a/1.png", "https://a/2.png", "https://a/3.png", "https://a/4.png"}}}, "image_urls"},
      {"image_urls not URLs", {{"prompt", "x"}, {"image_urls", {"not a url"}}}, "image_urls[0]"},
      {"unknown aspect ratio", {{"prompt", "x"}, {"aspect_ratio", "7:5"}}, "aspect_ratio"},
      {"unknown image_size", {{"prompt", "x"}, {"image_size", "8K"}}, "image_size"},
      {"lowercase resolution", {{"prompt", "x"}, {"resolution", "1k"}}, "resolution"},
      {"unknown modality", {{"prompt", "x"}, {"response_modalities", {"Audio"}}}, "response_modalities[0]"},
      {"text-only modality", {{"prompt", "x"}, {"response_modalities", {"Text"}}}, "response_modalities"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      ScopedSimulator sim;
      const HttpResponse response = sim.handle(json_request("POST", base, c.body));
      CHECK(response.status == 422);
      const json body = body_json(response);
      CHECK(body.at("error").at("code") == "REQUEST_INVALID");
      const std::string message = body.at("error").at("message");
      CHECK(message.rfind(c.field + ":", 0) == 0);
      CHECK(body.at("detail").at(0).at("loc") == json{"body", c.field});
      CHECK(job_count(sim) == 0);
    }
  }
}

TEST_CASE("Bodies that are not JSON objects are rejected without creating a job", "[contract][odirouter]") {
  ScopedSimulator sim;
  for (const std::string& raw : std::vector<std::string>{"", "{", "[1,2]", "\"text\"", "null", std::string(200, '[') + std::string(200, ']')}) {
    HttpRequest req = json_request("POST", base, json::object());
    req.body = raw;
    const HttpResponse response = sim.handle(req);
    INFO(raw);
    CHECK(response.status == 422);
    CHECK(body_json(response).at("error").at("code") == "REQUEST_INVALID");
  }
  CHECK(job_count(sim) == 0);
}

TEST_CASE("The same seed and the same requests give byte-identical responses", "[contract][odirouter]") {
  const auto run = [] {
    ScopedSimulator sim(one_worker());
    std::vector<std::string> bodies;
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
      const HttpResponse r = sim.handle(json_request("POST", base, submit_body("p" + std::to_string(i))));
      bodies.push_back(r.body);
      ids.push_back(body_json(r).at("request_id"));
    }
    bodies.push_back(sim.handle(json_request("POST", base, json::object())).body);
    for (int step = 0; step < 30; ++step) {
      sim.advance(Millis{1'000});
      for (const auto& id : ids) {
        bodies.push_back(get(sim, base + "/requests/" + id + "/status?logs=1").body);
        bodies.push_back(get(sim, base + "/requests/" + id + "/response").body);
      }
    }
    return bodies;
  };
  CHECK(run() == run());
}

TEST_CASE("A provider served alone also answers at the root", "[contract][odirouter]") {
  Options options = deterministic_options();
  options.providers = {"odirouter"};
  ScopedSimulator sim(options);
  const HttpResponse response = sim.handle(json_request("POST", "/v1/queue/nano_banana_2", submit_body()));
  REQUIRE(response.status == 200);
  CHECK(body_json(response).at("status_url").get<std::string>().rfind("http://nanosim.local/v1/queue/", 0) == 0);
}

TEST_CASE("The automatic contract check ran for every response of this suite", "[contract][testkit]") {
  ScopedSimulator sim;
  const auto before = contract_check_counts();
  (void)sim.handle(json_request("POST", base, submit_body()));
  const auto after = contract_check_counts();
  CHECK(after.checked == before.checked + 1);
  CHECK(after.failed == 0);
}

TEST_CASE("An undocumented field is ignored as fal ignores it, noted in the journal, and refused under strict_fields",
          "[contract][odirouter]") {
  const json body = {{"prompt", "x"}, {"aspectRatio", "16:9"}};
  ScopedSimulator sim;
  const HttpResponse accepted = sim.handle(json_request("POST", base, body));
  CHECK(accepted.status == 200);
  const auto entries = sim.simulator().journal().entries();
  REQUIRE(!entries.empty());
  CHECK(entries.back().notes.at(0) == "unknown field aspectRatio ignored, as odirouter does (contract unknown_fields: ignore)");
  const auto job = sim.simulator().job(body_json(accepted).at("request_id").get<std::string>());
  REQUIRE(job);
  CHECK(job->spec.aspect_ratio == "1:1");  // the camelCase field meant nothing to the provider
  CHECK(!job->spec.wire_request.contains("aspectRatio"));

  Options strict = deterministic_options();
  strict.strict_fields = true;
  ScopedSimulator picky(strict);
  const HttpResponse refused = picky.handle(json_request("POST", base, body));
  CHECK(refused.status == 422);
  CHECK(body_json(refused).at("detail").at(0).at("loc") == json{"body", "aspectRatio"});
  CHECK(body_json(refused).at("detail").at(0).at("type") == "additionalProperties");
  CHECK(job_count(picky) == 0);
}
