// The HTTP layer's own limits, over a real socket: a body over the cap announced by Content-Length, a 10 KB
// request target, conflicting Content-Length headers and a 3 MB head each get the provider's documented error
// naming what broke (not cpp-httplib's empty answers), the connection closes after it, nothing changes and the
// server keeps serving.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/server.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "raw_socket.hpp"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// Sends raw bytes on a new connection and reads one answer.
nanosim::e2e::RawAnswer exchange(int port, const std::string& bytes) {
  const int fd = nanosim::e2e::connect_loopback(port);
  REQUIRE(fd >= 0);
  nanosim::e2e::send_all(fd, bytes);  // the server may close before reading everything
  std::string buffer;
  auto answer = nanosim::e2e::read_answer(fd, 10s, buffer);
  ::close(fd);
  REQUIRE(answer);
  return *answer;
}

/// The provider's catalog answer for `kind`: same status and the same top-level JSON members.
void check_provider_shape(const nanosim::e2e::RawAnswer& answer, const std::string& provider, const std::string& kind,
                          const std::string& names) {
  const auto& contract = nanosim::contracts::get(provider);
  const auto expected = contract.render_error(contract.has_error(kind) ? kind : "invalid_request",
                                              {{"message", "m"}, {"field", "f"}, {"rule", "r"}, {"request_id", "x"}});
  INFO(answer.head << answer.body);
  CHECK(answer.status == expected.status);
  const json body = json::parse(answer.body, nullptr, false);
  const json shape = json::parse(expected.body, nullptr, false);
  REQUIRE(body.is_object());
  for (const auto& [member, value] : shape.items()) CHECK(body.contains(member));
  CHECK(answer.body.find(names) != std::string::npos);
}

int job_count(nanosim::Simulator& simulator) { return static_cast<int>(simulator.jobs().size()); }

}  // namespace

TEST_CASE("A body over the cap announced by Content-Length gets the provider's payload-too-large error", "[e2e][http]") {
  auto options = nanosim::testkit::deterministic_options();
  options.max_body_bytes = 1 << 20;
  nanosim::testkit::ScopedServer server(options);
  for (const std::string provider : {"toapis", "odirouter", "bananapro"}) {
    const std::string path = provider == "toapis"      ? "/toapis/v1/images/generations"
                             : provider == "odirouter" ? "/odirouter/v1/queue/nano_banana_2"
                                                       : "/bananapro/api/v1/images/generate";
    const auto answer = exchange(server.port(), "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
                                                "Content-Type: application/json\r\nContent-Length: 41943040\r\n\r\n{\"prompt\":");
    check_provider_shape(answer, provider, "payload_too_large", "body");
    CHECK(answer.head.find("Connection: close") != std::string::npos);
  }
  CHECK(job_count(server.simulator()) == 0);
}

TEST_CASE("A 10 KB request target gets the provider's error shape naming the path", "[e2e][http]") {
  nanosim::testkit::ScopedServer server;
  const std::string id(10'000, 'a');
  const auto answer = exchange(server.port(), "GET /odirouter/v1/queue/nano_banana_2/requests/" + id +
                                                  "/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n");
  check_provider_shape(answer, "odirouter", "invalid_request", "path");
  const auto admin = exchange(server.port(), "GET /__nanosim/jobs/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(admin.status == 414);
  CHECK(json::parse(admin.body).at("error").at("message").get<std::string>().find("path") != std::string::npos);
}

TEST_CASE("Two different Content-Length headers are refused in the provider's shape before anything runs", "[e2e][http]") {
  nanosim::testkit::ScopedServer server;
  const std::string body = R"({"prompt":"A red apple"})";
  const auto answer = exchange(server.port(), "POST /odirouter/v1/queue/nano_banana_2 HTTP/1.1\r\nHost: x\r\n"
                                              "Authorization: Bearer k\r\nContent-Type: application/json\r\n"
                                              "Content-Length: " + std::to_string(body.size()) + "\r\nContent-Length: 5\r\n\r\n" + body);
  check_provider_shape(answer, "odirouter", "invalid_request", "Content-Length");
  CHECK(job_count(server.simulator()) == 0);
}

TEST_CASE("A request head of 200,000 headers is refused in the provider's shape and the server keeps serving", "[e2e][http]") {
  nanosim::testkit::ScopedServer server;
  std::string head = "POST /toapis/v1/images/generations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n";
  for (int i = 0; i < 200'000; ++i) head += "X-Filler-" + std::to_string(i) + ": 1\r\n";
  REQUIRE(head.size() > 3'000'000);
  const auto answer = exchange(server.port(), head + "Content-Length: 2\r\n\r\n{}");
  check_provider_shape(answer, "toapis", "invalid_request", "headers");
  CHECK(job_count(server.simulator()) == 0);
  const auto health = exchange(server.port(), "GET /__nanosim/health HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(health.status == 200);
}

TEST_CASE("Keep-alive connections are not closed after five requests", "[e2e][http]") {
  nanosim::testkit::ScopedServer server;
  const int fd = nanosim::e2e::connect_loopback(server.port());
  REQUIRE(fd >= 0);
  std::string buffer;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(nanosim::e2e::send_all(fd, "GET /__nanosim/health HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto answer = nanosim::e2e::read_answer(fd, 5s, buffer);
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(answer->head.find("Connection: close") == std::string::npos);
  }
  ::close(fd);
}

TEST_CASE("Pipelined requests on one connection are answered in order", "[e2e][http]") {
  nanosim::testkit::ScopedServer server;
  const int fd = nanosim::e2e::connect_loopback(server.port());
  REQUIRE(fd >= 0);
  std::string requests;
  for (int i = 0; i < 5; ++i) requests += "GET /__nanosim/clock HTTP/1.1\r\nHost: x\r\n\r\n";
  requests += "GET /__nanosim/nothing HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(nanosim::e2e::send_all(fd, requests));
  std::string buffer;
  for (int i = 0; i < 5; ++i) {
    const auto answer = nanosim::e2e::read_answer(fd, 5s, buffer);
    REQUIRE(answer);
    CHECK(answer->status == 200);
  }
  const auto last = nanosim::e2e::read_answer(fd, 5s, buffer);
  REQUIRE(last);
  CHECK(last->status == 404);
  ::close(fd);
}
