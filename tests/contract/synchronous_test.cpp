// The one synchronous mechanism (ProviderContext::run_synchronously), on every face that has it: the job goes
// through the provider's queue like a task (jobs, journal), a manual clock is advanced to the job's end (queue
// wait included) without sleeping, a job whose end lies past the contract's limit answers the face's timeout
// error at exactly the limit, and on a real clock the call blocks with the simulator's lock released.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string nano_tasks = "/nanoseries/v1/images/tasks";
const std::string nano_generations = "/nanoseries/v1/images/generations";
const std::string nano_gemini = "/nanoseries/v1beta/models/NanoBanana:generateContent";

json text_contents(const std::string& prompt) {
  return {{"contents", {{{"role", "user"}, {"parts", {{{"text", prompt}}}}}}}};
}

/// Jobs whose prompt is "slow" run for `run_ms`; every other job as drawn.
Options one_worker_with_slow(std::int64_t run_ms) {
  Options options = deterministic_options();
  options.workers = 1;
  options.fate_policy = [run_ms](const JobSpec& spec, std::uint64_t) {
    JobFate fate;
    if (spec.prompt == "slow") fate.run_time_override = Millis{run_ms};
    return fate;
  };
  return options;
}

Millis limit_of(const std::string& provider, const std::string& operation) {
  return Millis{
      contracts::get(provider).operation(operation).raw.at("synchronous").at("timeout_ms").get<std::int64_t>()};
}

}  // namespace

TEST_CASE("Every synchronous face runs a queued job to its end, moving the manual clock there, and journals it",
          "[contract][synchronous]") {
  struct Face {
    std::string path;
    json body;
  };
  const std::vector<Face> faces = {
      {"/gemini/v1beta/models/gemini-2.5-flash-image:generateContent?key=test-key", text_contents("An apple")},
      {"/crazyrouter/v1/images/generations", {{"model", "nano-banana-2"}, {"prompt", "An apple"}}},
      {"/crazyrouter/v1beta/models/nano-banana-2:generateContent", text_contents("An apple")},
      {nano_generations, {{"model", "NanoBanana"}, {"prompt", "An apple"}}},
      {nano_gemini, text_contents("An apple")}};
  for (const Face& face : faces) {
    INFO(face.path);
    ScopedSimulator sim;
    REQUIRE(sim.handle(json_request("POST", face.path, face.body)).status == 200);
    const auto jobs = sim.simulator().jobs();
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].state == JobState::succeeded);
    CHECK(*jobs[0].finished_at > Millis{0});
    CHECK(sim.now() == *jobs[0].finished_at);
    CHECK(*jobs[0].finished_at == *jobs[0].started_at + jobs[0].run_time);
    CHECK(sim.simulator().journal().entries(0, 10).back().job_id == jobs[0].id);
  }
}

