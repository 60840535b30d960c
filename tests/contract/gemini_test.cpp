// gemini (research §3) against its contract, in process: documented examples, per-model rules, synchronous
// completion on the manual clock, safety blocks, deadlines and the error catalog.
#include <catch2/catch.hpp>

#include "gemini_support.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using namespace nanosim::gemini_test;
using nlohmann::json;

TEST_CASE("The SDK's request gets an inline PNG of the documented size, at once on the manual clock",
          "[contract][gemini]") {
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(generate(flash, fixture_json("gemini/sdk-request.json")));
  REQUIRE(response.status == 200);
  const json body = body_json(response);
  const json& candidate = body.at("candidates").at(0);
  CHECK(candidate.at("finishReason") == "STOP");
  CHECK(candidate.at("index") == 0);
  CHECK(candidate.at("content").at("role") == "model");
  const json& parts = candidate.at("content").at("parts");
  REQUIRE(parts.size() == 1);  // responseModalities ["IMAGE"]: no text part
  CHECK(parts.at(0).at("inlineData").at("mimeType") == "image/png");
  CHECK(decoded_size(parts.at(0)) == std::pair<int, int>{2752, 1536});  // research §3: 16:9 at 2K

  CHECK(body.at("modelVersion") == flash);
  const auto jobs = sim.simulator().jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(body.at("responseId") == jobs.at(0).id);
  CHECK(jobs.at(0).state == JobState::succeeded);
  CHECK(sim.now() == *jobs.at(0).finished_at);  // the call took the job's simulated time, no more

  const json& usage = body.at("usageMetadata");
  // Google Cloud's figures for gemini-3.1-flash-image-preview: 1680 tokens a 2K image out, 1120 an image in.
  CHECK(usage.at("candidatesTokensDetails") == json::array({{{"modality", "IMAGE"}, {"tokenCount", 1680}}}));
  CHECK(usage.at("promptTokensDetails").at(1) == json{{"modality", "IMAGE"}, {"tokenCount", 1120}});
  CHECK(usage.at("totalTokenCount") ==
        usage.at("promptTokenCount").get<int>() + usage.at("candidatesTokenCount").get<int>());
}

