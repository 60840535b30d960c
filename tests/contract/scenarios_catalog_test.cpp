// The catalog itself, and the details of a few entries on odirouter (a cancel at the deadline, no retry of a revoked
// key) and of expired result URLs on every provider that returns them. The reference client through every entry on
// every provider: scenarios_every_provider_test.cpp.
#include <catch2/catch.hpp>

#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "nanosim/verify.hpp"

#include "journal_support.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using client::ErrorKind;
using nanosim::contract_test::any_note;
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

TEST_CASE("An expired result URL answers 404 to the download, on every provider that returns URLs",
          "[contract][scenarios]") {
  const std::vector<std::pair<std::string, std::string>> faces{{"odirouter", "nano_banana_2"},
                                                               {"bananapro", "nano-banana"},
                                                               {"toapis", "nano-banana-2"},
                                                               {"nanoseries", "NanoBanana2-1K"},
                                                               {"crazyrouter", "nano-banana-2"}};
  for (const auto& [provider, model] : faces) {
    INFO(provider);
    Options options = deterministic_options();
    options.scenarios.push_back(load_scenario("result-url-expired"));
    ScopedSimulator sim(std::move(options));
    auto client = sim.client(provider);
    auto result = client.generate(client::GenerateRequest().with_model(model).with_prompt("A red apple"));
    REQUIRE(result);
    const std::string url = result->images.at(0).url;
    REQUIRE(url.rfind("http://nanosim.local/", 0) == 0);
    const HttpResponse download = sim.handle(request("GET", path_of(url), ""));
    CHECK(download.status == 404);
    CHECK(download.body.find("expired") != std::string::npos);
  }
}
