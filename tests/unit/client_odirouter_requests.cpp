// How the client puts provider-neutral requests on odirouter's wire (seed 000; research/providers.md §2).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "client_test_doubles.hpp"

using namespace nanosim::client;
using nanosim::client::test::Rig;
using nlohmann::json;

namespace {

constexpr const char* accepted =
    R"({"request_id":"req_1","response_url":"https://odirouter.ai/model/v1/queue/nano_banana_2/requests/req_1/response",)"
    R"("status_url":"https://odirouter.ai/model/v1/queue/nano_banana_2/requests/req_1/status",)"
    R"("cancel_url":"https://odirouter.ai/model/v1/queue/nano_banana_2/requests/req_1/cancel","queue_position":0})";

Submission job_of(const std::string& model, const std::string& id) {
  Submission job;
  job.model = model;
  job.job_id = id;
  return job;
}

}  // namespace

TEST_CASE("a text-only request is posted to the model's queue with a Bearer key and only the prompt",
          "[unit][client]") {
  Rig rig;
  rig.script->reply(200, accepted);
  REQUIRE(rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("A red apple")));
  const auto& sent = rig.script->last();
  CHECK(sent.method == "POST");
  CHECK(sent.path == "/v1/queue/nano_banana_2");
  CHECK(sent.body == R"({"prompt":"A red apple"})");
  CHECK(sent.header("Authorization") == "Bearer sk-test");
  CHECK(sent.header("Content-Type") == "application/json");
  CHECK(sent.header("Accept") == "application/json");
  CHECK(sent.header("User-Agent") == "nanosim-client/0.1");
}

TEST_CASE("the documented image-to-image example is what the client sends for a reference image",
          "[unit][client]") {
  Rig rig;
  rig.script->reply(200, accepted);
  const auto request = GenerateRequest()
                           .with_model("nano_banana_2")
                           .with_prompt("A red apple on a white table, clean studio lighting, simple background.")
                           .with_reference_image("https://example.com/reference-image.webp");
  REQUIRE(rig.client.submit(request));
  CHECK(json::parse(rig.script->last().body) == json::parse(R"({
    "prompt": "A red apple on a white table, clean studio lighting, simple background.",
    "image_urls": ["https://example.com/reference-image.webp"]})"));
}

TEST_CASE("aspect ratio, size tier and text modality map to odirouter's field names", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, accepted).reply(200, accepted);
  auto request = GenerateRequest().with_model("nano_banana_2").with_prompt("p").with_aspect_ratio("16:9");
  REQUIRE(rig.client.submit(request.with_size_tier("0.5K").with_text(false)));
  CHECK(rig.script->last().body ==
        R"({"aspect_ratio":"16:9","image_size":"512","prompt":"p","response_modalities":["Image"]})");
  REQUIRE(rig.client.submit(request.with_size_tier("2K").with_text(true)));
  CHECK(rig.script->last().body ==
        R"({"aspect_ratio":"16:9","image_size":"2K","prompt":"p","response_modalities":["Text","Image"]})");
}

TEST_CASE("extra fields are merged into the body last and a null removes a field", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, accepted);
  auto request = GenerateRequest().with_model("nano_banana_2").with_prompt("p").with_size_tier("1K");
  request.with_extra("resolution", "0.5K").with_extra("image_size", nullptr);
  REQUIRE(rig.client.submit(request));
  CHECK(rig.script->last().body == R"({"prompt":"p","resolution":"0.5K"})");
}

TEST_CASE("a request odirouter cannot express is refused before anything is sent", "[unit][client]") {
  Rig rig;
  SECTION("more than one image") {
    const auto refused = rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("p").with_count(2));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::invalid_request);
    CHECK(refused.error().field == "count");
    CHECK(refused.error().rule == "unsupported_by_provider");
    CHECK(refused.error().http_status == 0);
  }
  SECTION("an output format") {
    const auto refused =
        rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("p").with_output_format("png"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().field == "output_format");
  }
  SECTION("no model") {
    const auto refused = rig.client.submit(GenerateRequest().with_prompt("p"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().field == "model");
  }
  CHECK(rig.script->requests.empty());
}

TEST_CASE("without an api key no Authorization header is sent", "[unit][client]") {
  Rig rig("odirouter", "");
  rig.script->reply(200, accepted);
  REQUIRE(rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("p")));
  CHECK_FALSE(rig.script->last().header("Authorization").has_value());
}

TEST_CASE("status, result and cancel use the documented paths and methods when no URL was returned",
          "[unit][client]") {
  Rig rig;
  const auto job = job_of("nano_banana_2", "req_7");
  rig.script->reply(202, R"({"status":"IN_QUEUE","request_id":"req_7","queue_position":0})")
      .reply(202, R"({"status":"IN_QUEUE","request_id":"req_7","queue_position":0})")
      .reply(202, R"({"status":"CANCELLATION_REQUESTED"})");
  (void)rig.client.status(job);
  (void)rig.client.result(job);
  (void)rig.client.cancel(job);
  const auto& sent = rig.script->requests;
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].method == "GET");
  CHECK(sent[0].path == "/v1/queue/nano_banana_2/requests/req_7/status");
  CHECK(sent[0].query_param("logs") == "1");
  CHECK(sent[1].method == "GET");
  CHECK(sent[1].path == "/v1/queue/nano_banana_2/requests/req_7/response");
  CHECK(sent[2].method == "PUT");
  CHECK(sent[2].path == "/v1/queue/nano_banana_2/requests/req_7/cancel");
  CHECK(sent[2].body.empty());
  for (const auto& request : sent) CHECK(request.header("Authorization") == "Bearer sk-test");
}

TEST_CASE("the client lists its provider parts and refuses an unknown provider id", "[unit][client]") {
  const auto ids = Client::providers();
  CHECK(std::find(ids.begin(), ids.end(), "odirouter") != ids.end());
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  auto script = std::make_shared<nanosim::client::test::Script>();
  CHECK_THROWS_AS(Client(std::make_unique<nanosim::client::test::ScriptedTransport>(script), "no-such-provider"),
                  std::invalid_argument);
  CHECK_THROWS_AS(Client(nullptr, "odirouter"), std::invalid_argument);
}

TEST_CASE("odirouter is a cancellable queue, not a synchronous provider", "[unit][client]") {
  Rig rig;
  CHECK(rig.client.cancellable());
  CHECK_FALSE(rig.client.synchronous());
}
