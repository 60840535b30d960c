// How the client's bananapro part writes requests and reads each body shape (seed 001; research/providers.md §5),
// including the answers the simulator only gives under fault injection (429, 455, 500).
#include <catch2/catch.hpp>

#include "client_test_doubles.hpp"

using namespace nanosim::client;
using nanosim::client::test::Rig;
using nanosim::HttpRequest;
using nlohmann::json;

namespace {

Submission task(const std::string& id) {
  Submission job;
  job.job_id = id;
  job.model = "nano-banana";
  return job;
}

std::string task_body(const std::string& status, const std::string& extra = {}) {
  return R"({"success":true,"data":{"task_id":"task_1","model":"nano-banana","status":")" + status +
         R"(","output":{"resultUrls":[]},"primary_url":null,"image_url":null,"error_message":null,"credits_used":4,)"
         R"("credits_refunded":0,"created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z",)"
         R"("completed_at":null)" + extra + R"(},"request_id":"req_1"})";
}

}  // namespace

TEST_CASE("bananapro: a submit writes the documented body and reads the documented response", "[unit][client]") {
  Rig rig("bananapro");
  rig.script->reply(200, R"({"success": true, "data": {"task_id": "task_abc123", "credits_used": 4,
                             "remaining_credits": 496, "model": "nano-banana"}})");
  const auto job = rig.client.submit(GenerateRequest()
                                         .with_model("nano-banana")
                                         .with_prompt("Add a cyberpunk neon glow effect to this image")
                                         .with_reference_image("https://example.com/in.png")
                                         .with_aspect_ratio("16:9"));
  REQUIRE(job);
  CHECK(job->job_id == "task_abc123");
  CHECK(job->model == "nano-banana");
  CHECK(job->status_url.empty());
  const HttpRequest& sent = rig.script->last();
  CHECK(sent.method == "POST");
  CHECK(sent.path == "/api/v1/images/generate");
  CHECK(sent.header("Authorization") == "Bearer sk-test");
  CHECK(json::parse(sent.body) == json{{"model", "nano-banana"},
                                       {"type", "image-to-image"},
                                       {"prompt", "Add a cyberpunk neon glow effect to this image"},
                                       {"image_urls", {"https://example.com/in.png"}},
                                       {"aspect_ratio", "16:9"}});
}

TEST_CASE("bananapro: counts other than 1 go to the provider as num_images, and extra fields merge last", "[unit][client]") {
  Rig rig("bananapro");
  rig.script->reply(200, R"({"success":true,"data":{"task_id":"t","credits_used":4,"remaining_credits":0,"model":"nano-banana"}})");
  REQUIRE(rig.client.submit(GenerateRequest().with_model("nano-banana").with_prompt("p").with_count(2).with_extra("input_image", "https://x/y.png")));
  CHECK(json::parse(rig.script->last().body) ==
        json{{"model", "nano-banana"}, {"prompt", "p"}, {"num_images", 2}, {"input_image", "https://x/y.png"}});
}

TEST_CASE("bananapro: status and result read one task endpoint", "[unit][client]") {
  Rig rig("bananapro");
  rig.script->reply(200, task_body("pending"))
      .reply(200, task_body("processing"))
      .reply(200, R"({"success":true,"data":{"task_id":"task_1","model":"nano-banana","status":"completed",
          "output":{"resultUrls":["https://cdn.example/generated/image-01.webp"]},
          "primary_url":"https://cdn.example/generated/image-01.webp","image_url":"https://cdn.example/generated/image-01.webp",
          "error_message":null,"credits_used":4,"credits_refunded":0,"created_at":"x","updated_at":"x","completed_at":"x"},
          "request_id":"req_3"})");
  CHECK(rig.client.status(task("task_1"))->state == JobState::queued);
  CHECK(rig.script->last().path == "/api/v1/images/task_1");
  CHECK(rig.client.status(task("task_1"))->state == JobState::running);
  const auto result = rig.client.result(task("task_1"));
  REQUIRE(result);
  CHECK(rig.script->last().path == "/api/v1/images/task_1");
  CHECK(result->job_id == "task_1");
  REQUIRE(result->images.size() == 1);
  CHECK(result->images[0].url == "https://cdn.example/generated/image-01.webp");
  CHECK(result->images[0].content_type == "image/webp");
  CHECK(result->images[0].file_name == "image-01.webp");
}

