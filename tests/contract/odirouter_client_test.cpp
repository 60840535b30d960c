// The reference client's odirouter part against the in-process simulator: a cancelled job reads as cancelled in
// its status and its result, and a failed one as its failure (seed 000; research/providers.md §1-2).
#include <catch2/catch.hpp>

#include "nanosim/client/client.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using client::ErrorKind;
using client::GenerateRequest;

namespace {

GenerateRequest apple() {
  return GenerateRequest().with_model("nano_banana_2").with_prompt(
      "A red apple on a white table, clean studio lighting, simple background.");
}

}  // namespace

TEST_CASE("A job cancelled through the client reads as cancelled in its status and its result",
          "[contract][odirouter][client]") {
  ScopedSimulator sim;
  auto client = sim.client("odirouter");
  REQUIRE(client.cancellable());
  const auto job = client.submit(apple());
  REQUIRE(job);
  const auto cancelled = client.cancel(*job);
  REQUIRE(cancelled);
  CHECK(*cancelled == client::CancelOutcome::requested);

  const auto status = client.status(*job);
  REQUIRE(status);
  CHECK(status->state == client::JobState::cancelled);
  REQUIRE(status->error.has_value());
  CHECK(status->error->kind == ErrorKind::cancelled);
  CHECK(status->error->provider_code == "CANCELED");
  CHECK(status->error->message == "Task was canceled");

  const auto result = client.result(*job);
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::cancelled);
  CHECK(result.error().provider_code == "CANCELED");

  const auto again = client.cancel(*job);
  REQUIRE(again);
  CHECK(*again == client::CancelOutcome::already_completed);
}

TEST_CASE("A job that fails reads as generation_failed in its result, not as cancelled",
          "[contract][odirouter][client]") {
  Options options = deterministic_options();
  options.scenarios.push_back(load_scenario("generation-fails"));
  ScopedSimulator sim(std::move(options));
  auto client = sim.client("odirouter");
  const auto job = client.submit(apple());
  REQUIRE(job);
  const auto finished = client.wait(*job);
  REQUIRE_FALSE(finished);
  CHECK(finished.error().kind == ErrorKind::generation_failed);
  const auto result = client.result(*job);
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::generation_failed);
  CHECK(result.error().provider_code == finished.error().provider_code);
}
