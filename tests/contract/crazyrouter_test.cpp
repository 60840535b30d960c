// crazyrouter (seed 002) against its contract, in process: the documented examples, formats and sizes,
// the synchronous wait in simulated time, determinism.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

#include "crazyrouter_support.hpp"
#include "download_support.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using namespace nanosim::crazyrouter_test;
using nanosim::contract_test::download;
using nlohmann::json;

namespace {

images::DecodedImage first_image(ScopedSimulator& sim, const json& body) {
  const HttpResponse response = sim.handle(json_request("POST", generations, body));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return download(sim, body_json(response).at("data").at(0).at("url"));
}

std::string first_image_bytes(ScopedSimulator& sim, const json& body) {
  const json answer = body_json(sim.handle(json_request("POST", generations, body)));
  return sim.handle(request("GET", path_of(answer.at("data").at(0).at("url")))).body;
}

}  // namespace

TEST_CASE("The seed's text-to-image example answers at once with a 1376x768 JPEG URL", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const json seed_request = fixture_json("crazyrouter/generate-text-to-image-request.json");
  const HttpResponse response = sim.handle(json_request("POST", generations, seed_request, "YOUR_API_KEY"));
  REQUIRE(response.status == 200);
  const json body = body_json(response);
  REQUIRE(body.at("data").size() == 1);
  CHECK(body.at("created").is_number_integer());
  const std::string url = body.at("data").at(0).at("url");
  CHECK(url.size() > 4);
  CHECK(url.substr(url.size() - 4) == ".jpg");
  // Synchronous: the manual clock was advanced to the job's end, so the job is done and the file is there.
  const auto jobs = sim.simulator().jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].state == JobState::succeeded);
  CHECK(sim.now() == *jobs[0].finished_at);
  CHECK(jobs[0].spec.quality == 85);
  const auto image = download(sim, url);
  CHECK(image.format == images::Format::jpeg);
  CHECK(image.width == 1376);
  CHECK(image.height == 768);
}

TEST_CASE("The seed's reference-image edit example answers with a 1376x768 PNG", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const json seed_request = fixture_json("crazyrouter/generate-reference-edit-request.json");
  const auto image = first_image(sim, seed_request);
  CHECK(image.format == images::Format::png);
  CHECK(image.width == 1376);
  CHECK(image.height == 768);
  CHECK(sim.simulator().jobs().at(0).spec.reference_images == std::vector<std::string>{"https://example.com/reference.png"});
}

TEST_CASE("The seed's response example is valid against the contract", "[contract][crazyrouter]") {
  const auto& contract = contracts::get("crazyrouter");
  const HttpResponse documented = fixture_response("crazyrouter/generate-response.json");
  CHECK(contract.validate_response(contract.operation("images_generate"), documented).empty());
}

TEST_CASE("Every fixture the index lists meets its expectation against the contract", "[contract][crazyrouter]") {
  const auto& contract = contracts::get("crazyrouter");
  const json index = fixture_json("crazyrouter/index.json");  // named: a temporary would die before the loop body
  for (const json& entry : index.at("fixtures")) {
    INFO(entry.at("file"));
    const auto& op = contract.operation(entry.at("operation").get<std::string>());
    const json document = fixture_json("crazyrouter/" + entry.at("file").get<std::string>());
    if (entry.at("kind") == "request") {
      CHECK(contract.match("POST", entry.at("path").get<std::string>())->operation == &op);
      CHECK(contract.validate_request(op, document).empty() == (entry.at("expect") == "accepted"));
    }
  }
}

TEST_CASE("Each resolution and aspect ratio renders the documented Nano Banana 2 size in each format",
          "[contract][crazyrouter]") {
  ScopedSimulator sim;
  struct Case {
    const char* resolution;
    const char* ratio;
    const char* format;
    int width;
    int height;
    images::Format decoded;
  };
  // research/providers.md §3, gemini-3.1-flash-image-preview
  const Case cases[] = {{"1K", "1:1", "png", 1024, 1024, images::Format::png},
                        {"2K", "9:16", "jpeg", 1536, 2752, images::Format::jpeg},
                        {"1K", "21:9", "jpg", 1584, 672, images::Format::jpeg},
                        {"2K", "4:3", "png", 2400, 1792, images::Format::png},
                        {"4K", "16:9", "jpeg", 5504, 3072, images::Format::jpeg}};
  for (const Case& c : cases) {
    INFO(c.resolution << " " << c.ratio << " " << c.format);
    const auto image = first_image(
        sim, body_with({{"resolution", c.resolution}, {"aspect_ratio", c.ratio}, {"output_format", c.format}}));
    CHECK(image.format == c.decoded);
    CHECK(image.width == c.width);
    CHECK(image.height == c.height);
  }
}

TEST_CASE("aspect_ratio auto, like no aspect_ratio, renders 1:1 at 1K in PNG", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  for (const json& body : {body_with({{"aspect_ratio", "auto"}}), body_with({})}) {
    const auto image = first_image(sim, body);
    CHECK(image.format == images::Format::png);
    CHECK(image.width == 1024);
    CHECK(image.height == 1024);
  }
}

TEST_CASE("output_compression is the JPEG quality really applied", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const json base = body_with({{"output_format", "jpeg"}, {"aspect_ratio", "16:9"}});
  json rough_body = base;
  rough_body["output_compression"] = 5;
  json fine_body = base;
  fine_body["output_compression"] = 100;
  const std::string rough = first_image_bytes(sim, rough_body);
  const std::string fine = first_image_bytes(sim, fine_body);
  CHECK(images::decode(rough));
  CHECK(images::decode(fine));
  CHECK(rough.size() < fine.size());
  CHECK(sim.simulator().jobs().at(0).spec.quality == 5);
  CHECK(sim.simulator().jobs().at(1).spec.quality == 100);
}

