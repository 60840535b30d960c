// Base URLs, path prefixes and following the URLs a provider returns; the in-process transport.
#include <catch2/catch.hpp>

#include "client_test_doubles.hpp"

using namespace nanosim::client;
using nanosim::client::test::Rig;

namespace {

constexpr const char* base = "http://127.0.0.1:8080/odirouter";
constexpr const char* completed = R"({"status":"COMPLETED","request_id":"r"})";

Submission job_with_status_url(std::string url) {
  Submission job;
  job.model = "nano_banana_2";
  job.job_id = "r";
  job.status_url = std::move(url);
  return job;
}

nanosim::HttpResponse answer(int status, std::string body) {
  nanosim::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

TEST_CASE("a URL under the transport's base is reduced to its path below the base", "[unit][client]") {
  const auto [url, base_url, expected] = GENERATE(table<std::string, std::string, std::optional<std::string>>({
      {"http://127.0.0.1:8080/odirouter/v1/x/status", base, "/v1/x/status"},
      {"HTTP://127.0.0.1:8080/odirouter/v1/x?token=a%20b", base, "/v1/x?token=a%20b"},
      {"http://localhost/p/v1/x", "http://localhost:80/p/", "/v1/x"},
      {"http://127.0.0.1:8080/v1/x", "http://127.0.0.1:8080", "/v1/x"},
      {"http://127.0.0.1:8080/odirouter", base, "/"},
      {"/v1/relative", base, "/v1/relative"},
      {"http://anything.example/v1/x", "", "/v1/x"},
      {"http://127.0.0.1:9090/odirouter/v1/x", base, std::nullopt},
      {"http://localhost:8080/odirouter/v1/x", base, std::nullopt},
      {"https://127.0.0.1:8080/odirouter/v1/x", base, std::nullopt},
      {"https://odirouter.ai/model/v1/queue/m/requests/r/status", base, std::nullopt},
      {"http://127.0.0.1:8080/odirouterX/v1/x", base, std::nullopt},
      {"http://127.0.0.1:8080/other/v1/x", base, std::nullopt},
      {"not a url", base, std::nullopt},
      {"http://user@127.0.0.1:8080/odirouter/v1/x", base, std::nullopt},
  }));
  CAPTURE(url, base_url);
  CHECK(path_within_base(url, base_url) == expected);
}

TEST_CASE("the client follows a returned status URL that points under its base", "[unit][client]") {
  Rig rig("odirouter", "sk-test", base);
  rig.script->reply(200, completed);
  REQUIRE(rig.client.status(job_with_status_url("http://127.0.0.1:8080/odirouter/v2/jobs/r%201/state?token=abc")));
  const auto& sent = rig.script->last();
  CHECK(sent.path == "/v2/jobs/r 1/state");
  CHECK(sent.query_param("token") == "abc");
  CHECK(sent.query_param("logs") == "1");
}

TEST_CASE("a returned URL on another host is not followed, and the documented path is used", "[unit][client]") {
  Rig rig("odirouter", "sk-test", base);
  rig.script->reply(200, completed);
  REQUIRE(rig.client.status(job_with_status_url("https://odirouter.ai/model/v1/queue/nano_banana_2/requests/r/status")));
  CHECK(rig.script->last().path == "/v1/queue/nano_banana_2/requests/r/status");
}

TEST_CASE("the in-process transport prepends its prefix and names its host", "[unit][client]") {
  nanosim::HttpRequest seen;
  InProcessTransport transport(
      [&](const nanosim::HttpRequest& request) {
        seen = request;
        return answer(200, "{}");
      },
      base);
  nanosim::HttpRequest request;
  request.path = "/v1/queue/nano_banana_2";
  const auto response = transport.send(request);
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(seen.path == "/odirouter/v1/queue/nano_banana_2");
  CHECK(seen.header("Host") == "127.0.0.1:8080");
  CHECK(transport.base_url() == base);
}

TEST_CASE("the in-process transport turns dropped connections into transport errors", "[unit][client]") {
  const auto fault = GENERATE(nanosim::ConnectionFault::reset_before_response, nanosim::ConnectionFault::close_mid_body);
  InProcessTransport transport([&](const nanosim::HttpRequest&) {
    auto response = answer(200, R"({"request_id":"r"})");
    response.fault = fault;
    return response;
  });
  const auto response = transport.send(nanosim::HttpRequest{});
  REQUIRE_FALSE(response);
  CHECK(response.error().kind == ErrorKind::transport);
}

TEST_CASE("the in-process transport delivers a slow body whole and survives a throwing handler", "[unit][client]") {
  InProcessTransport slow([](const nanosim::HttpRequest&) {
    auto response = answer(200, "whole");
    response.fault = nanosim::ConnectionFault::slow_body;
    response.trickle_interval_ms = 100;
    return response;
  });
  const auto response = slow.send(nanosim::HttpRequest{});
  REQUIRE(response);
  CHECK(response->body == "whole");
  CHECK(response->fault == nanosim::ConnectionFault::none);

  InProcessTransport throwing([](const nanosim::HttpRequest&) -> nanosim::HttpResponse {
    throw std::runtime_error("boom");
  });
  const auto failed = throwing.send(nanosim::HttpRequest{});
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == ErrorKind::transport);
  CHECK(failed.error().message == "GET /: handler threw: boom");
}

TEST_CASE("a client over the in-process transport follows the handler's own URLs to a result", "[unit][client]") {
  // A tiny stand-in for the simulator: answers with absolute URLs on its own origin.
  std::vector<std::string> paths;
  auto handler = [&](const nanosim::HttpRequest& request) {
    paths.push_back(request.method + " " + request.path);
    const std::string self = "http://sim.test/odirouter/q/r";
    if (request.method == "POST") {
      return answer(200, R"({"request_id":"r","status_url":")" + self + R"(/status","response_url":")" + self +
                             R"(/response","cancel_url":")" + self + R"(/cancel","queue_position":0})");
    }
    if (request.path.ends_with("/status")) return answer(200, R"({"status":"COMPLETED","request_id":"r"})");
    return answer(200, R"({"request_id":"r","outputs":[{"type":"image","url":"http://sim.test/r.png"}]})");
  };
  auto clock = std::make_shared<nanosim::client::test::FakeClock>();
  Client client(std::make_unique<InProcessTransport>(handler, "http://sim.test/odirouter"), "odirouter",
                ClientOptions().with_api_key("k").with_clock(clock));
  const auto result = client.generate(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
  REQUIRE(result);
  CHECK(result->images.at(0).url == "http://sim.test/r.png");
  CHECK(paths == std::vector<std::string>{"POST /odirouter/v1/queue/nano_banana_2", "GET /odirouter/q/r/status",
                                          "GET /odirouter/q/r/response"});
  CHECK(clock->sleeps.empty());
}