TEST_CASE("bananapro: a failed task is a status with an error, and the result is that error", "[unit][client]") {
  Rig rig("bananapro");
  const std::string failed = task_body("failed", R"(,"error_message":"Image generation failed")");
  rig.script->reply(200, failed).reply(200, failed);
  const auto status = rig.client.status(task("task_1"));
  REQUIRE(status);
  CHECK(status->state == JobState::failed);
  REQUIRE(status->error);
  CHECK(status->error->kind == ErrorKind::generation_failed);
  CHECK(status->error->message == "Image generation failed");
  const auto result = rig.client.result(task("task_1"));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::generation_failed);
}

TEST_CASE("bananapro: error bodies map by code, and by status where the code is unknown", "[unit][client]") {
  struct Case {
    int status;
    std::string body;
    ErrorKind kind;
    bool retryable;
  };
  const auto body = [](const std::string& code, const std::string& message) {
    return R"({"success":false,"error":{"code":")" + code + R"(","message":")" + message + R"("},"request_id":"req_1"})";
  };
  const std::vector<Case> cases = {
      {401, body("UNAUTHORIZED", "Invalid API key"), ErrorKind::unauthorized, false},
      {402, body("INSUFFICIENT_CREDITS", "Insufficient credits"), ErrorKind::insufficient_credits, false},
      {404, body("TASK_NOT_FOUND", "Task not found: t"), ErrorKind::not_found, false},
      {422, body("VALIDATION_ERROR", "prompt: is required"), ErrorKind::invalid_request, false},
      {429, body("RATE_LIMITED", "Rate limit exceeded, please try again later"), ErrorKind::rate_limited, true},
      {455, body("SERVICE_UNAVAILABLE", "maintenance"), ErrorKind::server_error, true},
      {455, R"({"msg":"maintenance"})", ErrorKind::server_error, true},
      {500, body("INTERNAL_ERROR", "Internal server error"), ErrorKind::server_error, true},
      {200, body("INSUFFICIENT_CREDITS", "in a 200"), ErrorKind::insufficient_credits, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status, c.body);
    Rig rig("bananapro");
    rig.script->reply(c.status, c.body);
    const auto answer = rig.client.status(task("t"));
    REQUIRE_FALSE(answer);
    CHECK(answer.error().kind == c.kind);
    CHECK(answer.error().retryable() == c.retryable);
  }
}

TEST_CASE("bananapro: a validation error names the field and rule from details", "[unit][client]") {
  Rig rig("bananapro");
  rig.script->reply(422, R"json({"success":false,"error":{"code":"VALIDATION_ERROR","message":"num_images: must be at most 1 (got 2)",
                                "details":{"field":"num_images","rule":"maximum"}},"request_id":"req_1"})json");
  const auto answer = rig.client.submit(GenerateRequest().with_model("nano-banana").with_prompt("p").with_count(2));
  REQUIRE_FALSE(answer);
  CHECK(answer.error().kind == ErrorKind::invalid_request);
  CHECK(answer.error().field == "num_images");
  CHECK(answer.error().rule == "maximum");
  CHECK(answer.error().provider_code == "VALIDATION_ERROR");
}

TEST_CASE("bananapro: bodies the client cannot read are protocol errors", "[unit][client]") {
  Rig rig("bananapro");
  rig.script->reply(200, R"({"success":true,"data":{}})")
      .reply(200, "not json")
      .reply(200, task_body("weird"))
      .reply(200, task_body("completed"));
  CHECK(rig.client.submit(GenerateRequest().with_model("nano-banana").with_prompt("p")).error().message ==
        "submit: data has no \"task_id\"");
  CHECK(rig.client.status(task("t")).error().kind == ErrorKind::protocol);
  CHECK(rig.client.status(task("t")).error().kind == ErrorKind::protocol);
  CHECK(rig.client.result(task("t")).error().message == "result: a completed task without result URLs");
}
