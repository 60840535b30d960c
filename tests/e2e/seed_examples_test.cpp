// Done-when for seeds 002 (crazyrouter) and 004 (Nano series), tried as a new user would: every documented example,
// byte for byte as the seed prints it (fixtures/<provider>/), sent to a `nanosim serve --port 0` process over a real
// socket. Each answer is checked against the contract, and every image decoded at its documented dimensions.
#include <catch2/catch.hpp>

#include "e2e_http.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "serve_process.hpp"

using namespace nanosim;
using e2e::send;
using nlohmann::json;

namespace {

/// Violations of a provider's answer against its operation (empty when on contract).
std::vector<std::string> off_contract(const std::string& provider, const std::string& operation,
                                      const HttpResponse& response) {
  const contracts::Contract& contract = contracts::get(provider);
  std::vector<std::string> problems;
  for (const auto& violation : contract.validate_response(contract.operation(operation), response)) {
    problems.push_back(contracts::to_string(violation));
  }
  return problems;
}

/// Downloads one of the server's result URLs and decodes it fully; checks the Content-Type names the format.
images::DecodedImage download(const e2e::ServeProcess& server, const std::string& url) {
  REQUIRE(url.rfind(server.base_url() + "/__nanosim/files/", 0) == 0);
  const HttpResponse file = send(server.base_url(), "GET", url.substr(server.base_url().size()), {}, "");
  REQUIRE(file.status == 200);
  const auto image = images::decode(file.body);
  REQUIRE(image);
  CHECK(file.content_type() == images::mime_type(image->format));
  return *image;
}

std::pair<int, int> documented(const std::string& upstream, const std::string& ratio, const std::string& tier) {
  const auto size = contracts::image_dimensions(upstream, ratio, tier);
  REQUIRE(size);
  return *size;
}

}  // namespace

TEST_CASE("Seed 002: both curl examples, verbatim, answer OpenAI-style URLs to images of the documented size",
          "[e2e][crazyrouter]") {
  e2e::ServeProcess server({"--clock", "manual"});
  struct Example {
    std::string fixture;
    images::Format format;
  };
  const std::vector<Example> examples = {{"crazyrouter/generate-text-to-image-request.json", images::Format::jpeg},
                                         {"crazyrouter/generate-reference-edit-request.json", images::Format::png}};
  for (const Example& example : examples) {
    INFO(example.fixture);
    const HttpResponse response = send(server.base_url(), "POST", "/crazyrouter/v1/images/generations",
                                       testkit::fixture_text(example.fixture), "YOUR_API_KEY");
    REQUIRE(response.status == 200);
    CHECK(off_contract("crazyrouter", "images_generate", response).empty());
    const json answer = json::parse(response.body);
    REQUIRE(answer.at("data").size() == 1);
    const auto image = download(server, answer.at("data").at(0).at("url"));
    CHECK(image.format == example.format);
    CHECK(std::make_pair(image.width, image.height) == documented("gemini-3.1-flash-image-preview", "16:9", "1K"));
  }
  // "少数兼容渠道可能返回 data[0].b64_json": the same example asking for base64 gets the same image inline.
  json inline_request = json::parse(testkit::fixture_text(examples.at(0).fixture));
  inline_request["response_format"] = "b64_json";
  const HttpResponse inlined =
      send(server.base_url(), "POST", "/crazyrouter/v1/images/generations", inline_request.dump(), "YOUR_API_KEY");
  REQUIRE(inlined.status == 200);
  CHECK(off_contract("crazyrouter", "images_generate", inlined).empty());
  const auto bytes = images::base64_decode(json::parse(inlined.body).at("data").at(0).at("b64_json").get<std::string>());
  REQUIRE(bytes);
  const auto image = images::decode(*bytes);
  REQUIRE(image);
  CHECK(image->format == images::Format::jpeg);
  CHECK(std::make_pair(image->width, image->height) == documented("gemini-3.1-flash-image-preview", "16:9", "1K"));
  // The seed's own response example is on the same contract the simulator's answers are checked against.
  HttpResponse seed_response;
  seed_response.status = 200;
  seed_response.set_header("Content-Type", "application/json");
  seed_response.body = testkit::fixture_text("crazyrouter/generate-response.json");
  CHECK(off_contract("crazyrouter", "images_generate", seed_response).empty());
}

TEST_CASE("Seed 002: the native generateContent path it migrates from answers Gemini's shape with the image inline",
          "[e2e][crazyrouter]") {
  e2e::ServeProcess server({"--clock", "manual"});
  // The seed's "<b64>" placeholder stands for an image: the upstream refuses it as it is.
  json body = json::parse(testkit::fixture_text("crazyrouter/native-generate-content-request.json"));
  body["contents"][0]["parts"][1]["inlineData"]["data"] =
      images::base64_encode(images::render({32, 32, images::Format::png, 90, 5}));
  const HttpResponse response = send(server.base_url(), "POST",
                                     "/crazyrouter/v1beta/models/nano-banana-2:generateContent", body.dump(),
                                     "YOUR_API_KEY");
  REQUIRE(response.status == 200);
  CHECK(off_contract("crazyrouter", "generate_content", response).empty());
  const json parts = json::parse(response.body).at("candidates").at(0).at("content").at("parts");
  REQUIRE(parts.size() == 2);  // TEXT and IMAGE were asked for
  CHECK(parts.at(0).contains("text"));
  const auto bytes = images::base64_decode(parts.at(1).at("inlineData").at("data").get<std::string>());
  REQUIRE(bytes);
  const auto image = images::decode(*bytes);
  REQUIRE(image);
  CHECK(std::make_pair(image->width, image->height) == documented("gemini-3.1-flash-image-preview", "16:9", "2K"));
}

