// How the client reads each documented odirouter body (seed 000; research/providers.md §1-2).
#include <catch2/catch.hpp>

#include "client_test_doubles.hpp"

using namespace nanosim::client;
using nanosim::client::test::Rig;

namespace {

Submission job_of(const std::string& id) {
  Submission job;
  job.model = "nano_banana_2";
  job.job_id = id;
  return job;
}

}  // namespace

TEST_CASE("the documented submit response becomes a submission with its id, URLs and queue position",
          "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({ "request_id": "mmsu_01hxyz...",
    "response_url": "https://odirouter.ai/model/v1/queue/nano_banana_2/requests/mmsu_01hxyz.../response",
    "status_url": "https://odirouter.ai/model/v1/queue/nano_banana_2/requests/mmsu_01hxyz.../status",
    "cancel_url": "https://odirouter.ai/model/v1/queue/nano_banana_2/requests/mmsu_01hxyz.../cancel",
    "queue_position": 0})");
  const auto job = rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
  REQUIRE(job);
  CHECK(job->job_id == "mmsu_01hxyz...");
  CHECK(job->model == "nano_banana_2");
  CHECK(job->queue_position == 0);
  CHECK(job->status_url == "https://odirouter.ai/model/v1/queue/nano_banana_2/requests/mmsu_01hxyz.../status");
  CHECK(job->result_url == "https://odirouter.ai/model/v1/queue/nano_banana_2/requests/mmsu_01hxyz.../response");
  CHECK(job->cancel_url == "https://odirouter.ai/model/v1/queue/nano_banana_2/requests/mmsu_01hxyz.../cancel");
  CHECK_FALSE(job->completed_result.has_value());
}

TEST_CASE("a submit response without a request id is a protocol error", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({"queue_position":0})").reply(200, "<html>oops</html>");
  const auto missing_id = rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
  REQUIRE_FALSE(missing_id);
  CHECK(missing_id.error().kind == ErrorKind::protocol);
  CHECK(missing_id.error().message == "submit: body has no \"request_id\"");
  const auto not_json = rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
  REQUIRE_FALSE(not_json);
  CHECK(not_json.error().kind == ErrorKind::protocol);
  CHECK(not_json.error().body == "<html>oops</html>");
  CHECK(not_json.error().http_status == 200);
}

TEST_CASE("status bodies map to queued, running and succeeded", "[unit][client]") {
  Rig rig;
  rig.script
      ->reply(202, R"({"status":"IN_QUEUE","request_id":"r","queue_position":3,"response_url":"u"})")
      .reply(202, R"({"status":"IN_PROGRESS","request_id":"r","response_url":"u","logs":[
          {"message":"step 1","level":"INFO","source":"USER","timestamp":"2025-01-01T00:00:00Z"},"plain"]})")
      .reply(200, R"({"status":"COMPLETED","request_id":"r","response_url":"u","metrics":{"inference_time":12.34}})");
  const auto queued = rig.client.status(job_of("r"));
  REQUIRE(queued);
  CHECK(queued->state == JobState::queued);
  CHECK(queued->queue_position == 3);
  const auto running = rig.client.status(job_of("r"));
  REQUIRE(running);
  CHECK(running->state == JobState::running);
  CHECK(running->logs == std::vector<std::string>{"step 1", "plain"});
  const auto done = rig.client.status(job_of("r"));
  REQUIRE(done);
  CHECK(done->state == JobState::succeeded);
  CHECK_FALSE(done->error.has_value());
}

