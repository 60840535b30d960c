// gemini: credentials, unknown models, job fates (safety blocks, failures, deadlines) and the reference client.
#include <catch2/catch.hpp>

#include <thread>

#include "gemini_support.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using namespace nanosim::gemini_test;
using nlohmann::json;

TEST_CASE("No key is 403 PERMISSION_DENIED, a refused key is 400 with ErrorInfo API_KEY_INVALID", "[contract][gemini]") {
  Options options = deterministic_options();
  options.api_keys = {"AIza-good"};
  ScopedSimulator sim(options);
  const HttpResponse missing = sim.handle(generate(flash, text_body("x"), ""));
  CHECK(missing.status == 403);
  CHECK(body_json(missing).at("error").at("status") == "PERMISSION_DENIED");

  const HttpResponse refused = sim.handle(generate(flash, text_body("x"), "AIza-bad"));
  CHECK(refused.status == 400);
  CHECK(body_json(refused) ==
        json{{"error",
              {{"code", 400},
               {"message", "API key not valid. Please pass a valid API key."},
               {"status", "INVALID_ARGUMENT"},
               {"details", {{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                             {"reason", "API_KEY_INVALID"},
                             {"domain", "googleapis.com"},
                             {"metadata", {{"service", "generativelanguage.googleapis.com"}}}}}}}}});
  CHECK(sim.simulator().jobs().empty());

  CHECK(sim.handle(generate(flash, text_body("x"), "AIza-good")).status == 200);
  HttpRequest by_query = generate(flash, text_body("x"), "");
  by_query.query.emplace("key", "AIza-good");
  CHECK(sim.handle(by_query).status == 200);
}