TEST_CASE("response_format b64_json inlines the image, and n asks for several", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(json_request(
      "POST", generations,
      body_with({{"response_format", "b64_json"}, {"n", 2}, {"output_format", "jpeg"}, {"aspect_ratio", "9:16"}})));
  REQUIRE(response.status == 200);
  const json data = body_json(response).at("data");
  REQUIRE(data.size() == 2);
  for (const json& datum : data) {
    CHECK_FALSE(datum.contains("url"));
    const auto bytes = images::base64_decode(datum.at("b64_json").get<std::string>());
    REQUIRE(bytes);
    const auto image = images::decode(*bytes);
    REQUIRE(image);
    CHECK(image->format == images::Format::jpeg);
    CHECK(image->width == 768);
    CHECK(image->height == 1376);
  }
}

TEST_CASE("image_input takes one URL or up to 14", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  CHECK(sim.handle(json_request("POST", generations, body_with({{"image_input", "https://example.com/a.png"}}))).status ==
        200);
  json fourteen = json::array();
  for (int i = 0; i < 14; ++i) fourteen.push_back("https://example.com/" + std::to_string(i) + ".png");
  CHECK(sim.handle(json_request("POST", generations, body_with({{"image_input", fourteen}}))).status == 200);
  CHECK(sim.simulator().jobs().at(1).spec.reference_images.size() == 14);
}

TEST_CASE("The native generateContent path answers Gemini's shape with the image inline", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  json body = fixture_json("crazyrouter/native-generate-content-request.json");
  // The seed's "<b64>" placeholder stands for an image; the upstream refuses it as it is.
  body["contents"][0]["parts"][1]["inlineData"]["data"] =
      images::base64_encode(images::render({32, 32, images::Format::png, 90, 5}));
  const HttpResponse response = sim.handle(json_request("POST", native, body));
  INFO(response.body);
  REQUIRE(response.status == 200);
  const json answer = body_json(response);
  const json& candidate = answer.at("candidates").at(0);
  CHECK(candidate.at("finishReason") == "STOP");
  const json& parts = candidate.at("content").at("parts");
  REQUIRE(parts.size() == 2);  // TEXT and IMAGE asked for
  CHECK(parts.at(0).contains("text"));
  const json& inline_data = parts.at(1).at("inlineData");
  CHECK(inline_data.at("mimeType") == "image/png");
  const auto bytes = images::base64_decode(inline_data.at("data").get<std::string>());
  REQUIRE(bytes);
  const auto image = images::decode(*bytes);
  REQUIRE(image);
  CHECK(image->width == 2752);  // 16:9 at 2K
  CHECK(image->height == 1536);
  CHECK(answer.at("modelVersion") == "gemini-3.1-flash-image-preview");
  // 2K: 1680 image tokens (Google Cloud's figure), plus the text part the answer carries.
  const json& details = answer.at("usageMetadata").at("candidatesTokensDetails");
  CHECK(details.back() == json{{"modality", "IMAGE"}, {"tokenCount", 1680}});
  CHECK(answer.at("usageMetadata").at("candidatesTokenCount") == details.front().at("tokenCount").get<int>() + 1680);
  CHECK(answer.at("responseId") == sim.simulator().jobs().at(0).id);
}

TEST_CASE("The native path answers only the image when asked for IMAGE alone, keyed by x-goog-api-key",
          "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const json body = json::parse(R"({"contents": [{"parts": [{"text": "A red apple"}]}],
      "generationConfig": {"responseModalities": ["IMAGE"], "imageConfig": {"imageSize": "512"}}})");
  HttpRequest native_request = json_request("POST", native, body, "");
  native_request.headers.emplace("x-goog-api-key", "test-key");
  const HttpResponse response = sim.handle(native_request);
  REQUIRE(response.status == 200);
  const json answer = body_json(response);
  const json& parts = answer.at("candidates").at(0).at("content").at("parts");
  REQUIRE(parts.size() == 1);
  const auto image = images::decode(*images::base64_decode(parts.at(0).at("inlineData").at("data").get<std::string>()));
  REQUIRE(image);
  CHECK(image->width == 512);
  CHECK(image->height == 512);
}

TEST_CASE("The same seed and requests give byte-identical answers and images", "[contract][crazyrouter]") {
  const auto run = [] {
    ScopedSimulator sim;
    const json body = fixture_json("crazyrouter/generate-text-to-image-request.json");
    const HttpResponse response = sim.handle(json_request("POST", generations, body));
    return std::make_tuple(response.body, first_image_bytes(sim, body), sim.now());
  };
  CHECK(run() == run());
}

TEST_CASE("A synchronous wait moves the manual clock event by event, and every other job with it",
          "[contract][crazyrouter]") {
  Options options = deterministic_options();
  options.workers_per_provider["crazyrouter"] = 1;
  ScopedSimulator sim(options);
  // A queued odirouter job is moved too: the clock is shared.
  const HttpResponse other = sim.handle(json_request("POST", "/odirouter/v1/queue/nano_banana_2", {{"prompt", "x"}}));
  REQUIRE(other.status == 200);
  REQUIRE(sim.handle(json_request("POST", generations, body_with({}))).status == 200);
  const auto jobs = sim.simulator().jobs();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[1].state == JobState::succeeded);
  CHECK(sim.now() == *jobs[1].finished_at);
  CHECK(jobs[0].state != JobState::queued);
}