TEST_CASE("a COMPLETED status with an error is a failed job whose error_type picks the kind", "[unit][client]") {
  const auto [error_type, kind, state] = GENERATE(table<std::string, ErrorKind, JobState>({
      {"INFERENCE_FAILURE", ErrorKind::generation_failed, JobState::failed},
      {"INFERENCE_TIMEOUT", ErrorKind::generation_failed, JobState::failed},
      {"INTERNAL_SERVER_ERROR", ErrorKind::generation_failed, JobState::failed},
      {"CONTENT_BLOCKED", ErrorKind::content_blocked, JobState::failed},
      {"REQUEST_INVALID", ErrorKind::invalid_request, JobState::failed},
      {"CANCELED", ErrorKind::cancelled, JobState::cancelled},
  }));
  Rig rig;
  const std::string body = R"({"status":"COMPLETED","request_id":"r","response_url":"u",)"
                           R"("error":"Task execution failed","error_type":")" + error_type + R"("})";
  rig.script->reply(200, body);
  const auto status = rig.client.status(job_of("r"));
  REQUIRE(status);
  CHECK(status->state == state);
  REQUIRE(status->error.has_value());
  CHECK(status->error->kind == kind);
  CHECK(status->error->provider_code == error_type);
  CHECK(status->error->message == "Task execution failed");
  CHECK(status->error->body == body);
}

TEST_CASE("a status value outside IN_QUEUE, IN_PROGRESS and COMPLETED is a protocol error", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({"status":"FAILED","request_id":"r"})");
  const auto status = rig.client.status(job_of("r"));
  REQUIRE_FALSE(status);
  CHECK(status.error().kind == ErrorKind::protocol);
}

TEST_CASE("a result body lists its images with url, type, name and size", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({"request_id":"r","outputs":[{"type":"image","url":"https://cdn/x.png",
      "content_type":"image/png","file_name":"x.png","width":1376,"height":768}],"metadata":{"prompt":"p"}})");
  const auto result = rig.client.result(job_of("r"));
  REQUIRE(result);
  CHECK(result->job_id == "r");
  REQUIRE(result->images.size() == 1);
  const auto& image = result->images[0];
  CHECK(image.url == "https://cdn/x.png");
  CHECK(image.content_type == "image/png");
  CHECK(image.file_name == "x.png");
  CHECK(image.width == 1376);
  CHECK(image.height == 768);
  CHECK_FALSE(image.inline_bytes.has_value());
  CHECK_FALSE(result->text.has_value());
}

TEST_CASE("a result asked for while the job runs is not_ready, with the 202 kept", "[unit][client]") {
  Rig rig;
  rig.script->reply(202, R"({"status":"IN_PROGRESS","request_id":"r","response_url":"u"})");
  const auto result = rig.client.result(job_of("r"));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::not_ready);
  CHECK(result.error().http_status == 202);
  CHECK(result.error().message == "job r is running, not finished");
}

TEST_CASE("a result of a failed job is the job's error", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({"status":"COMPLETED","request_id":"r","error":"Task execution failed",
      "error_type":"CONTENT_BLOCKED"})");
  const auto result = rig.client.result(job_of("r"));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::content_blocked);
}

TEST_CASE("an output without a url is a protocol error", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({"request_id":"r","outputs":[{"type":"image","content_type":"image/png"}]})");
  const auto result = rig.client.result(job_of("r"));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::protocol);
  CHECK(result.error().message == "an image output has no \"url\"");
}

TEST_CASE("cancel answers map to requested, already completed and not found", "[unit][client]") {
  Rig rig;
  rig.script->reply(202, R"({"status":"CANCELLATION_REQUESTED"})")
      .reply(400, R"({"status":"ALREADY_COMPLETED"})")
      .reply(404, R"({"status":"NOT_FOUND"})")
      .reply(404, R"({"detail":"Request not found"})")
      .reply(401, R"({"error":{"code":"UNAUTHORIZED","message":"Authorization Bearer or Key token is required"}})");
  CHECK(rig.client.cancel(job_of("r")).value() == CancelOutcome::requested);
  CHECK(rig.client.cancel(job_of("r")).value() == CancelOutcome::already_completed);
  CHECK(rig.client.cancel(job_of("r")).value() == CancelOutcome::not_found);
  CHECK(rig.client.cancel(job_of("r")).value() == CancelOutcome::not_found);
  const auto refused = rig.client.cancel(job_of("r"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::unauthorized);
}

TEST_CASE("a JSON body nested too deeply is refused as a protocol error, not parsed", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, std::string(100000, '[') + std::string(100000, ']'));
  const auto status = rig.client.status(job_of("r"));
  REQUIRE_FALSE(status);
  CHECK(status.error().kind == ErrorKind::protocol);
}

