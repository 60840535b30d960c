// nanoseries (seed 004) synchronous faces against the contract: OpenAI-compatible generations and edits
// (multipart), Gemini-compatible generateContent. Each runs its job through the same queue as the tasks and answers
// when it ends (a manual clock is moved there at once).
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string generations = "/nanoseries/v1/images/generations";
const std::string edits = "/nanoseries/v1/images/edits";

std::string gemini_path(const std::string& model) { return "/nanoseries/v1beta/models/" + model + ":generateContent"; }

json gemini_body(const std::string& prompt, json generation_config = json::object()) {
  json body = {{"contents", {{{"role", "user"}, {"parts", {{{"text", prompt}}}}}}}};
  if (!generation_config.empty()) body["generationConfig"] = std::move(generation_config);
  return body;
}

/// What @google/genai sends: the key in x-goog-api-key.
HttpRequest gemini_request(const std::string& model, const json& body) {
  HttpRequest out = json_request("POST", gemini_path(model), body, "");
  out.headers.emplace("x-goog-api-key", "test-key");
  return out;
}

/// A multipart/form-data request as the openai SDK's images.edit sends it: files as parts, fields as strings.
HttpRequest multipart_request(const std::vector<FormPart>& parts) {
  const std::string boundary = "----nanosimBoundary7MA4YWxkTrZu0gW";
  std::string body;
  for (const FormPart& part : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
    if (!part.filename.empty()) body += "; filename=\"" + part.filename + "\"\r\nContent-Type: " + part.content_type;
    body += "\r\n\r\n" + part.content + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  HttpRequest out = request("POST", edits);
  out.headers.emplace("Content-Type", "multipart/form-data; boundary=" + boundary);
  out.body = std::move(body);
  return out;
}

FormPart field(std::string name, std::string value) { return {std::move(name), "", "", std::move(value)}; }
FormPart png_file(std::string name, std::string filename) {
  return {std::move(name), std::move(filename), "image/png", images::render({64, 64, images::Format::png, 90, 7})};
}

images::DecodedImage decode_b64(const std::string& text) {
  const auto bytes = images::base64_decode(text);
  REQUIRE(bytes);
  const auto decoded = images::decode(*bytes);
  REQUIRE(decoded);
  return *decoded;
}

Options failing_on(std::string word, std::string_view kind) {
  Options options = deterministic_options();
  options.fate_policy = [word = std::move(word), kind = std::string(kind)](const JobSpec& spec, std::uint64_t) {
    JobFate fate;
    if (spec.prompt.find(word) != std::string::npos) {
      fate.succeeds = false;
      fate.failure_kind = kind;
    }
    return fate;
  };
  return options;
}

}  // namespace

TEST_CASE("OpenAI-compatible generations wait their turn behind a task and answer with URLs at their job's end",
          "[contract][nanoseries]") {
  Options options = deterministic_options();
  options.workers = 1;
  ScopedSimulator sim(options);
  // A task occupies the only worker: the synchronous request's job waits in the same queue, as a task would.
  REQUIRE(sim.handle(json_request("POST", "/nanoseries/v1/images/tasks", {{"model", "NanoBanana"}, {"prompt", "busy"}})).status == 200);
  const HttpResponse response = sim.handle(json_request(
      "POST", generations, {{"model", "NanoBanana"}, {"prompt", "A red apple"}, {"aspect_ratio", "16:9"}}));
  REQUIRE(response.status == 200);
  const auto jobs = sim.simulator().jobs();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].state == JobState::succeeded);
  CHECK(jobs[1].state == JobState::succeeded);
  CHECK(*jobs[1].started_at == *jobs[0].finished_at);
  CHECK(sim.now() == *jobs[1].finished_at);  // the manual clock moved to the job's end, never sleeping
  const json body = body_json(response);
  CHECK(body.at("created") == (1767225600000 + sim.now().count()) / 1000);
  REQUIRE(body.at("data").size() == 1);
  const std::string url = body.at("data").at(0).at("url");
  const HttpResponse file = sim.handle(request("GET", path_of(url)));
  const auto image = images::decode(file.body);
  REQUIRE(image);
  CHECK(image->width == 1344);  // research §3: gemini-2.5-flash-image, 16:9
  CHECK(image->height == 768);
}

