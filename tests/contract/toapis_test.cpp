// ToAPIs (seed 003) against its contract, in process: documented examples, the task lifecycle on the manual
// clock, result expiry, every rule, every documented error (the seed's error table and FAQ), determinism.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string tasks = "/toapis/v1/images/generations";
const std::string chat = "/toapis/v1/chat/completions";
constexpr std::int64_t epoch_seconds = 1767225600;  // deterministic_options(): simulated 0 is 2026-01-01T00:00:00Z

json task_request(std::string prompt = "A glass perfume bottle on wet black stone") {
  return {{"model", "nano-banana-2"}, {"prompt", std::move(prompt)}};
}

HttpResponse get(ScopedSimulator& sim, const std::string& target) { return sim.handle(request("GET", target)); }
json task(ScopedSimulator& sim, const std::string& id) { return body_json(get(sim, tasks + "/" + id)); }
std::size_t job_count(ScopedSimulator& sim) { return sim.simulator().jobs().size(); }

std::string submit(ScopedSimulator& sim, const json& body) {
  const HttpResponse response = sim.handle(json_request("POST", tasks, body));
  REQUIRE(response.status == 200);
  return body_json(response).at("id");
}

/// Advances until the task is completed or failed; returns the final body.
json run_to_end(ScopedSimulator& sim, const std::string& id) {
  json body = task(sim, id);
  for (int step = 0; step < 1000 && body.at("status") != "completed" && body.at("status") != "failed"; ++step) {
    sim.advance(Millis{1'000});
    body = task(sim, id);
  }
  return body;
}

}  // namespace

TEST_CASE("Every request the seed and the docs imply is accepted and answered with a queued task",
          "[contract][toapis]") {
  const json index = fixture_json("toapis/index.json");
  int accepted = 0;
  for (const json& fixture : index.at("fixtures")) {
    if (fixture.at("kind") != "request" || fixture.at("expect") != "accepted") continue;
    DYNAMIC_SECTION(fixture.at("file").get<std::string>()) {
      ScopedSimulator sim;
      const json body = fixture_json("toapis/" + fixture.at("file").get<std::string>());
      const HttpResponse response =
          sim.handle(json_request("POST", "/toapis" + fixture.at("path").get<std::string>(), body, "YOUR_API_KEY"));
      REQUIRE(response.status == 200);
      const json task_body = body_json(response);
      CHECK(task_body.at("id").get<std::string>().rfind("task_img_", 0) == 0);
      CHECK(task_body.at("object") == "generation.task");
      CHECK(task_body.at("model") == body.at("model"));
      CHECK(task_body.at("status") == "queued");
      CHECK(task_body.at("progress") == 0);
      CHECK(task_body.at("created_at") == epoch_seconds);
      CHECK(task_body.at("metadata") == json::object());
      CHECK(job_count(sim) == 1);
    }
    ++accepted;
  }
  CHECK(accepted == 3);
}

TEST_CASE("The docs' submit and status response examples are valid against the contract", "[contract][toapis]") {
  const auto& contract = contracts::get("toapis");
  const json index = fixture_json("toapis/index.json");  // named: a temporary would die before the loop body
  for (const json& fixture : index.at("fixtures")) {
    if (fixture.at("kind") != "response") continue;
    const HttpResponse documented =
        fixture_response("toapis/" + fixture.at("file").get<std::string>(), fixture.at("http_status"));
    INFO(fixture.at("file"));
    CHECK(contract.validate_response(contract.operation(fixture.at("operation").get<std::string>()), documented).empty());
  }
}

TEST_CASE("A task walks queued -> in_progress -> completed as the clock advances, progress never falling",
          "[contract][toapis]") {
  ScopedSimulator sim(one_worker());
  const std::string id = submit(sim, task_request());
  std::vector<std::string> states;
  std::vector<int> progress;
  for (int step = 0; step < 600; ++step) {
    const json body = task(sim, id);
    const std::string state = body.at("status");
    if (states.empty() || states.back() != state) states.push_back(state);
    progress.push_back(body.at("progress"));
    if (state == "completed") break;
    sim.advance(Millis{500});
  }
  CHECK(states == std::vector<std::string>{"queued", "in_progress", "completed"});
  CHECK(std::is_sorted(progress.begin(), progress.end()));
  CHECK(progress.front() == 0);
  CHECK(progress.back() == 100);
  const auto distinct = std::set<int>(progress.begin(), progress.end()).size();
  CHECK(distinct > 3);  // it really moves while in progress
}

TEST_CASE("A completed task carries url, result, completed_at and expires_at, and the url serves the image",
          "[contract][toapis]") {
  ScopedSimulator sim;
  const json docs_request = fixture_json("toapis/docs-submit-request.json");  // 16:9 at 2K
  const json done = run_to_end(sim, submit(sim, docs_request));
  REQUIRE(done.at("status") == "completed");
  CHECK(done.at("progress") == 100);
  CHECK(done.at("completed_at").get<std::int64_t>() >= done.at("created_at").get<std::int64_t>());
  CHECK(done.at("expires_at").get<std::int64_t>() == done.at("completed_at").get<std::int64_t>() + 86'400);
  CHECK(done.at("result").at("type") == "image");
  REQUIRE(done.at("result").at("data").size() == 1);
  CHECK(done.at("result").at("data").at(0).at("url") == done.at("url"));
  CHECK_FALSE(done.contains("error"));

  const HttpResponse file = get(sim, path_of(done.at("url")));
  REQUIRE(file.status == 200);
  const auto decoded = images::decode(file.body);
  REQUIRE(decoded);
  CHECK(decoded->width == 2752);  // research §3: gemini-3.1-flash-image-preview, 16:9 at 2K
  CHECK(decoded->height == 1536);
}

TEST_CASE("Defaults: size 1:1, n 1, resolution 1K, and n and reference images are honoured", "[contract][toapis]") {
  ScopedSimulator sim;
  const json plain = run_to_end(sim, submit(sim, task_request()));
  REQUIRE(plain.at("result").at("data").size() == 1);
  CHECK(plain.at("result").at("data").at(0).at("width") == 1024);
  CHECK(plain.at("result").at("data").at(0).at("height") == 1024);

  json batch = task_request();
  batch["n"] = 2;
  batch["size"] = "9:16";
  batch["image_urls"] = {"https://example.com/a.png", "https://example.com/b.webp"};
  batch["metadata"] = {{"resolution", "4K"}};
  const std::string id = submit(sim, batch);
  const json done = run_to_end(sim, id);
  REQUIRE(done.at("result").at("data").size() == 2);
  CHECK(done.at("result").at("data").at(1).at("width") == 3072);
  CHECK(done.at("result").at("data").at(1).at("height") == 5504);
  CHECK(sim.simulator().job(id)->spec.reference_images.size() == 2);
}

TEST_CASE("After expires_at the result url answers the provider's file_expired error", "[contract][toapis]") {
  ScopedSimulator sim;
  const json done = run_to_end(sim, submit(sim, task_request()));
  const std::string file_path = path_of(done.at("url"));
  sim.advance(Millis{86'400'000 - 1'000});
  CHECK(get(sim, file_path).status == 200);
  sim.advance(Millis{1'000});
  const HttpResponse expired = get(sim, file_path);
  CHECK(expired.status == 404);
  CHECK(body_json(expired).at("error") == json{{"message", "The image URL has expired"},
                                               {"type", "invalid_request_error"}, {"code", "file_expired"}});
  CHECK(task(sim, done.at("id")).at("status") == "completed");  // the task itself is still readable
}

TEST_CASE("A failed task reports status failed with the contract's error object", "[contract][toapis]") {
  Options options = deterministic_options();
  options.fate_policy = [](const JobSpec&, std::uint64_t) {
    JobFate fate;
    fate.succeeds = false;
    fate.failure_kind = std::string(failure::content_blocked);
    return fate;
  };
  ScopedSimulator sim(options);
  const json done = run_to_end(sim, submit(sim, task_request()));
  CHECK(done.at("status") == "failed");
  CHECK(done.at("error").at("code") == "content_policy_violation");
  CHECK_FALSE(done.contains("url"));
}
