// The three Gemini-shaped generateContent endpoints: Google's own (gemini), and the gateways that relay the body to
// it (crazyrouter's native path, the Nano series' Gemini-compatible face). They take and refuse the same bodies,
// inline image data included; each answers in its own error shape. Also the gateways' smaller wire details: field
// names in messages, request ids, and the paths their "Invalid URL" errors quote.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

struct Face {
  std::string name;
  std::string path;
  bool goog_key;  // x-goog-api-key (Google's SDK) rather than a Bearer key
};

const std::vector<Face>& faces() {
  static const std::vector<Face> all = {
      {"gemini", "/gemini/v1beta/models/gemini-3.1-flash-image-preview:generateContent", true},
      {"crazyrouter", "/crazyrouter/v1beta/models/nano-banana-2:generateContent", false},
      {"nanoseries", "/nanoseries/v1beta/models/NanoBanana:generateContent", true}};
  return all;
}

HttpRequest to(const Face& face, const json& body) {
  if (!face.goog_key) return json_request("POST", face.path, body);
  HttpRequest out = json_request("POST", face.path, body, "");
  out.headers.emplace("x-goog-api-key", "test-key");
  return out;
}

json text_body(const std::string& prompt = "A red apple") {
  return {{"contents", {{{"role", "user"}, {"parts", {{{"text", prompt}}}}}}}};
}

json with_config(const json& config) {
  json body = text_body();
  body["generationConfig"] = config;
  return body;
}

json with_part(const json& part) {
  json body = text_body();
  body["contents"][0]["parts"].push_back(part);
  return body;
}

json inline_part(const std::string& data) { return {{"inlineData", {{"mimeType", "image/png"}, {"data", data}}}}; }

std::string png_base64() { return images::base64_encode(images::render({16, 16, images::Format::png, 90, 3})); }

}  // namespace

TEST_CASE("The three Gemini-shaped endpoints take the same request fields", "[contract][gemini][crazyrouter][nanoseries]") {
  json tools = text_body();
  tools["tools"] = json::array({{{"googleSearch", json::object()}}});
  tools["toolConfig"] = json::object();
  const std::vector<std::pair<std::string, json>> accepted = {
      {"a text prompt", text_body()},
      {"thinkingConfig", with_config({{"thinkingConfig", {{"includeThoughts", false}}}})},
      {"maxOutputTokens, topP and topK", with_config({{"maxOutputTokens", 2048}, {"topP", 0.9}, {"topK", 40}})},
      {"tools and toolConfig", tools},
      {"title-case modalities", with_config({{"responseModalities", {"Text", "Image"}}})},
      {"a part with a thought signature", with_part({{"text", "more"}, {"thoughtSignature", "c2ln"}})},
      {"a thought part", with_part({{"text", "more"}, {"thought", true}})},
      {"an inline PNG", with_part(inline_part(png_base64()))},
  };
  for (const Face& face : faces()) {
    for (const auto& [what, body] : accepted) {
      ScopedSimulator sim;
      INFO(face.name << ": " << what);
      const HttpResponse response = sim.handle(to(face, body));
      INFO(response.body);
      CHECK(response.status == 200);
    }
  }
}

TEST_CASE("The three Gemini-shaped endpoints refuse the same bodies and create no job",
          "[contract][gemini][crazyrouter][nanoseries]") {
  json unknown = text_body();
  unknown["notAField"] = 1;
  const std::vector<std::pair<std::string, json>> refused = {
      {"two candidates", with_config({{"candidateCount", 2}})},
      {"an unknown top-level field", unknown},
      {"topP above 1", with_config({{"topP", 2}})},
      {"an unknown generationConfig member", with_config({{"imageFormat", "png"}})},
      {"text only", with_config({{"responseModalities", {"TEXT"}}})},
      {"an empty part", with_part(json::object())},
      {"inline data that is not base64", with_part(inline_part("!!!notb64"))},
      {"inline data that is no image", with_part(inline_part(images::base64_encode("hello, not an image")))},
      {"an inline type that is no image", with_part({{"inlineData", {{"mimeType", "text/plain"}, {"data", "aGVsbG8="}}}})},
  };
  for (const Face& face : faces()) {
    for (const auto& [what, body] : refused) {
      ScopedSimulator sim;
      INFO(face.name << ": " << what);
      const HttpResponse response = sim.handle(to(face, body));
      INFO(response.body);
      CHECK(response.status == 400);
      CHECK(sim.simulator().jobs().empty());
    }
  }
}