TEST_CASE("OpenAI-compatible generations inline b64_json images in the requested format", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(json_request(
      "POST", generations,
      {{"model", "NanoBananaPro-1K"}, {"prompt", "x"}, {"n", 2}, {"response_format", "b64_json"}, {"output_format", "jpeg"}}));
  REQUIRE(response.status == 200);
  const json body = body_json(response);
  REQUIRE(body.at("data").size() == 2);
  for (const json& item : body.at("data")) {
    const auto image = decode_b64(item.at("b64_json"));
    CHECK(image.format == images::Format::jpeg);
    CHECK(image.width == 1024);
  }
  CHECK(body.at("output_format") == "jpeg");
  const double price = contracts::get("nanoseries").model("NanoBananaPro-1K")->at("pricing").at("per_image");
  CHECK(sim.simulator().spend("test-key") == Approx(2 * price));
  CHECK(sim.simulator().usage("test-key").front().state == UsageState::settled);
}

TEST_CASE("OpenAI-compatible faces refuse size, unsupported formats and disabled models in OpenAI's shape",
          "[contract][nanoseries]") {
  Options options = deterministic_options();
  options.models_per_key["sk-limited"] = {"NanoBanana"};
  ScopedSimulator sim(options);
  const HttpResponse size = sim.handle(json_request("POST", generations, {{"model", "NanoBanana"}, {"prompt", "x"}, {"size", "1024x1024"}}));
  CHECK(size.status == 400);
  CHECK(body_json(size).at("error").at("param") == "size");
  const HttpResponse webp = sim.handle(json_request(
      "POST", generations, {{"model", "NanoBanana2-1K"}, {"prompt", "x"}, {"output_format", "webp"}}));
  CHECK(webp.status == 400);
  CHECK(body_json(webp).at("error") == json{{"message", "output_format: must be one of png, jpeg (got \"webp\")"},
                                            {"type", "invalid_request_error"},
                                            {"param", "output_format"},
                                            {"code", "invalid_request"}});
  const HttpResponse mixed = sim.handle(json_request(
      "POST", generations,
      {{"model", "NanoBanana"}, {"prompt", "x"}, {"image", "https://e.com/a.png"}, {"images", {"https://e.com/b.png"}}}));
  CHECK(mixed.status == 400);
  CHECK(body_json(mixed).at("error").at("param") == "images");
  CHECK(sim.handle(json_request("POST", generations, {{"model", "NanoBanana2-1K"}, {"prompt", "x"}}, "sk-limited")).status == 403);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("OpenAI-compatible edits take one multipart image or repeated array-style image parts", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse one = sim.handle(multipart_request({png_file("image", "cat.png"), field("prompt", "Add a hat"),
                                                         field("model", "NanoBanana2-0.5K"), field("aspect_ratio", "4:3"),
                                                         field("response_format", "b64_json")}));
  REQUIRE(one.status == 200);
  const auto image = decode_b64(body_json(one).at("data").at(0).at("b64_json"));
  CHECK(image.width == 600);  // research §3: 4:3 at 512
  CHECK(image.height == 448);

  const HttpResponse several = sim.handle(multipart_request(
      {png_file("image[]", "a.png"), png_file("image[]", "b.png"), png_file("mask", "mask.png"),
       field("prompt", "Combine"), field("model", "NanoBanana"), field("n", "2")}));
  REQUIRE(several.status == 200);
  CHECK(body_json(several).at("data").size() == 2);
  CHECK(sim.simulator().jobs().back().spec.reference_images == std::vector<std::string>{"upload:a.png", "upload:b.png"});

  // The HTTP skin hands parsed parts over in HttpRequest::form: the same answer.
  HttpRequest parsed = request("POST", edits);
  parsed.form = {png_file("image", "cat.png"), field("prompt", "Add a hat"), field("model", "NanoBanana")};
  CHECK(sim.handle(parsed).status == 200);
}

TEST_CASE("OpenAI-compatible edits refuse a missing image, a bad n and a body that is not multipart",
          "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse missing = sim.handle(multipart_request({field("prompt", "x"), field("model", "NanoBanana")}));
  CHECK(missing.status == 400);
  CHECK(body_json(missing).at("error").at("param") == "image");
  const HttpResponse bad_n = sim.handle(
      multipart_request({png_file("image", "a.png"), field("prompt", "x"), field("model", "NanoBanana"), field("n", "9")}));
  CHECK(body_json(bad_n).at("error").at("param") == "n");
  const HttpResponse size = sim.handle(multipart_request(
      {png_file("image", "a.png"), field("prompt", "x"), field("model", "NanoBanana"), field("size", "1024x1024")}));
  CHECK(body_json(size).at("error").at("param") == "size");
  CHECK(sim.handle(json_request("POST", edits, {{"model", "NanoBanana"}, {"prompt", "x"}})).status == 400);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("Gemini-compatible generateContent returns inline images at the model's tier", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const json config = {{"responseModalities", {"IMAGE"}}, {"imageConfig", {{"aspectRatio", "16:9"}, {"imageSize", "1K"}}}};
  const HttpResponse response = sim.handle(gemini_request("NanoBanana2-1K", gemini_body("A red apple", config)));
  REQUIRE(response.status == 200);
  const json body = body_json(response);
  const json& parts = body.at("candidates").at(0).at("content").at("parts");
  REQUIRE(parts.size() == 1);
  CHECK(parts.at(0).at("inlineData").at("mimeType") == "image/png");
  const auto image = decode_b64(parts.at(0).at("inlineData").at("data"));
  CHECK(image.width == 1376);  // research §3: 16:9 at 1K
  CHECK(image.height == 768);
  CHECK(body.at("candidates").at(0).at("finishReason") == "STOP");
  CHECK(body.at("usageMetadata").at("candidatesTokenCount") == 1120);  // research §3: 3.1 flash at 1K
  CHECK(body.at("modelVersion") == "NanoBanana2-1K");

  const HttpResponse with_text = sim.handle(gemini_request("NanoBanana", gemini_body("A pear")));
  REQUIRE(with_text.status == 200);
  const json both = body_json(with_text).at("candidates").at(0).at("content").at("parts");
  REQUIRE(both.size() == 2);
  CHECK(both.at(0).contains("text"));

  HttpRequest by_query = with_target(json_request("POST", gemini_path("NanoBanana"), gemini_body("x"), ""),
                                     gemini_path("NanoBanana") + "?key=test-key");
  CHECK(sim.handle(by_query).status == 200);
}

TEST_CASE("Gemini-compatible generateContent refuses in Google's error shape", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse tier = sim.handle(gemini_request("NanoBanana2-1K", gemini_body("x", {{"imageConfig", {{"imageSize", "2K"}}}})));
  CHECK(tier.status == 400);
  CHECK(body_json(tier).at("error") ==
        json{{"code", 400},
             {"message", "generationConfig.imageConfig.imageSize: NanoBanana2-1K renders 1K only"},
             {"status", "INVALID_ARGUMENT"}});
  const HttpResponse ratio = sim.handle(gemini_request("NanoBanana", gemini_body("x", {{"imageConfig", {{"aspectRatio", "1:8"}}}})));
  CHECK(ratio.status == 400);
  json unknown = gemini_body("x");
  unknown["imageOutputOptions"] = json::object();
  const HttpResponse field = sim.handle(gemini_request("NanoBanana", unknown));
  CHECK(body_json(field).at("error").at("message") == "imageOutputOptions: is not a documented field");
  CHECK(sim.handle(gemini_request("NanoBanana", {{"contents", {{{"parts", {{{"inlineData", {{"mimeType", "image/png"}, {"data", "AAAA"}}}}}}}}}})).status == 400);
  CHECK(sim.handle(gemini_request("gemini-3.1-flash-image-preview", gemini_body("x"))).status == 503);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("A blocked generation is a channel_error on the OpenAI face and IMAGE_SAFETY on the Gemini face",
          "[contract][nanoseries]") {
  ScopedSimulator sim(failing_on("blocked", failure::content_blocked));
  const HttpResponse openai = sim.handle(json_request("POST", generations, {{"model", "NanoBanana"}, {"prompt", "blocked"}}));
  CHECK(openai.status == 400);
  CHECK(body_json(openai).at("error").at("code") == "channel:image_generation_failed");
  const HttpResponse gemini = sim.handle(gemini_request("NanoBanana", gemini_body("blocked")));
  CHECK(gemini.status == 200);
  CHECK(body_json(gemini).at("candidates").at(0).at("finishReason") == "IMAGE_SAFETY");
  CHECK(sim.simulator().spend("test-key") == 0.0);  // nothing returned, nothing billed
}

TEST_CASE("A failed generation is a 500 on both synchronous faces", "[contract][nanoseries]") {
  ScopedSimulator sim(failing_on("broken", failure::generation_failed));
  const HttpResponse openai = sim.handle(json_request("POST", generations, {{"model", "NanoBanana"}, {"prompt", "broken"}}));
  CHECK(openai.status == 500);
  CHECK(body_json(openai).at("error").at("type") == "upstream_error");
  const HttpResponse gemini = sim.handle(gemini_request("NanoBanana", gemini_body("broken")));
  CHECK(gemini.status == 500);
  CHECK(body_json(gemini).at("error").at("status") == "INTERNAL");
}
