// wait() and generate(): polling, backoff, Retry-After and the deadline, all in fake time.
#include <catch2/catch.hpp>

#include "client_test_doubles.hpp"

using namespace nanosim::client;
using nanosim::client::test::Rig;
using std::chrono::milliseconds;
using Sleeps = std::vector<milliseconds>;

namespace {

constexpr const char* in_queue = R"({"status":"IN_QUEUE","request_id":"r","queue_position":0})";
constexpr const char* in_progress = R"({"status":"IN_PROGRESS","request_id":"r","logs":[]})";
constexpr const char* completed = R"({"status":"COMPLETED","request_id":"r","metrics":{"inference_time":1.5}})";
constexpr const char* outputs = R"({"request_id":"r","outputs":[{"type":"image","url":"http://sim/r.png",)"
                                R"("content_type":"image/png","file_name":"r.png","width":1024,"height":1024}]})";
constexpr const char* rate_limited = R"({"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded"}})";

Submission job_r() {
  Submission job;
  job.model = "nano_banana_2";
  job.job_id = "r";
  return job;
}

std::vector<std::string> methods_of(const Rig& rig) {
  std::vector<std::string> methods;
  for (const auto& request : rig.script->requests) methods.push_back(request.method);
  return methods;
}

}  // namespace

TEST_CASE("wait polls until the job succeeds, the delay growing by the backoff factor up to its cap",
          "[unit][client]") {
  Rig rig;
  rig.script->reply(202, in_queue).reply(202, in_queue).reply(202, in_progress).reply(202, in_progress).reply(200, completed);
  const auto done = rig.client.wait(job_r(), WaitOptions().with_poll_interval(milliseconds{500})
                                                 .with_backoff(2.0, milliseconds{1500}));
  REQUIRE(done);
  CHECK(done->state == JobState::succeeded);
  CHECK(rig.clock->sleeps == Sleeps{milliseconds{500}, milliseconds{1000}, milliseconds{1500}, milliseconds{1500}});
}

TEST_CASE("wait stays away at least as long as Retry-After says, unless told to ignore it", "[unit][client]") {
  Rig rig;
  const bool honour = GENERATE(true, false);
  rig.script->reply(429, rate_limited, {{"Retry-After", "3"}}).reply(200, completed);
  const auto done = rig.client.wait(job_r(), WaitOptions().with_honour_retry_after(honour));
  REQUIRE(done);
  CHECK(rig.clock->sleeps == Sleeps{honour ? milliseconds{3000} : milliseconds{500}});
}

TEST_CASE("wait retries server errors and transport failures with backoff", "[unit][client]") {
  Rig rig;
  rig.script->reply(503, R"({"detail":"Service unavailable"})").fail_transport("connection reset").reply(200, completed);
  const auto done = rig.client.wait(job_r());
  REQUIRE(done);
  CHECK(rig.clock->sleeps == Sleeps{milliseconds{500}, milliseconds{750}});
}

TEST_CASE("wait returns an error that retrying cannot fix at once", "[unit][client]") {
  Rig rig;
  rig.script->reply(401, R"({"error":{"code":"UNAUTHORIZED","message":"bad key"}})");
  const auto done = rig.client.wait(job_r());
  REQUIRE_FALSE(done);
  CHECK(done.error().kind == ErrorKind::unauthorized);
  CHECK(rig.clock->sleeps.empty());
}

TEST_CASE("wait reports a failed job as the job's error", "[unit][client]") {
  Rig rig;
  rig.script->reply(202, in_progress)
      .reply(200, R"({"status":"COMPLETED","request_id":"r","error":"Task execution failed","error_type":"INFERENCE_FAILURE"})");
  const auto done = rig.client.wait(job_r());
  REQUIRE_FALSE(done);
  CHECK(done.error().kind == ErrorKind::generation_failed);
  CHECK(done.error().provider_code == "INFERENCE_FAILURE");
  CHECK(done.error().message == "Task execution failed");
}