TEST_CASE("Seed 002: a Gemini-native field and a wrong body get the gateway's documented errors",
          "[e2e][crazyrouter]") {
  e2e::ServeProcess server({"--clock", "manual", "--api-key", "YOUR_API_KEY"});
  const std::string path = "/crazyrouter/v1/images/generations";
  const HttpResponse native_field =
      send(server.base_url(), "POST", path, R"({"model":"nano-banana-2","prompt":"x","generationConfig":{}})");
  CHECK(native_field.status == 400);
  CHECK(off_contract("crazyrouter", "images_generate", native_field).empty());
  const HttpResponse bad_ratio =
      send(server.base_url(), "POST", path, R"({"model":"nano-banana-2","prompt":"x","aspect_ratio":"7:5"})");
  CHECK(bad_ratio.status == 400);
  CHECK(json::parse(bad_ratio.body).at("error").at("param") == "aspect_ratio");
  const HttpResponse wrong_key =
      send(server.base_url(), "POST", path, testkit::fixture_text("crazyrouter/generate-text-to-image-request.json"),
           "sk-wrong");
  CHECK(wrong_key.status == 401);
  CHECK(off_contract("crazyrouter", "images_generate", wrong_key).empty());
}

TEST_CASE("Seed 004: the text-to-image and image-to-image examples, verbatim, run to images of the documented size",
          "[e2e][nanoseries]") {
  e2e::ServeProcess server({"--clock", "manual"});
  struct Example {
    std::string fixture;
    std::string ratio;
    images::Format format;
    std::string task_type;
  };
  const std::vector<Example> examples = {
      {"nanoseries/text2image-request.json", "1:1", images::Format::png, "text2image"},
      {"nanoseries/image2image-request.json", "16:9", images::Format::jpeg, "image2image"}};
  for (const Example& example : examples) {
    INFO(example.fixture);
    const HttpResponse created = send(server.base_url(), "POST", "/nanoseries/v1/images/tasks",
                                      testkit::fixture_text(example.fixture), "sk-***");
    REQUIRE(created.status == 200);
    CHECK(off_contract("nanoseries", "create_task", created).empty());
    const std::string task_path =
        "/nanoseries/v1/images/tasks/" + json::parse(created.body).at("data").at("task_id").get<std::string>();

    e2e::advance_clock(server.base_url(), 600'000);
    const HttpResponse polled = send(server.base_url(), "GET", task_path, {}, "sk-***");
    REQUIRE(polled.status == 200);
    CHECK(off_contract("nanoseries", "get_task", polled).empty());
    const json data = json::parse(polled.body).at("data");
    CHECK(data.at("status") == "succeeded");
    CHECK(data.at("progress") == "100%");
    CHECK(data.at("metadata").at("task_type") == example.task_type);
    CHECK(data.at("metadata").at("result_count") == 1);
    const auto image = download(server, data.at("result_url"));
    CHECK(image.format == example.format);
    CHECK(std::make_pair(image.width, image.height) ==
          documented("gemini-3.1-flash-image-preview", example.ratio, "512"));
  }
}

TEST_CASE(
    "Seed 004: the status example's own curl, verbatim, is new-api's task_not_exist, and its response example is on "
    "contract",
    "[e2e][nanoseries]") {
  e2e::ServeProcess server({"--clock", "manual"});
  const HttpResponse placeholder = send(server.base_url(), "GET", "/nanoseries/v1/images/tasks/task_xxx", {}, "sk-***");
  CHECK(placeholder.status == 400);
  CHECK(json::parse(placeholder.body) ==
        json{{"code", "task_not_exist"}, {"message", "task_not_exist"}, {"data", nullptr}});
  CHECK(off_contract("nanoseries", "get_task", placeholder).empty());
  HttpResponse seed_response;
  seed_response.status = 200;
  seed_response.set_header("Content-Type", "application/json");
  seed_response.body = testkit::fixture_text("nanoseries/task-status-response.json");
  CHECK(off_contract("nanoseries", "get_task", seed_response).empty());
}

TEST_CASE("Seed 004: its common errors get the gateway's documented answers, and create no task", "[e2e][nanoseries]") {
  e2e::ServeProcess server({"--clock", "manual", "--key-models", "sk-***=NanoBanana"});
  const std::string path = "/nanoseries/v1/images/tasks";
  const HttpResponse not_enabled =
      send(server.base_url(), "POST", path, testkit::fixture_text("nanoseries/text2image-request.json"), "sk-***");
  CHECK(not_enabled.status == 403);
  const HttpResponse mixed =
      send(server.base_url(), "POST", path,
           R"({"model":"NanoBanana","prompt":"x","image":"https://e.com/a.png","images":["https://e.com/b.png"]})",
           "sk-***");
  CHECK(mixed.status == 400);
  const HttpResponse size =
      send(server.base_url(), "POST", path, R"({"model":"NanoBanana","prompt":"x","size":"1024x1024"})", "sk-***");
  CHECK(size.status == 400);
  const HttpResponse format = send(server.base_url(), "POST", "/nanoseries/v1/images/generations",
                                   R"({"model":"NanoBanana","prompt":"x","output_format":"gif"})", "sk-***");
  CHECK(format.status == 400);
  for (const auto* response : {&not_enabled, &mixed, &size})
    CHECK(off_contract("nanoseries", "create_task", *response).empty());
  CHECK(off_contract("nanoseries", "generate_image", format).empty());
  CHECK(json::parse(send(server.base_url(), "GET", "/__nanosim/jobs", {}, "").body).at("jobs").empty());
}
