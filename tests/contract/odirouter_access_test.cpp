// odirouter (seed 000): inference time actually spent, models a key may use, requests scoped to their key, and
// the result's retention.
#include <catch2/catch.hpp>

#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string base = "/odirouter/v1/queue/nano_banana_2";
const json submit_body = {{"prompt", "A red apple on a white table"}};

/// One worker, and every job gets `fate`.
Options one_worker_with(JobFate fate) { return with_fate(fate, one_worker()); }

JobFate runs_for(Millis run_time) {
  JobFate fate;
  fate.run_time_override = run_time;
  return fate;
}

std::string submit(ScopedSimulator& sim, const std::string& key = "test-key") {
  const HttpResponse response = sim.handle(json_request("POST", base, submit_body, key));
  REQUIRE(response.status == 200);
  return body_json(response).at("request_id").get<std::string>();
}

std::string path(const std::string& id, const std::string& action) { return base + "/requests/" + id + "/" + action; }

/// Advances the clock in 10 ms steps until the job has started, and returns its start.
Millis until_started(ScopedSimulator& sim, const std::string& id) {
  for (int step = 0; step < 100'000; ++step) {
    const auto job = sim.simulator().job(id);
    REQUIRE(job);
    if (job->started_at) return *job->started_at;
    sim.advance(Millis{10});
  }
  FAIL("the job never started");
  return Millis{0};
}

json status_of(ScopedSimulator& sim, const std::string& id, const std::string& key = "test-key") {
  return body_json(sim.handle(request("GET", path(id, "status"), key)));
}

}  // namespace

TEST_CASE("A completed request reports as inference_time the seconds it ran", "[contract][odirouter]") {
  ScopedSimulator sim(one_worker_with(runs_for(Millis{7330})));
  const std::string id = submit(sim);
  until_started(sim, id);
  sim.advance(Millis{20'000});
  const json status = status_of(sim, id);
  REQUIRE(status.at("status") == "COMPLETED");
  CHECK(status.at("metrics").at("inference_time").get<double>() == Approx(7.33));
}

TEST_CASE("A request that fails half-way reports the seconds spent before the failure, not its planned run time",
          "[contract][odirouter]") {
  JobFate fate = runs_for(Millis{8000});
  fate.succeeds = false;
  fate.failure_kind = std::string(failure::generation_failed);
  fate.fail_at_fraction = 0.5;
  ScopedSimulator sim(one_worker_with(fate));
  const std::string id = submit(sim);
  const Millis started = until_started(sim, id);
  sim.advance(Millis{20'000});
  const json status = status_of(sim, id);
  REQUIRE(status.at("status") == "COMPLETED");
  CHECK(status.at("error_type") == "INFERENCE_FAILURE");
  const auto job = sim.simulator().job(id);
  REQUIRE(job->finished_at);
  CHECK((*job->finished_at - started).count() == 4000);
  CHECK(status.at("metrics").at("inference_time").get<double>() == Approx(4.0));
}

TEST_CASE("A request cancelled while running reports the seconds it ran before the cancellation",
          "[contract][odirouter]") {
  ScopedSimulator sim(one_worker_with(runs_for(Millis{9000})));
  const std::string id = submit(sim);
  const Millis started = until_started(sim, id);
  sim.advance(Millis{1000});
  REQUIRE(sim.handle(request("PUT", path(id, "cancel"))).status == 202);
  sim.advance(Millis{100});
  const json status = status_of(sim, id);
  REQUIRE(status.at("error_type") == "CANCELED");
  const auto job = sim.simulator().job(id);
  REQUIRE(job->finished_at);
  const double spent_s = static_cast<double>((*job->finished_at - started).count()) / 1000.0;
  CHECK(spent_s < 2.0);
  CHECK(status.at("metrics").at("inference_time").get<double>() == Approx(spent_s).margin(0.005));
}

TEST_CASE("A request cancelled while still queued reports no metrics, having never run", "[contract][odirouter]") {
  ScopedSimulator sim(one_worker_with(runs_for(Millis{9000})));
  submit(sim);  // takes the only worker
  const std::string queued = submit(sim);
  REQUIRE(status_of(sim, queued).at("status") == "IN_QUEUE");
  REQUIRE(sim.handle(request("PUT", path(queued, "cancel"))).status == 202);
  const json status = status_of(sim, queued);
  CHECK(status.at("status") == "COMPLETED");
  CHECK(status.at("error_type") == "CANCELED");
  CHECK_FALSE(status.contains("metrics"));
}

TEST_CASE("A key limited to other models is refused 403 Model not allowed, without a job", "[contract][odirouter]") {
  Options options = deterministic_options();
  options.models_per_key = {{"limited", {"some_other_model"}}, {"allowed", {"nano_banana_2"}}};
  ScopedSimulator sim(options);
  const HttpResponse refused = sim.handle(json_request("POST", base, submit_body, "limited"));
  CHECK(refused.status == 403);
  CHECK(body_json(refused) == json{{"detail", "Model not allowed for this user"}});
  CHECK(sim.simulator().jobs().empty());

  const std::string id = submit(sim, "allowed");
  CHECK(sim.handle(request("GET", path(id, "status"), "limited")).status == 403);
  CHECK(sim.handle(request("PUT", path(id, "cancel"), "limited")).status == 403);
  CHECK(sim.simulator().job(id)->state != JobState::cancelled);
  CHECK(submit(sim, "unlisted-key").rfind("mmsu_", 0) == 0);
}

TEST_CASE("Another key is told a request does not exist, on status, response and cancel", "[contract][odirouter]") {
  ScopedSimulator sim(one_worker_with(runs_for(Millis{5000})));
  const std::string id = submit(sim, "owner");
  for (const char* action : {"status", "response"}) {
    const HttpResponse other = sim.handle(request("GET", path(id, action), "intruder"));
    CHECK(other.status == 404);
    CHECK(body_json(other) == json{{"detail", "Request not found"}});
  }
  const HttpResponse cancel = sim.handle(request("PUT", path(id, "cancel"), "intruder"));
  CHECK(cancel.status == 404);
  CHECK(body_json(cancel) == json{{"status", "NOT_FOUND"}});
  CHECK(sim.simulator().job(id)->state != JobState::cancelled);

  sim.advance(Millis{30'000});
  CHECK(status_of(sim, id, "owner").at("status") == "COMPLETED");
  CHECK(sim.handle(request("GET", path(id, "response"), "owner")).status == 200);
}

TEST_CASE("The response is served until the result retention ends and is not found from then on",
          "[contract][odirouter]") {
  ScopedSimulator sim(one_worker_with(runs_for(Millis{5000})));
  const std::string id = submit(sim);
  sim.advance(Millis{30'000});
  const auto job = sim.simulator().job(id);
  REQUIRE(job->finished_at);
  const Millis expires = *job->finished_at + Millis{3'600'000};
  REQUIRE(job->files_expire_at);
  CHECK(*job->files_expire_at == expires);
  sim.advance(expires - Millis{1} - sim.now());
  const HttpResponse before = sim.handle(request("GET", path(id, "response")));
  CHECK(before.status == 200);
  CHECK(body_json(before).at("outputs").size() == 1);
  sim.advance(Millis{1});
  const HttpResponse after = sim.handle(request("GET", path(id, "response")));
  CHECK(after.status == 404);
  CHECK(body_json(after) == json{{"detail", "Request not found"}});
}
