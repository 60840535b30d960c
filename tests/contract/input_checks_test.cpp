// What enters the process is checked before anything acts on it: JSON is size- and depth-checked before any
// recursive code sees it (nanosim/json_limits.hpp), inline reference images are decoded as real images before any
// charge, a key holding control characters is an invalid key, and the clock refuses a move that would overflow.
// Every refusal names the field and changes no state.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "nanosim/images.hpp"
#include "nanosim/json_limits.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

/// A real 2x2 PNG, base64 (the same bytes as fixtures/gemini/sdk-request.json).
const std::string png_base64 = images::base64_encode(images::render({2, 2, images::Format::png, 90, 1}));
/// Base64 that decodes fine, to bytes that are no image.
const std::string not_an_image = images::base64_encode("this is text, not an image");

HttpRequest raw_request(std::string method, std::string path, std::string body) {
  HttpRequest request = testkit::request(std::move(method), std::move(path), "");
  request.body = std::move(body);
  request.headers.emplace("Content-Type", "application/json");
  return request;
}

json bananapro_edit(const std::string& reference) {
  return {{"model", "nano-banana"}, {"type", "image-to-image"}, {"prompt", "edit it"}, {"image_urls", {"https://example.com/a.png", reference}}};
}

}  // namespace

TEST_CASE("The JSON gate counts nesting outside strings and is not fooled by stray closing brackets", "[contract][input]") {
  CHECK(json_nesting_within(nested(64), 64));
  CHECK_FALSE(json_nesting_within(nested(65), 64));
  CHECK(json_nesting_within("{\"a\": \"[[[[[[[[[[\\\"[[[[[[\"}", 2));
  CHECK_FALSE(json_nesting_within("]]]]]]]]" + nested(5), 4));
  const BoundedJson deep = parse_bounded_json(nested(100'000), JsonLimits{});
  REQUIRE(deep.refusal);
  CHECK(deep.refusal->rule == "maxDepth");
  CHECK(deep.refusal->message == "body: must nest at most 64 levels deep");
  const BoundedJson big = parse_bounded_json(std::string(2000, ' ') + "{}", JsonLimits{1000, 64}, "scenario");
  REQUIRE(big.refusal);
  CHECK(big.refusal->message == "scenario: must be at most 1000 bytes");
  CHECK(parse_bounded_json("{\"a\": [1, {\"b\": 2}]}", JsonLimits{}).value.at("a").at(1).at("b") == 2);
}

TEST_CASE("A scenario document nested 100000 deep is refused by the admin API before any schema walk, and nothing is installed",
          "[contract][input]") {
  ScopedSimulator sim;
  const std::string deep = "{\"name\": \"deep\", \"rules\": " + nested(100'000) + "}";
  const HttpResponse response = sim.handle(raw_request("POST", "/__nanosim/scenarios", deep));
  CHECK(response.status == 400);
  CHECK(body_json(response).at("error").at("code") == "invalid_scenario");
  CHECK(body_json(response).at("error").at("message") == "scenario: must nest at most " + std::to_string(nanosim::max_scenario_depth) + " levels deep");
  CHECK(sim.simulator().scenarios().empty());
}

TEST_CASE("Admin bodies nested too deep are refused naming the depth rule, and change nothing", "[contract][input]") {
  ScopedSimulator sim;
  const HttpResponse clock = sim.handle(raw_request("POST", "/__nanosim/clock/advance", "{\"ms\": " + nested(5000) + "}"));
  CHECK(clock.status == 400);
  CHECK(body_json(clock).at("error").at("message") == "body: must nest at most 64 levels deep");
  CHECK(sim.now() == Millis{0});
  const HttpResponse credits = sim.handle(raw_request("PUT", "/__nanosim/credits/k", "{\"balance\": " + nested(5000) + "}"));
  CHECK(credits.status == 400);
  CHECK(body_json(credits).at("error").at("message") == "body: must nest at most 64 levels deep");
  CHECK(sim.simulator().credits("k") == 500);
}

TEST_CASE("A provider body nested too deep is refused with the provider's error naming the depth rule, even under a scenario",
          "[contract][input]") {
  ScopedSimulator sim;
  REQUIRE(sim.handle(raw_request("POST", "/__nanosim/scenarios", R"({"name": "rate-limited"})")).status == 201);
  HttpRequest request = raw_request("POST", "/bananapro/api/v1/images/generate", "{\"prompt\": " + nested(100'000) + "}");
  request.headers.emplace("Authorization", "Bearer k");
  const HttpResponse response = sim.handle(request);
  CHECK(response.status == 422);
  CHECK(body_json(response).at("error").at("details").at("rule") == "maxDepth");
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("bananapro refuses a data: URI or raw base64 that is no image before charging, naming the field and index",
          "[contract][input][bananapro]") {
  for (const std::string& reference : std::vector<std::string>{"data:image/png;base64," + not_an_image,
                                                                "data:image/png;base64,@@not base64@@", not_an_image}) {
    CAPTURE(reference);
    ScopedSimulator sim;
    const HttpResponse response = sim.handle(json_request("POST", "/bananapro/api/v1/images/generate", bananapro_edit(reference), "k"));
    CHECK(response.status == 422);
    const json error = body_json(response).at("error");
    CHECK(error.at("code") == "VALIDATION_ERROR");
    CHECK(error.at("details").at("field") == "image_urls[1]");
    CHECK(error.at("details").at("rule") == "image");
    CHECK(error.at("message").get<std::string>().rfind("image_urls[1]: the ", 0) == 0);
    CHECK(sim.simulator().credits("k") == 500);
    CHECK(sim.simulator().jobs().empty());
    CHECK(sim.simulator().usage("k").empty());
  }
}

TEST_CASE("bananapro takes a real image as a data: URI or raw base64, and charges for it", "[contract][input][bananapro]") {
  for (const std::string& reference : std::vector<std::string>{"data:image/png;base64," + png_base64, png_base64}) {
    ScopedSimulator sim;
    const HttpResponse response = sim.handle(json_request("POST", "/bananapro/api/v1/images/generate", bananapro_edit(reference), "k"));
    INFO(response.body);
    CHECK(response.status == 200);
    CHECK(sim.simulator().credits("k") == 496);
  }
}

TEST_CASE("odirouter refuses a data: URI that is no image with fal's image_load_error naming the field and index",
          "[contract][input][odirouter]") {
  ScopedSimulator sim;
  const json body = {{"prompt", "edit it"}, {"image_urls", {"data:image/png;base64," + png_base64, "data:image/webp;base64," + not_an_image}}};
  const HttpResponse response = sim.handle(json_request("POST", "/odirouter/v1/queue/nano_banana_2", body));
  CHECK(response.status == 422);
  const json detail = body_json(response).at("detail").at(0);
  CHECK(detail.at("type") == "image_load_error");
  CHECK(detail.at("loc") == json{"body", "image_urls[1]"});
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("The gateways that take data: URIs refuse one that is no image, naming the field", "[contract][input]") {
  ScopedSimulator sim;
  const std::string bad = "data:image/png;base64," + not_an_image;
  json crazyrouter = fixture_json("crazyrouter/generate-reference-edit-request.json");
  crazyrouter["image_input"] = {bad};
  const HttpResponse refused = sim.handle(json_request("POST", "/crazyrouter/v1/images/generations", crazyrouter));
  CHECK(refused.status == 400);
  CHECK(body_json(refused).at("error").at("param") == "image_input[0]");
  json nanoseries = fixture_json("nanoseries/image2image-request.json");
  nanoseries["image"] = bad;
  const HttpResponse task = sim.handle(json_request("POST", "/nanoseries/v1/images/tasks", nanoseries));
  CHECK(task.status == 400);
  CHECK(body_json(task).at("message").get<std::string>().rfind("image: the data: URI ", 0) == 0);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("An API key holding a NUL or another control character is refused as an invalid key", "[contract][input]") {
  ScopedSimulator sim;
  const json body = {{"contents", {{{"parts", {{{"text", "A lighthouse"}}}}}}}};
  for (const std::string query : {"key=%00", "key=abc%0Adef", "key=%7F"}) {
    CAPTURE(query);
    HttpRequest request = json_request("POST", "", body, "");
    request = with_target(request, "/gemini/v1beta/models/gemini-3.1-flash-image-preview:generateContent?" + query);
    const HttpResponse response = sim.handle(request);
    CHECK(response.status == 400);
    CHECK(response.body.find("API_KEY_INVALID") != std::string::npos);
  }
  const HttpResponse bearer = sim.handle(json_request("POST", "/bananapro/api/v1/images/generate",
                                                      {{"model", "nano-banana"}, {"prompt", "x"}}, std::string("sk-\x01", 4)));
  CHECK(bearer.status == 401);
  CHECK(body_json(bearer).at("error").at("message") == "Invalid API key");
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("Advancing the clock by 2^63-1 or anything that would overflow is refused naming ms, the clock unchanged",
          "[contract][input]") {
  ScopedSimulator sim;
  REQUIRE(sim.handle(raw_request("POST", "/__nanosim/clock/advance", R"({"ms": 1000})")).status == 200);
  for (const std::string& ms : std::vector<std::string>{std::to_string(std::numeric_limits<std::int64_t>::max()),
                                std::to_string(std::numeric_limits<std::uint64_t>::max()),
                                std::to_string(std::numeric_limits<std::int64_t>::max() - 500), std::string("-1"),
                                std::string("1.5")}) {
    CAPTURE(ms);
    const HttpResponse response = sim.handle(raw_request("POST", "/__nanosim/clock/advance", "{\"ms\": " + ms + "}"));
    CHECK(response.status == 400);
    CHECK(body_json(response).at("error").at("message").get<std::string>().rfind("ms: ", 0) == 0);
    CHECK(sim.now() == Millis{1000});
  }
  // The last moment a timestamp can show (9999-12-31T23:59:59.999Z) is still reachable, and not one past it.
  const std::int64_t room = 253'402'300'799'999 - sim.simulator().options().epoch_unix_ms - 1000;
  CHECK(sim.handle(raw_request("POST", "/__nanosim/clock/advance", "{\"ms\": " + std::to_string(room + 1) + "}")).status == 400);
  CHECK(sim.handle(raw_request("POST", "/__nanosim/clock/advance", "{\"ms\": " + std::to_string(room) + "}")).status == 200);
  CHECK(body_json(sim.handle(raw_request("GET", "/__nanosim/clock", ""))).at("now_ms") == room + 1000);
}

TEST_CASE("A manual clock throws rather than overflow", "[contract][input]") {
  ManualClock clock(Millis{std::numeric_limits<std::int64_t>::max() - 10});
  CHECK_THROWS_AS(clock.advance(Millis{11}), std::overflow_error);
  CHECK(clock.now() == Millis{std::numeric_limits<std::int64_t>::max() - 10});
  CHECK(clock.advance(Millis{10}));
}

TEST_CASE("An inline image announcing more than 64 megapixels in a few bytes is refused from its header, before decoding",
          "[contract][input][bananapro]") {
  // 2624 bytes of lossless WebP that decode to 8200 x 8200 (67 MP, 200 MB of pixels, seconds under the simulator's
  // lock): kept among the inline_image fuzz target's regressions, which must each run within its time limit.
  std::ifstream in(std::string(NANOSIM_FIXTURES_DIR) + "/../tests/fuzz/regressions/inline_image/webp-lossless-8200x8200-in-2624-bytes",
                   std::ios::binary);
  const std::string webp((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(webp.size() == 2624);
  const auto header = images::probe(webp);
  REQUIRE(header);
  CHECK(header->width == 8200);
  CHECK_FALSE(images::decode(webp));
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(json_request(
      "POST", "/bananapro/api/v1/images/generate", bananapro_edit("data:image/webp;base64," + images::base64_encode(webp)), "k"));
  CHECK(response.status == 422);
  CHECK(body_json(response).at("error").at("details").at("field") == "image_urls[1]");
  CHECK(sim.simulator().credits("k") == 500);
}