TEST_CASE("at the deadline wait sends a cancel and returns timed_out", "[unit][client]") {
  Rig rig;
  for (int i = 0; i < 5; ++i) rig.script->reply(202, in_queue);
  rig.script->reply(202, R"({"status":"CANCELLATION_REQUESTED"})");
  const auto done = rig.client.wait(job_r(), WaitOptions().with_deadline(milliseconds{2000}).with_backoff(1.0, milliseconds{500}));
  REQUIRE_FALSE(done);
  CHECK(done.error().kind == ErrorKind::timed_out);
  CHECK(done.error().message == "job r did not finish within 2000 ms; cancel requested");
  CHECK(rig.clock->sleeps == Sleeps(4, milliseconds{500}));
  CHECK(rig.script->last().method == "PUT");
  CHECK(rig.script->last().path == "/v1/queue/nano_banana_2/requests/r/cancel");
  CHECK(rig.script->replies.empty());
}

TEST_CASE("the last poll happens exactly at the deadline", "[unit][client]") {
  Rig rig;
  for (int i = 0; i < 3; ++i) rig.script->reply(202, in_queue);
  rig.script->reply(200, completed);
  const auto done = rig.client.wait(job_r(), WaitOptions().with_deadline(milliseconds{1200}).with_backoff(1.0, milliseconds{500}));
  REQUIRE(done);
  CHECK(rig.clock->sleeps == Sleeps{milliseconds{500}, milliseconds{500}, milliseconds{200}});
}

TEST_CASE("a wait told not to cancel on its deadline leaves the job alone", "[unit][client]") {
  Rig rig;
  rig.script->reply(202, in_queue).reply(202, in_queue);
  const auto done = rig.client.wait(job_r(), WaitOptions().with_deadline(milliseconds{500}).with_cancel_on_deadline(false));
  REQUIRE_FALSE(done);
  CHECK(done.error().kind == ErrorKind::timed_out);
  CHECK(methods_of(rig) == std::vector<std::string>{"GET", "GET"});
}

TEST_CASE("a Retry-After beyond the deadline times out at once instead of sleeping in vain", "[unit][client]") {
  Rig rig;
  rig.script->reply(429, rate_limited, {{"Retry-After", "5"}}).reply(400, R"({"status":"ALREADY_COMPLETED"})");
  const auto done = rig.client.wait(job_r(), WaitOptions().with_deadline(milliseconds{2000}));
  REQUIRE_FALSE(done);
  CHECK(done.error().kind == ErrorKind::timed_out);
  CHECK(done.error().message ==
        "job r did not finish within 2000 ms; last error: rate_limited (HTTP 429): Rate limit exceeded "
        "[RATE_LIMIT_EXCEEDED] [retry after 5000 ms]; cancel already_completed");
  CHECK(rig.clock->sleeps.empty());
}

