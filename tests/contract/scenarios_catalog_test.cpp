// The reference client through every catalog scenario on odirouter, in process with the contract check:
// it retries what is retryable, surfaces a typed error for what is not, and keeps its deadline.
#include <catch2/catch.hpp>

#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "nanosim/verify.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using client::ErrorKind;
using std::chrono::milliseconds;

namespace {

struct Outcome {
  client::Result<client::GenerationResult> result;
  std::vector<JournalEntry> journal;
  Millis elapsed;
};

Outcome run_catalog(const std::string& name, milliseconds deadline = milliseconds{120'000}) {
  Options options = deterministic_options();
  options.scenarios.push_back(load_scenario(name));
  ScopedSimulator sim(std::move(options));
  auto client = sim.client("odirouter");
  const Millis start = sim.now();
  auto result = client.generate(client::GenerateRequest().with_model("nano_banana_2").with_prompt("A red apple"),
                                client::WaitOptions().with_deadline(deadline));
  return Outcome{std::move(result), sim.simulator().journal().entries(), sim.now() - start};
}

bool any_note(const std::vector<JournalEntry>& journal, const std::string& text) {
  for (const auto& entry : journal) {
    for (const auto& note : entry.notes) {
      if (note.find(text) != std::string::npos) return true;
    }
  }
  return false;
}

void check_well_behaved(const Outcome& outcome) {
  CHECK(verify::honoured_retry_after(outcome.journal));
  CHECK(verify::no_duplicate_submits(outcome.journal));
  CHECK(verify::fetched_each_result_once(outcome.journal));
  CHECK(verify::backed_off(outcome.journal));
}

}  // namespace

TEST_CASE("Every catalog entry parses and names its source", "[contract][scenarios]") {
  const auto names = scenario_catalog();
  CHECK(names.size() >= 18);
  for (const auto& name : names) {
    INFO(name);
    const Scenario scenario = load_scenario(name);
    CHECK(scenario.name == name);
    CHECK_FALSE(scenario.document.value("reproduces", "").empty());
    CHECK_FALSE(scenario.document.value("sources", nlohmann::json::array()).empty());
  }
}

TEST_CASE("Retryable scenarios: the client retries and succeeds within its deadline", "[contract][scenarios]") {
  const std::string name = GENERATE(as<std::string>{}, "rate-limited", "model-overloaded", "long-queue",
                                    "connection-reset", "close-mid-body", "upstream-timeout", "flaky-5xx",
                                    "partial-batch", "new-api-429", "slow-responses", "slow-body", "credits-run-out");
  INFO(name);
  const Outcome outcome = run_catalog(name);
  INFO((outcome.result ? std::string("ok") : to_string(outcome.result.error())));
  REQUIRE(outcome.result);
  CHECK(outcome.result->images.size() == 1);
  CHECK(outcome.elapsed <= Millis{120'000});
  check_well_behaved(outcome);
  // The scenario really hit the client (those that need several submits or batches leave odirouter alone).
  const auto covered = verify::coverage(outcome.journal);
  if (name != "credits-run-out" && name != "partial-batch" && name != "new-api-429") {
    CHECK_FALSE(covered.effects.empty());
  }
  CHECK(covered.states.count("succeeded") == 1);
}

TEST_CASE("Scenarios that retrying cannot fix end in a typed error", "[contract][scenarios]") {
  struct Case {
    const char* name;
    ErrorKind kind;
  };
  const Case c = GENERATE(Case{"generation-fails", ErrorKind::generation_failed},
                          Case{"safety-block", ErrorKind::content_blocked}, Case{"job-lost", ErrorKind::not_found},
                          Case{"truncated-json", ErrorKind::protocol}, Case{"malformed-json", ErrorKind::protocol});
  INFO(c.name);
  const Outcome outcome = run_catalog(c.name);
  REQUIRE_FALSE(outcome.result);
  INFO(to_string(outcome.result.error()));
  CHECK(outcome.result.error().kind == c.kind);
  check_well_behaved(outcome);
}

TEST_CASE("A stalled queue ends at the client's deadline with a cancel", "[contract][scenarios]") {
  const Outcome outcome = run_catalog("queue-stalled", milliseconds{30'000});
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().kind == ErrorKind::timed_out);
  CHECK(outcome.elapsed <= Millis{30'000});
  CHECK(verify::cancelled_on_deadline(outcome.journal, Millis{30'000}));
  CHECK(any_note(outcome.journal, "scenario queue-stalled rule stall: fate stalls 600000 ms"));
}

TEST_CASE("A revoked key surfaces as unauthorized, without retries", "[contract][scenarios]") {
  Options options = deterministic_options();
  options.scenarios.push_back(load_scenario("key-revoked"));
  ScopedSimulator sim(std::move(options));
  auto client = sim.client("odirouter");
  auto result = client.generate(client::GenerateRequest().with_model("nano_banana_2").with_prompt("A red apple"),
                                client::WaitOptions().with_poll_interval(milliseconds{1000}));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::unauthorized);
  const auto journal = sim.simulator().journal().entries();
  CHECK(journal.size() == 4);  // submit + two polls, then the refused one
  CHECK(journal.back().status == 401);
}

TEST_CASE("An expired result URL answers 404 to the download", "[contract][scenarios]") {
  Options options = deterministic_options();
  options.scenarios.push_back(load_scenario("result-url-expired"));
  ScopedSimulator sim(std::move(options));
  auto client = sim.client("odirouter");
  auto result = client.generate(client::GenerateRequest().with_model("nano_banana_2").with_prompt("A red apple"));
  REQUIRE(result);
  const std::string url = result->images.at(0).url;
  const HttpResponse download = sim.handle(request("GET", url.substr(std::string("http://nanosim.local").size()), ""));
  CHECK(download.status == 404);
  CHECK(download.body.find("file_expired") != std::string::npos);
}