TEST_CASE("A call whose job would end past the limit answers the face's timeout error at exactly the limit",
          "[contract][synchronous][nanoseries]") {
  struct Face {
    std::string path;
    json body;
    std::string operation;
    int status;
    std::string text;
  };
  const std::vector<Face> faces = {
      {nano_generations, {{"model", "NanoBanana"}, {"prompt", "fast"}}, "generate_image", 500, "do_request_failed"},
      {nano_gemini, text_contents("fast"), "gemini_generate", 504, "DEADLINE_EXCEEDED"}};
  for (const Face& face : faces) {
    INFO(face.path);
    const Millis limit = limit_of("nanoseries", face.operation);
    // The task ahead ends 1 s before the limit: the call's own run would end after it, queue wait included.
    ScopedSimulator sim(one_worker_with_slow(limit.count() - 1'000));
    REQUIRE(sim.handle(json_request("POST", nano_tasks, {{"model", "NanoBanana"}, {"prompt", "slow"}})).status == 200);
    const HttpResponse response = sim.handle(json_request("POST", face.path, face.body));
    CHECK(response.status == face.status);
    CHECK(response.body.find(face.text) != std::string::npos);
    CHECK(sim.now() == limit);
    const JobView call_job = sim.simulator().jobs().at(1);
    CHECK(call_job.state == JobState::running);  // on_timeout continue: the upstream goes on
    sim.advance(Millis{600'000});
    CHECK(sim.simulator().job(call_job.id)->state == JobState::succeeded);
  }
}

TEST_CASE("A client that says it hangs up sooner than the limit is cut off then, and the job meets on_timeout",
          "[contract][synchronous]") {
  struct Face {
    std::string path;
    json body;
    std::string header;
    std::string seconds;
    std::string named;  // as the journal names it
    Millis after;
    JobState job_state;  // gemini cancels a call it stops waiting for; the gateways' upstreams go on
  };
  const std::vector<Face> faces = {
      {"/gemini/v1beta/models/gemini-2.5-flash-image:generateContent?key=test-key", text_contents("slow"),
       "X-Server-Timeout", "30", "X-Server-Timeout", Millis{30'000}, JobState::cancelled},
      {"/crazyrouter/v1/images/generations", {{"model", "nano-banana-2"}, {"prompt", "slow"}}, "X-Stainless-Timeout",
       "12.5", "X-Stainless-Timeout", Millis{12'500}, JobState::running},
      {nano_gemini, text_contents("slow"), "x-server-timeout", "0.25", "X-Server-Timeout", Millis{250}, JobState::running}};
  for (const Face& face : faces) {
    INFO(face.path << " " << face.header << ": " << face.seconds);
    ScopedSimulator sim(one_worker_with_slow(200'000));
    HttpRequest call = json_request("POST", face.path, face.body);
    call.headers.emplace(face.header, face.seconds);
    const HttpResponse response = sim.handle(call);
    CHECK(response.status == 499);
    CHECK(response.fault == ConnectionFault::reset_before_response);
    CHECK(sim.now() == face.after);
    const JournalEntry entry = sim.simulator().journal().entries().back();
    CHECK(entry.status == 499);
    CHECK(entry.fault == "client_timeout");
    REQUIRE(entry.notes.size() == 1);
    CHECK(entry.notes[0].rfind("the client hung up at its " + face.named + " of " + std::to_string(face.after.count()), 0) == 0);
    CHECK(sim.simulator().jobs().at(0).state == face.job_state);
  }
}

TEST_CASE("A client timeout that is unreadable or longer than the limit leaves the provider's own limit in force",
          "[contract][synchronous]") {
  const std::string value = GENERATE(as<std::string>{}, "soon", "-5", "0", "", "30s", "1e9", "900");
  INFO("X-Server-Timeout: " << value);
  ScopedSimulator sim(one_worker_with_slow(700'000));
  HttpRequest call = json_request("POST", nano_gemini, text_contents("slow"));
  call.headers.emplace("X-Server-Timeout", value);
  const HttpResponse response = sim.handle(call);
  CHECK(response.status == 504);
  CHECK(response.body.find("DEADLINE_EXCEEDED") != std::string::npos);
  CHECK(sim.now() == limit_of("nanoseries", "gemini_generate"));
}

TEST_CASE("On a real clock a Nano series synchronous call blocks with the simulator's lock released",
          "[contract][synchronous][nanoseries][realclock]") {
  Options options = deterministic_options();
  options.clock = std::make_shared<RealClock>(200.0);  // the 1.5-120 simulated seconds take 8-600 ms
  ScopedSimulator sim(options);
  std::atomic<bool> answered{false};
  HttpResponse response;
  std::thread waiting([&] {
    response = sim.handle(json_request("POST", nano_generations, {{"model", "NanoBanana"}, {"prompt", "An apple"}}));
    answered = true;
  });
  bool seen_unfinished = false;  // the job list takes the simulator's lock: readable while the call waits
  while (!answered) {
    const auto jobs = sim.simulator().jobs();
    seen_unfinished = seen_unfinished || (!jobs.empty() && !is_terminal(jobs[0].state));
    std::this_thread::yield();
  }
  waiting.join();
  CHECK(seen_unfinished);
  REQUIRE(response.status == 200);
  CHECK(sim.simulator().jobs().at(0).state == JobState::succeeded);
}

TEST_CASE("crazyrouter's native path takes 14 images and refuses 15 with the upstream's error, creating no job",
          "[contract][crazyrouter]") {
  const std::string png = images::base64_encode(images::render({16, 16, images::Format::png, 90, 3}));
  const auto body_with = [&](int count) {
    json parts = json::array({{{"text", "Blend these"}}});
    for (int i = 0; i < count; ++i) {
      if (i % 2 == 0)
        parts.push_back({{"inlineData", {{"mimeType", "image/png"}, {"data", png}}}});
      else
        parts.push_back(
            {{"fileData",
              {{"mimeType", "image/png"}, {"fileUri", "https://example.com/" + std::to_string(i) + ".png"}}}});
    }
    return json{{"contents", {{{"role", "user"}, {"parts", parts}}}}};
  };
  const std::string native = "/crazyrouter/v1beta/models/nano-banana-2:generateContent";
  ScopedSimulator sim;
  REQUIRE(contracts::get("crazyrouter").model("nano-banana-2")->at("capabilities").at("max_reference_images") == 14);
  CHECK(sim.handle(json_request("POST", native, body_with(14))).status == 200);
  CHECK(sim.simulator().jobs().size() == 1);
  const HttpResponse refused = sim.handle(json_request("POST", native, body_with(15)));
  CHECK(refused.status == 400);
  CHECK(body_json(refused).at("error").at("code") == "INVALID_ARGUMENT");
  CHECK(body_json(refused).at("error").at("message").get<std::string>().rfind(
            "contents: must carry at most 14 images for nano-banana-2 (got 15) (request id: ", 0) == 0);
  CHECK(sim.simulator().jobs().size() == 1);
}