TEST_CASE("generate submits, waits and fetches the images", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({"request_id":"r","queue_position":0})")
      .reply(202, in_queue)
      .reply(200, completed)
      .reply(200, outputs);
  const auto result = rig.client.generate(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
  REQUIRE(result);
  CHECK(result->job_id == "r");
  REQUIRE(result->images.size() == 1);
  CHECK(result->images[0].url == "http://sim/r.png");
  CHECK(methods_of(rig) == std::vector<std::string>{"POST", "GET", "GET", "GET"});
  CHECK(rig.clock->sleeps == Sleeps{milliseconds{500}});
}

TEST_CASE("generate retries a rate-limited submit after Retry-After but never a failed one", "[unit][client]") {
  Rig rig;
  SECTION("rate limited, then accepted") {
    rig.script->reply(429, rate_limited, {{"Retry-After", "1"}})
        .reply(200, R"({"request_id":"r"})")
        .reply(200, completed)
        .reply(200, outputs);
    REQUIRE(rig.client.generate(GenerateRequest().with_model("nano_banana_2").with_prompt("p")));
    CHECK(rig.clock->sleeps == Sleeps{milliseconds{1000}});
  }
  SECTION("a 500 may have created the job: no second submit") {
    rig.script->reply(500, R"({"detail":"Runtime execution failed"})");
    const auto result = rig.client.generate(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::server_error);
    CHECK(rig.script->requests.size() == 1);
  }
}

TEST_CASE("generate retries a result that lags behind a COMPLETED status", "[unit][client]") {
  Rig rig;
  rig.script->reply(200, R"({"request_id":"r"})")
      .reply(200, completed)
      .reply(202, in_progress)
      .reply(200, outputs);
  const auto result = rig.client.generate(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
  REQUIRE(result);
  CHECK(rig.clock->sleeps == Sleeps{milliseconds{500}});
}

TEST_CASE("generate's one deadline covers submit, polling and the cancel that ends it", "[unit][client]") {
  Rig rig;
  rig.script->reply(429, rate_limited, {{"Retry-After", "1"}})
      .reply(200, R"({"request_id":"r"})")
      .reply(202, in_queue)
      .reply(202, in_queue)
      .reply(202, in_queue)
      .reply(202, R"({"status":"CANCELLATION_REQUESTED"})");
  const auto result = rig.client.generate(GenerateRequest().with_model("nano_banana_2").with_prompt("p"),
                                          WaitOptions().with_deadline(milliseconds{2000}).with_backoff(1.0, milliseconds{500}));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::timed_out);
  CHECK(result.error().message == "job r did not finish within 2000 ms; cancel requested");
  CHECK(rig.clock->sleeps == Sleeps{milliseconds{1000}, milliseconds{500}, milliseconds{500}});
  CHECK(methods_of(rig) == std::vector<std::string>{"POST", "POST", "GET", "GET", "GET", "PUT"});
}

TEST_CASE("a submission that already holds its result (a synchronous provider's) needs no further requests",
          "[unit][client]") {
  Rig rig;
  Submission job;
  job.job_id = "sync-1";
  job.completed_result = GenerationResult{"sync-1", {ImageOutput{"", "image/png", "a.png", 1, 1, std::string("\x89PNG")}}, {}};
  const auto status = rig.client.status(job);
  REQUIRE(status);
  CHECK(status->state == JobState::succeeded);
  CHECK(rig.client.wait(job));
  CHECK(rig.client.result(job)->images.at(0).inline_bytes == std::string("\x89PNG"));
  CHECK(rig.client.cancel(job).value() == CancelOutcome::already_completed);
  CHECK(rig.script->requests.empty());
}

TEST_CASE("a synchronous generate tells the server how long it waits, and a call cut off at the deadline is timed_out",
          "[unit][client]") {
  Rig rig("crazyrouter");
  rig.clock->sleep_for(milliseconds{5});  // time before the call does not count against its deadline
  rig.script->fail_transport("connection reset by peer");
  const auto result = rig.client.generate(GenerateRequest().with_model("nano-banana-2").with_prompt("An apple"),
                                          WaitOptions().with_deadline(milliseconds{29'507}));
  REQUIRE(rig.script->requests.size() == 1);
  CHECK(rig.script->last().header("X-Server-Timeout") == std::optional<std::string>("29.507"));
  // The drop came before the deadline: a network fault, not the deadline, so it is not called a timeout.
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::transport);

}

TEST_CASE("a synchronous call the server holds until the client's deadline ends as timed_out, not a network error",
          "[unit][client]") {
  auto clock = std::make_shared<nanosim::client::test::FakeClock>();
  std::vector<std::string> asked;
  // A server that honours X-Server-Timeout: it keeps the call until then, and the connection is gone.
  auto transport = std::make_unique<InProcessTransport>([&](const nanosim::HttpRequest& request) {
    asked.push_back(request.header("X-Server-Timeout").value_or(""));
    clock->sleep_for(milliseconds{std::stoll(asked.back()) * 1000});
    nanosim::HttpResponse gone;
    gone.status = 499;
    gone.fault = nanosim::ConnectionFault::reset_before_response;
    return gone;
  });
  Client client(std::move(transport), "gemini", ClientOptions().with_api_key("k").with_clock(clock));
  const auto result = client.generate(GenerateRequest().with_model("gemini-2.5-flash-image").with_prompt("An apple"),
                                      WaitOptions().with_deadline(milliseconds{30'000}));
  CHECK(asked == std::vector<std::string>{"30"});
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::timed_out);
  CHECK(clock->now() == milliseconds{30'000});
}
