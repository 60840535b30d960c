// One request, every task-style face: the reference client must give the same provider-neutral result whichever of
// odirouter, bananapro, toapis or nanoseries serves it, and each image must have the size its own contract names.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>

#include "nanosim/client/client.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

struct Face {
  std::string provider;
  std::string model;
};

constexpr std::string_view origin = "http://nanosim.local";
constexpr std::string_view prompt = "A lighthouse on a cliff at dusk, wide shot";
constexpr std::string_view ratio = "16:9";

/// The size tier the model renders when none is asked for: its documented default, else the request schema's.
std::string default_tier(const json& model) {
  const json capabilities = model.value("capabilities", json::object());
  if (capabilities.contains("default_size_tier")) return capabilities.at("default_size_tier").get<std::string>();
  const json schema = model.value("request_schema", json::object());
  const json size = schema.value("properties", json::object()).value("image_size", json::object());
  return size.value("default", std::string("1K"));
}

bool is_image_type(std::string_view content_type) {
  return content_type == "image/png" || content_type == "image/jpeg" || content_type == "image/webp";
}

/// Downloads an image URL the simulator returned and decodes it.
std::optional<images::DecodedImage> download(testkit::ScopedSimulator& sim, const std::string& url) {
  REQUIRE(url.rfind(origin, 0) == 0);
  const HttpResponse file = sim.handle(testkit::with_target(testkit::request("GET", ""), url.substr(origin.size())));
  REQUIRE(file.status == 200);
  return images::decode(file.body);
}

}  // namespace

TEST_CASE("The reference client gives the same provider-neutral result for the same request, whichever task-style "
          "provider serves it",
          "[contract][every-face]") {
  const auto face = GENERATE(Face{"odirouter", "nano_banana_2"}, Face{"bananapro", "nano-banana"},
                             Face{"toapis", "nano-banana-2"}, Face{"nanoseries", "NanoBanana2-1K"});
  CAPTURE(face.provider, face.model);

  const json* model = contracts::get(face.provider).model(face.model);
  REQUIRE(model != nullptr);
  const std::string upstream = model->at("upstream").get<std::string>();
  const auto expected = contracts::image_dimensions(upstream, ratio, default_tier(*model));
  REQUIRE(expected.has_value());
  CAPTURE(upstream, expected->first, expected->second);

  testkit::ScopedSimulator sim;
  client::Client client = sim.client(face.provider);
  REQUIRE_FALSE(client.synchronous());
  // The size tier is left empty: nanoseries takes it from the model id and bananapro refuses one.
  const auto request = client::GenerateRequest().with_model(face.model).with_prompt(std::string(prompt)).with_aspect_ratio(std::string(ratio));
  const auto options = client::WaitOptions().with_poll_interval(std::chrono::milliseconds(500)).with_deadline(std::chrono::minutes(10));

  const auto check_result = [&](const client::GenerationResult& result) {
    CHECK_FALSE(result.job_id.empty());
    REQUIRE(result.images.size() == 1);
    const client::ImageOutput& image = result.images.front();
    CHECK(is_image_type(image.content_type));  // from the wire, or from the file's extension where the wire has none
    REQUIRE_FALSE(image.url.empty());
    const auto decoded = download(sim, image.url);
    REQUIRE(decoded.has_value());
    CHECK(std::pair(decoded->width, decoded->height) == *expected);
    if (image.width != 0) CHECK(std::pair(image.width, image.height) == *expected);
  };

  SECTION("generate: one call, a succeeded result") {
    const auto result = client.generate(request, options);
    INFO((result ? std::string("ok") : client::to_string(result.error())));
    REQUIRE(result);
    check_result(*result);
  }

  SECTION("submit, wait, result: the status sequence ends in succeeded") {
    const auto submitted = client.submit(request);
    INFO((submitted ? std::string("ok") : client::to_string(submitted.error())));
    REQUIRE(submitted);
    CHECK_FALSE(submitted->job_id.empty());
    const auto first = client.status(*submitted);
    REQUIRE(first);
    CHECK_FALSE(client::is_terminal(first->state));  // a fresh job never ends at once
    const auto done = client.wait(*submitted, options);
    INFO((done ? std::string("ok") : client::to_string(done.error())));
    REQUIRE(done);
    CHECK(done->state == client::JobState::succeeded);
    const auto again = client.status(*submitted);
    REQUIRE(again);
    CHECK(again->state == client::JobState::succeeded);
    const auto result = client.result(*submitted);
    INFO((result ? std::string("ok") : client::to_string(result.error())));
    REQUIRE(result);
    CHECK(result->job_id == submitted->job_id);
    check_result(*result);
  }
}