namespace {

// Bodies as the simulator answers them for an ended job (contracts/providers/odirouter.json: lifecycle cancelled
// and failed, failure_kinds, errors runtime_failed).
std::string ended_status(const std::string& error, const std::string& error_type, const std::string& inference_time) {
  const std::string urls = "http://127.0.0.1/odirouter/v1/queue/nano_banana_2/requests/mmsu_7d2f/";
  return R"({"cancel_url":")" + urls + R"(cancel","error":")" + error + R"(","error_type":")" + error_type +
         R"(","logs":[],"metrics":{"inference_time":)" + inference_time + R"(},"request_id":"mmsu_7d2f",)" +
         R"("response_url":")" + urls + R"(response","status":"COMPLETED","status_url":")" + urls + R"(status"})";
}
const std::string cancelled_status = ended_status("Task was canceled", "CANCELED", "7.33");
const std::string failed_status = ended_status("Task execution failed", "INFERENCE_FAILURE", "3.21");
const std::string runtime_failed = R"({"detail":"Runtime execution failed"})";

}  // namespace

TEST_CASE("a cancelled job's status is cancelled and carries the cancellation as its error", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, cancelled_status);
  const auto status = rig.client.status(job_of("mmsu_7d2f"));
  REQUIRE(status);
  CHECK(status->state == JobState::cancelled);
  REQUIRE(status->error.has_value());
  CHECK(status->error->kind == ErrorKind::cancelled);
  CHECK(status->error->provider_code == "CANCELED");
  CHECK(status->error->message == "Task was canceled");
  CHECK(status->error->http_status == 200);
}

TEST_CASE("an ended job's result fails as its status says, cancelled or failed, since /response does not say",
          "[unit][client]") {
  const auto [status_body, kind, error_type, message] = GENERATE(table<std::string, ErrorKind, std::string, std::string>({
      {cancelled_status, ErrorKind::cancelled, "CANCELED", "Task was canceled"},
      {failed_status, ErrorKind::generation_failed, "INFERENCE_FAILURE", "Task execution failed"},
  }));
  Rig rig;
  rig.script->reply(500, runtime_failed).reply(200, status_body);
  const auto result = rig.client.result(job_of("mmsu_7d2f"));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == kind);
  CHECK(result.error().provider_code == error_type);
  CHECK(result.error().message == message);
  CHECK(result.error().http_status == 500);  // what /response answered
  CHECK(result.error().body == runtime_failed);
  REQUIRE(rig.script->requests.size() == 2);
  CHECK(rig.script->requests[0].path == "/v1/queue/nano_banana_2/requests/mmsu_7d2f/response");
  CHECK(rig.script->requests[1].method == "GET");
  CHECK(rig.script->requests[1].path == "/v1/queue/nano_banana_2/requests/mmsu_7d2f/status");
}

TEST_CASE("a runtime failure from /response stays a server error when the status shows no ended job",
          "[unit][client]") {
  Rig rig;
  rig.script->reply(500, runtime_failed)
      .reply(202, R"({"status":"IN_PROGRESS","request_id":"r","response_url":"u","logs":[]})")
      .reply(500, runtime_failed)
      .fail_transport("connection reset");
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto result = rig.client.result(job_of("r"));
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::server_error);
    CHECK(result.error().http_status == 500);
    CHECK(result.error().message == "Runtime execution failed");
  }
  CHECK(rig.script->requests.size() == 4);
}

TEST_CASE("other server errors from /response are returned as they are, without a status read", "[unit][client]") {
  Rig rig;
  rig.script->reply(500, R"({"error":{"code":"INTERNAL_SERVER_ERROR","message":"Internal server error"},)"
                         R"("request_id":"req_1"})");
  const auto result = rig.client.result(job_of("r"));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::server_error);
  CHECK(result.error().provider_code == "INTERNAL_SERVER_ERROR");
  CHECK(rig.script->requests.size() == 1);
}
