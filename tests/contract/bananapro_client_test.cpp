// The reference client's bananapro part against the in-process simulator: generate end to end, and each error the
// simulator answers becomes its typed Error.
#include <catch2/catch.hpp>

#include "bananapro_support.hpp"
#include "nanosim/client/client.hpp"
#include "nanosim/images.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using namespace nanosim::bananapro_test;
using client::ErrorKind;
using client::GenerateRequest;

namespace {

GenerateRequest city() {
  return GenerateRequest().with_model("nano-banana").with_prompt("A futuristic city at night with neon lights").with_aspect_ratio("16:9");
}

}  // namespace

TEST_CASE("The client generates through submit and task polls, and the image is real", "[contract][bananapro][client]") {
  ScopedSimulator sim;
  auto client = sim.client("bananapro");
  CHECK_FALSE(client.synchronous());
  CHECK_FALSE(client.cancellable());
  const auto result = client.generate(city());
  REQUIRE(result);
  REQUIRE(result->images.size() == 1);
  const auto& image = result->images.at(0);
  CHECK(image.content_type == "image/webp");
  CHECK(result->job_id.rfind("task_", 0) == 0);
  const HttpResponse file = sim.handle(request("GET", path_of(image.url)));
  const auto decoded = images::decode(file.body);
  REQUIRE(decoded);
  CHECK(decoded->width == 1344);
  CHECK(decoded->height == 768);
  CHECK(sim.simulator().credits("test-key") == 496);
}

TEST_CASE("The client sends image-to-image with its reference images", "[contract][bananapro][client]") {
  ScopedSimulator sim;
  auto client = sim.client("bananapro");
  const auto job = client.submit(city().with_reference_image("https://example.com/in.png"));
  REQUIRE(job);
  const auto view = sim.simulator().job(job->job_id);
  REQUIRE(view);
  CHECK(view->spec.wire_request.at("type") == "image-to-image");
  CHECK(view->spec.reference_images == std::vector<std::string>{"https://example.com/in.png"});
  const auto status = client.status(*job);
  REQUIRE(status);
  CHECK(status->state == client::JobState::queued);
  const auto early = client.result(*job);
  REQUIRE_FALSE(early);
  CHECK(early.error().kind == ErrorKind::not_ready);
}

TEST_CASE("The client reports insufficient credits, invalid fields, bad keys and unknown tasks as typed errors",
          "[contract][bananapro][client]") {
  Options options = deterministic_options();
  options.credits = {{"poor", 3}};
  ScopedSimulator sim(options);

  const auto poor = sim.client("bananapro", "poor").submit(city());
  REQUIRE_FALSE(poor);
  CHECK(poor.error().kind == ErrorKind::insufficient_credits);
  CHECK(poor.error().http_status == 402);
  CHECK(poor.error().provider_code == "INSUFFICIENT_CREDITS");
  CHECK(poor.error().message == "Insufficient credits: this request costs 4 credits, 3 remaining");
  CHECK_FALSE(poor.error().retryable());

  auto client = sim.client("bananapro");
  const auto two = client.submit(city().with_count(2));
  REQUIRE_FALSE(two);
  CHECK(two.error().kind == ErrorKind::invalid_request);
  CHECK(two.error().field == "num_images");
  CHECK(two.error().rule == "maximum");
  const auto no_model = client.submit(GenerateRequest().with_prompt("x"));
  REQUIRE_FALSE(no_model);
  CHECK(no_model.error().field == "model");

  const auto keyless = sim.client("bananapro", "").submit(city());
  REQUIRE_FALSE(keyless);
  CHECK(keyless.error().kind == ErrorKind::unauthorized);

  client::Submission ghost;
  ghost.job_id = "task_ghost";
  const auto missing = client.status(ghost);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::not_found);
  CHECK(missing.error().message == "Task not found: task_ghost");

  const auto cancel = client.cancel(ghost);
  REQUIRE_FALSE(cancel);
  CHECK(cancel.error().message == "bananapro has no cancel operation");
}

TEST_CASE("The client refuses what bananapro cannot express before sending anything", "[contract][bananapro][client]") {
  ScopedSimulator sim;
  auto client = sim.client("bananapro");
  const auto big = client.submit(city().with_size_tier("2K"));
  REQUIRE_FALSE(big);
  CHECK(big.error().field == "size_tier");
  CHECK(big.error().http_status == 0);
  CHECK(client.submit(city().with_output_format("png")).error().field == "output_format");
  CHECK(client.submit(city().with_text(true)).error().field == "include_text");
  CHECK(sim.simulator().journal().size() == 0);
  CHECK(client.submit(city().with_size_tier("1K")));  // the one size it has
}

TEST_CASE("A failed task reaches the client as generation_failed or content_blocked", "[contract][bananapro][client]") {
  for (const auto& [kind, expected] : {std::pair{failure::generation_failed, ErrorKind::generation_failed},
                                       std::pair{failure::content_blocked, ErrorKind::content_blocked}}) {
    CAPTURE(kind);
    ScopedSimulator sim(with_fate(failing(kind)));
    auto client = sim.client("bananapro");
    const auto result = client.generate(city());
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == expected);
    CHECK(sim.simulator().credits("test-key") == 500);  // refunded
  }
}