TEST_CASE("An unknown model is 404 NOT_FOUND naming it, and so is an unknown route", "[contract][gemini]") {
  ScopedSimulator sim;
  const HttpResponse unknown = sim.handle(generate("gemini-9-ultra", text_body("x")));
  CHECK(unknown.status == 404);
  const json error = body_json(unknown).at("error");
  CHECK(error.at("status") == "NOT_FOUND");
  CHECK(error.at("message").get<std::string>().rfind("models/gemini-9-ultra is not found for API version v1beta", 0) == 0);
  CHECK(sim.handle(request("GET", "/gemini/v1beta/nothing", "")).status == 404);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("A block after the start is a candidate with finishReason IMAGE_SAFETY and no image", "[contract][gemini]") {
  ScopedSimulator sim(with_fate(failing("content_blocked", 0.5)));
  const json body = body_json(sim.handle(generate(flash, text_body("something forbidden"))));
  const json& candidate = body.at("candidates").at(0);
  CHECK(candidate.at("finishReason") == "IMAGE_SAFETY");
  CHECK_FALSE(candidate.contains("content"));
  CHECK_FALSE(body.at("usageMetadata").contains("candidatesTokenCount"));
  CHECK(sim.simulator().jobs().at(0).state == JobState::failed);
}

TEST_CASE("A block before the start is promptFeedback.blockReason with no candidates", "[contract][gemini]") {
  ScopedSimulator sim(with_fate(failing("content_blocked", 0.0)));
  const json body = body_json(sim.handle(generate(pro, text_body("something forbidden"))));
  CHECK(body.at("promptFeedback") == json{{"blockReason", "PROHIBITED_CONTENT"}});
  CHECK_FALSE(body.contains("candidates"));
  CHECK(body.at("modelVersion") == pro);
}

TEST_CASE("Failure kinds map to NO_IMAGE, 500 INTERNAL and 504 DEADLINE_EXCEEDED", "[contract][gemini]") {
  {
    ScopedSimulator sim(with_fate(failing("generation_failed")));
    const json body = body_json(sim.handle(generate(flash, text_body("x"))));
    CHECK(body.at("candidates").at(0).at("finishReason") == "NO_IMAGE");
  }
  {
    ScopedSimulator sim(with_fate(failing("internal_error")));
    const HttpResponse response = sim.handle(generate(flash, text_body("x")));
    CHECK(response.status == 500);
    CHECK(body_json(response).at("error").at("status") == "INTERNAL");
  }
  {
    ScopedSimulator sim(with_fate(failing("generation_timeout")));
    const HttpResponse response = sim.handle(generate(flash, text_body("x")));
    CHECK(response.status == 504);
    CHECK(body_json(response) == json{{"error",
                                       {{"code", 504},
                                        {"message", "Deadline expired before operation could complete."},
                                        {"status", "DEADLINE_EXCEEDED"}}}});
  }
}

TEST_CASE("A job that outlives the contract's deadline answers 504 after exactly that long and is abandoned",
          "[contract][gemini]") {
  JobFate stalled;
  stalled.queue_stall = Millis{700'000};
  ScopedSimulator sim(with_fate(stalled));
  const HttpResponse response = sim.handle(generate(flash, text_body("x")));
  CHECK(response.status == 504);
  CHECK(body_json(response).at("error").at("status") == "DEADLINE_EXCEEDED");
  const Millis deadline{contracts::get("gemini").operation("generate_content").raw.at("synchronous").at("timeout_ms").get<std::int64_t>()};
  CHECK(sim.now() == deadline);
  CHECK(sim.simulator().jobs().at(0).state == JobState::cancelled);
}

TEST_CASE("With one worker a call waits for the jobs ahead of it, moving the clock through them", "[contract][gemini]") {
  Options options = deterministic_options();
  options.workers = 1;
  JobFate slow;
  slow.run_time_override = Millis{5'000};
  options.fate_policy = [slow](const JobSpec&, std::uint64_t) { return slow; };
  ScopedSimulator sim(options);
  CHECK(sim.handle(generate(flash, text_body("one"))).status == 200);
  CHECK(sim.now() == Millis{5'000});
  CHECK(sim.handle(generate(flash, text_body("two"))).status == 200);
  CHECK(sim.now() == Millis{10'000});
}

TEST_CASE("The same seed and requests give byte-identical answers", "[contract][gemini]") {
  const auto run = [] {
    ScopedSimulator sim;
    std::vector<std::string> bodies;
    bodies.push_back(sim.handle(generate(flash, fixture_json("gemini/sdk-request.json"))).body);
    bodies.push_back(sim.handle(generate(pro, text_body("A fox", {"TEXT", "IMAGE"}))).body);
    return bodies;
  };
  CHECK(run() == run());
}

TEST_CASE("The reference client gets the inline image decoded from one synchronous call", "[contract][gemini][client]") {
  ScopedSimulator sim;
  client::Client gemini = sim.client("gemini");
  CHECK(gemini.synchronous());
  const auto result = gemini.generate(client::GenerateRequest()
                                          .with_model(flash)
                                          .with_prompt("A red apple")
                                          .with_reference_image("data:image/png;base64," + tiny_png_base64())
                                          .with_aspect_ratio("9:16")
                                          .with_size_tier("0.5K")
                                          .with_text(true));
  REQUIRE(result);
  REQUIRE(result->images.size() == 1);
  const auto& image = result->images.at(0);
  CHECK(image.content_type == "image/png");
  CHECK(image.width == 384);
  CHECK(image.height == 688);
  REQUIRE(image.inline_bytes);
  const auto decoded = images::decode(*image.inline_bytes);
  REQUIRE(decoded);
  CHECK(decoded->width == 384);
  CHECK(result->text.has_value());
  CHECK(result->job_id == sim.simulator().jobs().at(0).id);
  CHECK(sim.simulator().journal().size() == 1);  // no polling
}

TEST_CASE("The reference client maps Gemini's errors and blocks to typed errors", "[contract][gemini][client]") {
  {
    ScopedSimulator sim;
    const auto bad = sim.client("gemini").generate(
        client::GenerateRequest().with_model(pro).with_prompt("x").with_aspect_ratio("8:1"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == client::ErrorKind::invalid_request);
    CHECK(bad.error().field == "generationConfig.imageConfig.aspectRatio");
    CHECK(bad.error().provider_code == "INVALID_ARGUMENT");
    const auto unknown = sim.client("gemini").generate(client::GenerateRequest().with_model("nope").with_prompt("x"));
    CHECK(unknown.error().kind == client::ErrorKind::not_found);
  }
  {
    Options options = deterministic_options();
    options.api_keys = {"good"};
    ScopedSimulator sim(options);
    const auto refused = sim.client("gemini", "bad").generate(client::GenerateRequest().with_model(flash).with_prompt("x"));
    CHECK(refused.error().kind == client::ErrorKind::unauthorized);
    CHECK(refused.error().provider_code == "API_KEY_INVALID");
  }
  {
    ScopedSimulator sim(with_fate(failing("content_blocked", 0.0)));
    const auto blocked = sim.client("gemini").generate(client::GenerateRequest().with_model(flash).with_prompt("x"));
    CHECK(blocked.error().kind == client::ErrorKind::content_blocked);
    CHECK(blocked.error().provider_code == "PROHIBITED_CONTENT");
  }
  {
    ScopedSimulator sim(with_fate(failing("generation_failed")));
    const auto failed = sim.client("gemini").generate(client::GenerateRequest().with_model(flash).with_prompt("x"));
    CHECK(failed.error().kind == client::ErrorKind::generation_failed);
    CHECK(failed.error().provider_code == "NO_IMAGE");
  }
}

TEST_CASE("On a real clock the call blocks until its job ends, without holding up other requests",
          "[contract][gemini][realclock]") {
  Options options = deterministic_options();
  options.clock = std::make_shared<RealClock>(1000.0);  // the flash model's ~8 s take ~8 ms of wall time
  ScopedSimulator sim(options);
  std::vector<HttpResponse> answers(3);
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    callers.emplace_back([&, i] { answers[i] = sim.handle(generate(flash, text_body("apple " + std::to_string(i)))); });
  }
  for (auto& caller : callers) caller.join();
  for (const HttpResponse& answer : answers) {
    CHECK(answer.status == 200);
  }
  for (const JobView& job : sim.simulator().jobs()) {
    CHECK(job.state == JobState::succeeded);
    CHECK(sim.now() >= *job.finished_at);
  }
}

TEST_CASE("On a real clock a job past the deadline answers 504", "[contract][gemini][realclock]") {
  Options options = with_fate([] {
    JobFate stalled;
    stalled.queue_stall = Millis{3'600'000};
    return stalled;
  }());
  options.clock = std::make_shared<RealClock>(2000.0);  // the 600 s deadline passes in 0.3 s
  ScopedSimulator sim(options);
  const HttpResponse response = sim.handle(generate(flash, text_body("x")));
  CHECK(response.status == 504);
  CHECK(sim.now() >= Millis{600'000});
  CHECK(sim.simulator().jobs().at(0).state == JobState::cancelled);
}