TEST_CASE("The research example passes the schema but its \"<b64>\" placeholder is refused as base64",
          "[contract][gemini]") {
  ScopedSimulator sim;
  const json example = fixture_json("gemini/research-request.json");
  const auto& contract = contracts::get("gemini");
  CHECK(contract.validate_request(contract.operation("generate_content"), example, pro).empty());
  const HttpResponse response = sim.handle(generate(pro, example));
  CHECK(response.status == 400);
  const std::string field = "contents[0].parts[1].inlineData.data";
  const std::string message = "Invalid value at '" + field + "' (TYPE_BYTES), Base64 decoding failed";
  CHECK(body_json(response) ==
        json{{"error",
              {{"code", 400},
               {"message", message},
               {"status", "INVALID_ARGUMENT"},
               {"details", {{{"@type", "type.googleapis.com/google.rpc.BadRequest"},
                             {"fieldViolations", {{{"field", field}, {"description", message}}}}}}}}}});
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("Every documented fixture is accepted, rejected or valid as its index says", "[contract][gemini]") {
  const auto& contract = contracts::get("gemini");
  const auto& op = contract.operation("generate_content");
  const json index = fixture_json("gemini/index.json");  // named: a temporary would die before the loop body
  for (const json& entry : index.at("fixtures")) {
    const std::string file = entry.at("file");
    INFO(file);
    const std::string kind = entry.at("kind");
    if (kind == "shape") {
      CHECK_FALSE(fixture_text("gemini/" + file).empty());
    } else if (kind == "request") {
      CHECK(contract.match("POST", entry.at("path").get<std::string>())->operation == &op);
      const auto violations = contract.validate_request(op, fixture_json("gemini/" + file), entry.at("model").get<std::string>());
      if (entry.at("expect") == "accepted") {
        CHECK(violations.empty());
      } else {
        REQUIRE_FALSE(violations.empty());
        CHECK(violations.front().field == entry.at("violation").at("field"));
        CHECK(violations.front().rule == entry.at("violation").at("rule"));
      }
    } else {
      const HttpResponse documented = fixture_response("gemini/" + file, entry.at("http_status"));
      CHECK(contract.validate_response(op, documented).empty() == (entry.at("expect") == "valid"));
    }
  }
}

TEST_CASE("Aspect ratios and sizes are validated per model as the model table says", "[contract][gemini]") {
  ScopedSimulator sim;
  struct Case {
    std::string model, ratio, size;
    int status;
    std::pair<int, int> dimensions;
  };
  const std::vector<Case> cases{
      {flash, "8:1", "512", 200, {1536, 192}},        {flash, "21:9", "512", 200, {792, 336}},
      {flash, "1:4", "1K", 200, {512, 2048}},         {pro, "21:9", "2K", 200, {3168, 1344}},
      {pro, "8:1", "1K", 400, {}},                    {pro, "1:1", "512", 400, {}},
      {nano_banana, "16:9", "1K", 200, {1344, 768}},  {nano_banana, "21:9", "", 200, {1536, 672}},
      {nano_banana, "1:1", "2K", 400, {}},            {nano_banana, "1:4", "1K", 400, {}},
      {flash, "16:9", "2k", 400, {}},                 {flash, "7:5", "1K", 400, {}},
      {flash, "", "", 200, {1024, 1024}},
  };
  for (const Case& c : cases) {
    INFO(c.model << " " << c.ratio << " " << c.size);
    json image_config = json::object();
    if (!c.ratio.empty()) image_config["aspectRatio"] = c.ratio;
    if (!c.size.empty()) image_config["imageSize"] = c.size;
    json body = text_body("A lighthouse at dusk", {"IMAGE"});
    body["generationConfig"]["imageConfig"] = image_config;
    const HttpResponse response = sim.handle(generate(c.model, body));
    REQUIRE(response.status == c.status);
    const json answer = body_json(response);
    if (c.status == 200) {
      CHECK(decoded_size(answer.at("candidates").at(0).at("content").at("parts").at(0)) == c.dimensions);
    } else {
      CHECK(answer.at("error").at("status") == "INVALID_ARGUMENT");
      CHECK(answer.at("error").at("details").at(0).at("fieldViolations").at(0).at("field").get<std::string>().rfind(
                "generationConfig.imageConfig.", 0) == 0);
    }
  }
}

TEST_CASE("Without responseModalities the model answers with a text part and the image", "[contract][gemini]") {
  ScopedSimulator sim;
  const json body = body_json(sim.handle(generate(flash, text_body("A red apple"))));
  const json& parts = body.at("candidates").at(0).at("content").at("parts");
  REQUIRE(parts.size() == 2);
  CHECK(parts.at(0).at("text").get<std::string>().find("A red apple") != std::string::npos);
  CHECK(decoded_size(parts.at(1)) == std::pair<int, int>{1024, 1024});
  const json& details = body.at("usageMetadata").at("candidatesTokensDetails");
  CHECK(details.at(0).at("modality") == "TEXT");
  CHECK(details.at(1) == json{{"modality", "IMAGE"}, {"tokenCount", 1120}});
}

TEST_CASE("Inline images must be base64 of a real image, within the model's count", "[contract][gemini]") {
  ScopedSimulator sim;
  const std::string png = tiny_png_base64();
  const auto with_images = [&](std::vector<std::string> data) {
    json body = text_body("Combine these");
    for (auto& d : data) body["contents"][0]["parts"].push_back({{"inlineData", {{"mimeType", "image/png"}, {"data", d}}}});
    return body;
  };
  CHECK(sim.handle(generate(nano_banana, with_images({png, png, png}))).status == 200);

  const HttpResponse too_many = sim.handle(generate(nano_banana, with_images({png, png, png, png})));
  CHECK(too_many.status == 400);
  CHECK(body_json(too_many).at("error").at("message") ==
        "contents: must carry at most 3 images for gemini-2.5-flash-image (got 4)");
  CHECK(sim.handle(generate(flash, with_images(std::vector<std::string>(14, png)))).status == 200);
  CHECK(sim.handle(generate(flash, with_images(std::vector<std::string>(15, png)))).status == 400);

  const HttpResponse not_image = sim.handle(generate(flash, with_images({images::base64_encode("plain text")})));
  CHECK(not_image.status == 400);
  CHECK(body_json(not_image).at("error").at("message").get<std::string>().rfind("Unable to process input image.", 0) == 0);
  CHECK(sim.handle(generate(flash, with_images({"!!not base64!!"}))).status == 400);
  CHECK(sim.simulator().jobs().size() == 2);  // refused requests made no job
}

TEST_CASE("Unknown fields, bad JSON and empty contents get INVALID_ARGUMENT and make no job", "[contract][gemini]") {
  ScopedSimulator sim;
  json unknown = text_body("x");
  unknown["generationConfig"]["imageConfig"]["aspect_ratio"] = "1:1";
  const json answer = body_json(sim.handle(generate(flash, unknown)));
  CHECK(answer.at("error").at("code") == 400);
  CHECK(answer.at("error").at("details").at(0).at("fieldViolations").at(0).at("field") ==
        "generationConfig.imageConfig.aspect_ratio");

  HttpRequest broken = generate(flash, json::object());
  broken.body = "{\"contents\": [";
  CHECK(sim.handle(broken).status == 400);
  CHECK(sim.handle(generate(flash, {{"contents", json::array()}})).status == 400);
  CHECK(sim.handle(generate(flash, {{"contents", {{{"parts", {{{"text", "x"}}}}, {"role", "robot"}}}}})).status == 400);
  CHECK(sim.handle(generate(flash, text_body("x", {"TEXT"}))).status == 400);  // an image model must return an image
  CHECK(sim.simulator().jobs().empty());
}
