// The reference client's crazyrouter part against the simulator: synchronous results, inline images, typed errors.
#include <catch2/catch.hpp>

#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nanosim::client::ErrorKind;
using nanosim::client::GenerateRequest;

namespace {

GenerateRequest apple() {
  return GenerateRequest{}.with_model("nano-banana-2").with_prompt("A red apple").with_aspect_ratio("16:9");
}

}  // namespace

TEST_CASE("The client generates synchronously and the URL serves the documented JPEG", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  auto client = sim.client("crazyrouter");
  CHECK(client.synchronous());
  const auto result = client.generate(apple().with_size_tier("1K").with_output_format("jpeg"));
  REQUIRE(result);
  REQUIRE(result->images.size() == 1);
  const auto& image = result->images[0];
  CHECK(image.content_type == "image/jpeg");
  const HttpResponse file = sim.handle(request("GET", path_of(image.url)));
  const auto decoded = images::decode(file.body);
  REQUIRE(decoded);
  CHECK(decoded->format == images::Format::jpeg);
  CHECK(decoded->width == 1376);
  CHECK(decoded->height == 768);
  CHECK(sim.simulator().jobs().size() == 1);  // one request, no polling
}

TEST_CASE("The client turns b64_json into inline bytes and asks for several images with count",
          "[contract][crazyrouter]") {
  ScopedSimulator sim;
  auto client = sim.client("crazyrouter");
  const auto result = client.generate(apple().with_count(2).with_extra("response_format", "b64_json"));
  REQUIRE(result);
  REQUIRE(result->images.size() == 2);
  for (const auto& image : result->images) {
    CHECK(image.url.empty());
    REQUIRE(image.inline_bytes);
    const auto decoded = images::decode(*image.inline_bytes);
    REQUIRE(decoded);
    CHECK(decoded->format == images::Format::png);
    CHECK(decoded->width == 1376);
    CHECK(decoded->height == 768);
  }
}

TEST_CASE("The client maps crazyrouter's errors to typed errors", "[contract][crazyrouter]") {
  Options options = deterministic_options();
  options.api_keys = {"sk-good"};
  ScopedSimulator sim(options);

  const auto unauthorized = sim.client("crazyrouter", "sk-wrong").generate(apple());
  REQUIRE_FALSE(unauthorized);
  CHECK(unauthorized.error().kind == ErrorKind::unauthorized);
  CHECK(unauthorized.error().http_status == 401);
  CHECK(unauthorized.error().message == "Invalid API key");

  auto client = sim.client("crazyrouter", "sk-good");
  const auto invalid = client.generate(apple().with_size_tier("512"));
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().kind == ErrorKind::invalid_request);
  CHECK(invalid.error().field == "resolution");

  const auto native_field = client.generate(apple().with_extra("imageConfig", {{"aspectRatio", "16:9"}}));
  REQUIRE_FALSE(native_field);
  CHECK(native_field.error().kind == ErrorKind::invalid_request);

  const auto unknown_model = client.submit(apple().with_model("nano-banana-9"));
  REQUIRE_FALSE(unknown_model);
  CHECK(unknown_model.error().kind == ErrorKind::not_found);
  CHECK(unknown_model.error().http_status == 503);

  const auto no_text = client.generate(apple().with_text(true));
  REQUIRE_FALSE(no_text);
  CHECK(no_text.error().field == "include_text");
  CHECK(sim.simulator().jobs().empty());
}