TEST_CASE("crazyrouter's native path relays the upstream's refusal of inline data that is not base64 of an image",
          "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const Face& native = faces().at(1);
  const std::string field = "contents[0].parts[1].inlineData.data";
  const json not_base64 = body_json(sim.handle(to(native, with_part(inline_part("!!!notb64"))))).at("error");
  CHECK(not_base64.at("code") == "INVALID_ARGUMENT");
  CHECK(not_base64.at("type") == "upstream_error");
  CHECK(not_base64.at("message").get<std::string>().rfind(
            "Invalid value at '" + field + "' (TYPE_BYTES), Base64 decoding failed (request id: ", 0) == 0);
  const json no_image =
      body_json(sim.handle(to(native, with_part(inline_part(images::base64_encode("plain text")))))).at("error");
  CHECK(no_image.at("code") == "INVALID_ARGUMENT");
  CHECK(no_image.at("message").get<std::string>().rfind(field + ": Unable to process input image", 0) == 0);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("The Nano series Gemini face refuses inline data that is not base64 of an image, naming the part",
          "[contract][nanoseries]") {
  ScopedSimulator sim;
  const Face& nano = faces().at(2);
  const HttpResponse response = sim.handle(to(nano, with_part(inline_part("!!!"))));
  CHECK(response.status == 400);
  const json error = body_json(response).at("error");
  CHECK(error.at("status") == "INVALID_ARGUMENT");
  CHECK(error.at("message") ==
        "Invalid value at 'contents[0].parts[1].inlineData.data' (TYPE_BYTES), Base64 decoding failed");
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("The Nano series edits entry refuses an image part that is no image, naming the part",
          "[contract][nanoseries]") {
  const std::string boundary = "----nanosimBoundaryGface";
  const auto part = [&](const std::string& name, const std::string& filename, const std::string& content) {
    std::string out = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.empty()) out += "; filename=\"" + filename + "\"\r\nContent-Type: image/png";
    return out + "\r\n\r\n" + content + "\r\n";
  };
  HttpRequest edit = request("POST", "/nanoseries/v1/images/edits");
  edit.headers.emplace("Content-Type", "multipart/form-data; boundary=" + boundary);
  edit.body = part("image", "notes.png", "just some text") + part("prompt", "", "Add a hat") +
              part("model", "", "NanoBanana") + "--" + boundary + "--\r\n";
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(edit);
  CHECK(response.status == 400);
  const json error = body_json(response).at("error");
  CHECK(error.at("type") == "invalid_request_error");
  CHECK(error.at("param") == "image");
  CHECK(error.at("message").get<std::string>().rfind("image: ", 0) == 0);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("A field that takes a URL or a list of URLs names the broken rule, not the other branch's type",
          "[contract][crazyrouter][nanoseries]") {
  ScopedSimulator sim;
  json urls = json::array();
  for (int i = 0; i < 15; ++i) urls.push_back("https://example.com/" + std::to_string(i) + ".png");
  const auto message = [&](const std::string& path, const json& body) {
    const HttpResponse response = sim.handle(json_request("POST", path, body));
    CHECK(response.status == 400);
    return body_json(response).at("error").at("message").get<std::string>();
  };
  const std::string crazy = "/crazyrouter/v1/images/generations";
  const auto with_input = [](const json& input) {
    return json{{"model", "nano-banana-2"}, {"prompt", "x"}, {"image_input", input}};
  };
  const std::string fifteen = message(crazy, with_input(urls));
  CHECK(fifteen.rfind("image_input: must have at most 14", 0) == 0);
  const std::string not_url = message(crazy, with_input("notaurl"));
  CHECK(not_url.rfind("image_input: ", 0) == 0);
  CHECK(not_url.find("must be a string") == std::string::npos);
  INFO(not_url);
  CHECK(not_url.find("must be an http(s) URL") != std::string::npos);
  const HttpResponse task = sim.handle(json_request("POST", "/nanoseries/v1/images/tasks",
                                                    {{"model", "NanoBanana"}, {"prompt", "x"}, {"image", "notaurl"}}));
  CHECK(task.status == 400);
  const std::string nano = body_json(task).at("message");
  INFO(nano);
  CHECK(nano.rfind("image: ", 0) == 0);
  CHECK(nano.find("must be an http(s) URL") != std::string::npos);
  CHECK(nano.find("must be a string") == std::string::npos);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("The gateways' Invalid URL errors quote the path under the provider's base", "[contract][crazyrouter][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse crazy = sim.handle(request("GET", "/crazyrouter/v1/images/generations"));
  CHECK(crazy.status == 404);
  CHECK(body_json(crazy).at("error").at("message") == "Invalid URL (GET /v1/images/generations)");
  const HttpResponse nano = sim.handle(request("GET", "/nanoseries/v1/images/generations"));
  CHECK(nano.status == 404);
  CHECK(body_json(nano).at("error").at("message") == "Invalid URL (GET /v1/images/generations)");
  const HttpResponse unknown = sim.handle(request("POST", "/nanoseries/v1/nothing"));
  CHECK(body_json(unknown).at("error").at("message") == "Invalid URL (POST /v1/nothing)");
}

TEST_CASE("The Nano series synchronous jobs are no tasks: get_task does not show them", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse made = sim.handle(
      json_request("POST", "/nanoseries/v1/images/generations", {{"model", "NanoBanana"}, {"prompt", "A red apple"}}));
  REQUIRE(made.status == 200);
  REQUIRE(sim.simulator().jobs().size() == 1);
  const std::string job_id = sim.simulator().jobs().at(0).id;
  const HttpResponse polled = sim.handle(request("GET", "/nanoseries/v1/images/tasks/" + job_id));
  CHECK(polled.status == 400);
  CHECK(body_json(polled).at("code") == "task_not_exist");
  // A task made through the task API is still there to poll.
  const HttpResponse task = sim.handle(
      json_request("POST", "/nanoseries/v1/images/tasks", {{"model", "NanoBanana"}, {"prompt", "A red apple"}}));
  REQUIRE(task.status == 200);
  const std::string task_id = body_json(task).at("data").at("task_id");
  CHECK(sim.handle(request("GET", "/nanoseries/v1/images/tasks/" + task_id)).status == 200);
}

TEST_CASE("A failed Nano series synchronous call names a request id, never the internal job's id",
          "[contract][nanoseries]") {
  Options options = deterministic_options();
  options.fate_policy = [](const JobSpec&, std::uint64_t) {
    JobFate fate;
    fate.succeeds = false;
    fate.failure_kind = std::string(failure::generation_failed);
    return fate;
  };
  ScopedSimulator sim(options);
  const HttpResponse response = sim.handle(
      json_request("POST", "/nanoseries/v1/images/generations", {{"model", "NanoBanana"}, {"prompt", "A red apple"}}));
  CHECK(response.status == 500);
  const std::string message = body_json(response).at("error").at("message");
  CHECK(message.find("(request id: ") != std::string::npos);
  REQUIRE(sim.simulator().jobs().size() == 1);
  CHECK(message.find(sim.simulator().jobs().at(0).id) == std::string::npos);
}

TEST_CASE("The Nano series Gemini face names its own field for a ratio the model does not render",
          "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse response =
      sim.handle(to(faces().at(2), with_config({{"imageConfig", {{"aspectRatio", "1:8"}}}})));
  CHECK(response.status == 400);
  CHECK(body_json(response).at("error").at("message") ==
        "generationConfig.imageConfig.aspectRatio: 1:8 is not available for NanoBanana");
  // The task API names its own field for the same refusal.
  const HttpResponse task = sim.handle(json_request(
      "POST", "/nanoseries/v1/images/tasks", {{"model", "NanoBanana"}, {"prompt", "x"}, {"aspect_ratio", "1:8"}}));
  CHECK(task.status == 400);
  CHECK(body_json(task).at("message").get<std::string>().rfind("aspect_ratio: ", 0) == 0);
  CHECK(sim.simulator().jobs().empty());
}

TEST_CASE("crazyrouter takes Gemini's key header and key parameter on its native path only", "[contract][crazyrouter]") {
  ScopedSimulator sim;
  const json openai_body = {{"model", "nano-banana-2"}, {"prompt", "A red apple"}};
  HttpRequest goog_header = json_request("POST", "/crazyrouter/v1/images/generations", openai_body, "");
  goog_header.headers.emplace("x-goog-api-key", "test-key");
  const HttpResponse by_header = sim.handle(goog_header);
  CHECK(by_header.status == 401);
  CHECK(body_json(by_header).at("error").at("code") == "invalid_api_key");
  HttpRequest key_param = json_request("POST", "/crazyrouter/v1/images/generations", openai_body, "");
  key_param.query.emplace("key", "test-key");
  CHECK(sim.handle(key_param).status == 401);
  CHECK(sim.simulator().jobs().empty());
  // The same keys open the native path, and Bearer opens both.
  HttpRequest native = to(faces().at(1), text_body());
  native.headers.erase("Authorization");
  native.headers.emplace("x-goog-api-key", "test-key");
  CHECK(sim.handle(native).status == 200);
  HttpRequest native_param = to(faces().at(1), text_body());
  native_param.headers.erase("Authorization");
  native_param.query.emplace("key", "test-key");
  CHECK(sim.handle(native_param).status == 200);
  CHECK(sim.handle(json_request("POST", "/crazyrouter/v1/images/generations", openai_body)).status == 200);
}

TEST_CASE("A catalog scenario that refuses a Gemini call refuses its streaming form the same way, before the stream",
          "[contract][scenarios]") {
  int refused = 0;
  for (const std::string scenario : {"model-overloaded", "new-api-429", "credits-run-out"}) {
    for (const Face& face : faces()) {
      Options options = deterministic_options();
      options.scenarios.push_back(load_scenario(scenario));
      ScopedSimulator called(options);
      ScopedSimulator streamed(options);
      const std::string stream_target =
          face.path.substr(0, face.path.find(":generateContent")) + ":streamGenerateContent?alt=sse";
      for (int attempt = 1; attempt <= 2; ++attempt) {  // new-api-429 refuses every second call
        CAPTURE(scenario, face.name, attempt);
        const HttpResponse call = called.handle(to(face, text_body()));
        const HttpResponse stream = streamed.handle(with_target(to(face, text_body()), stream_target));
        CHECK(stream.status == call.status);
        if (call.status == 200) {  // a stream, checked against the face's contract chunk by chunk (the test kit)
          CHECK(stream.content_type().find("text/event-stream") == 0);
          continue;
        }
        ++refused;
        CHECK(body_json(stream) == body_json(call));
        CHECK(stream.content_type().find("event-stream") == std::string::npos);
      }
      CHECK(streamed.simulator().jobs().size() == called.simulator().jobs().size());
    }
  }
  // model-overloaded refuses the first two calls on each face, new-api-429 the second; credits-run-out refuses only
  // where credits are counted (none of these faces).
  CHECK(refused == 3 * 2 + 3 * 1);
}
