// A plain GET (no body, HTTP/1.1, plain header lines) is read and answered by the skin itself, not through
// cpp-httplib's Request and Response: the answer must be byte for byte the one cpp-httplib writes, and the simulator
// must see the same request. The same request with an Accept-Encoding of identity (which changes nothing else)
// takes cpp-httplib's path, on the same connection, and is the reference.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e_http.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "raw_socket.hpp"

namespace {

using namespace std::chrono_literals;
using nanosim::e2e::connect_loopback;
using nanosim::e2e::read_answer;
using nanosim::e2e::send_all;
using nlohmann::json;

struct Case {
  std::string name;
  std::string target;
  std::string headers;  // extra header lines, each ending in CRLF
};

std::string raw_answer(int fd, const std::string& request, std::string& buffer) {
  REQUIRE(send_all(fd, request));
  const auto answer = read_answer(fd, 5s, buffer);
  REQUIRE(answer);
  return answer->head + answer->body;
}

/// What the simulator saw of a journaled exchange, without the header that chose the path.
json seen(const nanosim::JournalEntry& entry) {
  json headers = json::object();
  for (const auto& [name, value] : entry.request_headers) {
    if (name != "Accept-Encoding") headers[name] = value;
  }
  return {{"method", entry.method}, {"path", entry.path}, {"query", entry.query}, {"headers", headers},
          {"status", entry.status}, {"operation", entry.operation}, {"job_id", entry.job_id},
          {"response_body", entry.response_body}};
}

}  // namespace

TEST_CASE("A plain GET is answered byte for byte as cpp-httplib answers it, from the same request", "[e2e][server]") {
  nanosim::testkit::ScopedServer server;
  const auto submitted = nanosim::e2e::send(server.base_url(), "POST", "/odirouter/v1/queue/nano_banana_2",
                                            R"({"prompt":"A red apple"})");
  REQUIRE(submitted.status == 200);
  const json job = json::parse(submitted.body);
  const std::string url = job.at("status_url").get<std::string>();
  const std::string status_path = url.substr(url.find('/', url.find("//") + 2));
  const std::string result_path = status_path.substr(0, status_path.rfind("/status")) + "/response";
  const std::string auth = "Authorization: Bearer YOUR_API_KEY\r\n";

  std::vector<Case> cases = {
      {"a queued job's status", status_path, auth},
      {"its result before the end", result_path, auth},
      {"an unknown job", "/odirouter/v1/queue/nano_banana_2/requests/no%20such/status", auth},
      {"no key", status_path, ""},
      {"a query, percent-encoded and with +", status_path + "?logs=1&x=a%41+b&y", auth},
      {"a header value percent-encoded, spaces around it", status_path, auth + "X-Trace:   a%41b  \r\n"},
      {"a repeated header", status_path, auth + "X-Trace: 1\r\nX-Trace: 2\r\nx-trace: 3\r\n"},
      {"Connection: keep-alive", status_path, auth + "Connection: keep-alive\r\n"},
      {"no provider", "/nope/v1/x", auth},
      {"gemini's model", "/gemini/v1beta/models/gemini-2.5-flash-image", "x-goog-api-key: YOUR_API_KEY\r\n"},
  };
  server.simulator().advance(std::chrono::minutes(5));
  const auto finished = nanosim::e2e::send(server.base_url(), "GET", result_path);
  REQUIRE(finished.status == 200);
  const std::string file_url = json::parse(finished.body).at("outputs").at(0).at("url").get<std::string>();
  cases.push_back({"the job's result", result_path, auth});
  cases.push_back({"its image file", file_url.substr(file_url.find('/', file_url.find("//") + 2)), ""});
  cases.push_back({"the job's status, Connection: close", status_path, auth + "Connection: close\r\n"});

  for (const Case& c : cases) {
    INFO(c.name << ": GET " << c.target);
    const int fd = connect_loopback(server.port());
    REQUIRE(fd >= 0);
    std::string buffer;
    const std::string request = "GET " + c.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + c.headers;
    const auto after = server.simulator().journal().entries().back().sequence;
    const std::string plain = raw_answer(fd, request + "\r\n", buffer);
    const bool closes = c.headers.find("Connection: close") != std::string::npos;
    const int reference_fd = closes ? connect_loopback(server.port()) : fd;
    std::string reference_buffer;
    const std::string reference =
        raw_answer(reference_fd, request + "Accept-Encoding: identity\r\n\r\n", reference_buffer);
    CHECK(plain == reference);
    const auto entries = server.simulator().journal().entries(after);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].request_headers.count("Accept-Encoding") == 0);
    CHECK(entries[1].request_headers.count("Accept-Encoding") == 1);
    json first = seen(entries[0]);
    json second = seen(entries[1]);
    if (closes) {  // two connections: two peer ports
      first["headers"].erase("REMOTE_PORT");
      second["headers"].erase("REMOTE_PORT");
    }
    CHECK(first == second);
    CHECK(first["headers"].contains("REMOTE_ADDR"));
    if (closes) CHECK(nanosim::e2e::closed_within(fd, 2s));
    ::close(fd);
    if (reference_fd != fd) ::close(reference_fd);
  }
}

TEST_CASE("Plain GETs sent together on one connection are answered in order", "[e2e][server]") {
  nanosim::testkit::ScopedServer server;
  const int fd = connect_loopback(server.port());
  REQUIRE(fd >= 0);
  std::string requests;
  for (const char* path : {"/nope/0", "/nope/a", "/nope/b"}) {
    requests += std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  REQUIRE(send_all(fd, requests));
  std::string buffer;
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    const auto answer = read_answer(fd, 5s, buffer);
    REQUIRE(answer);
    CHECK(answer->status == 404);
    bodies.push_back(answer->body);
  }
  CHECK(bodies[1].find("/nope/a") != std::string::npos);
  CHECK(bodies[2].find("/nope/b") != std::string::npos);
  ::close(fd);
}
