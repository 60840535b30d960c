// What `nanosim serve` prints while it serves (the access log, as text or JSON, or nothing with --quiet), what the
// journal keeps of headers, and how long it takes to stop with a synchronous call in flight.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "e2e_http.hpp"
#include "serve_process.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

constexpr const char* toapis_body =
    R"({"model":"gemini-3.1-flash-image-preview","prompt":"A lighthouse","size":"16:9"})";

/// A scenario file whose one rule refuses every toapis task poll with the provider's internal error.
std::string write_poll_scenario() {
  const std::string path = "/tmp/nanosim-log-scenario-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << R"({"name":"log-check","rules":[{"name":"poll-fails","when":{"operation":"get_task"},)"
                      << R"("effect":{"error":{"kind":["internal_error"]}}}]})";
  return path;
}

/// The lines printed after the listening line.
std::vector<std::string> lines_after_banner(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output.substr(output.find('\n', output.find("listening on")) + 1));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Submits a toapis task and polls it once (the poll meets the scenario's rule).
void submit_and_poll(const std::string& base_url) {
  const HttpResponse created = e2e::send(base_url, "POST", "/toapis/v1/images/generations", toapis_body, "sk-abcdef123456789");
  REQUIRE(created.status == 200);
  const std::string id = json::parse(created.body).at("id").get<std::string>();
  CHECK(e2e::send(base_url, "GET", "/toapis/v1/images/generations/" + id, {}, "sk-abcdef123456789").status == 500);
}

}  // namespace

TEST_CASE("serve logs one line per request with method, path, status, simulated and real time, provider and rule",
          "[e2e][logs]") {
  const std::string scenario = write_poll_scenario();
  e2e::ServeProcess serve({"--clock", "manual", "--provider", "toapis", "--scenario", scenario});
  std::remove(scenario.c_str());
  submit_and_poll(serve.base_url());
  REQUIRE(serve.stop() == 0);
  const std::vector<std::string> lines = lines_after_banner(serve.output());
  REQUIRE(lines.size() == 3);  // submit, poll, then the stopping line
  CHECK(lines[0].rfind("POST /toapis/v1/images/generations 200 sim=0+0ms real=", 0) == 0);
  CHECK(lines[0].find("provider=toapis op=") != std::string::npos);
  CHECK(lines[0].find("rule=") == std::string::npos);
  CHECK(lines[1].rfind("GET /toapis/v1/images/generations/", 0) == 0);
  CHECK(lines[1].find(" 500 sim=0+0ms real=") != std::string::npos);
  CHECK(lines[1].find("op=get_task rule=log-check/poll-fails") != std::string::npos);
  CHECK(lines[2] == "nanosim: stopping (SIGTERM)");
}

TEST_CASE("serve --log-format json prints every line as one JSON object, the access log included", "[e2e][logs]") {
  const std::string scenario = write_poll_scenario();
  e2e::ServeProcess serve({"--clock", "manual", "--provider", "toapis", "--scenario", scenario, "--log-format=json"});
  std::remove(scenario.c_str());
  submit_and_poll(serve.base_url());
  REQUIRE(serve.stop() == 0);
  std::vector<json> lines;
  std::istringstream in(serve.output());
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));  // throws if a line is not JSON
  REQUIRE(lines.size() >= 4);
  const json& listening = lines.at(lines.size() - 4);
  CHECK(listening.at("event") == "listening");
  CHECK(listening.at("message") == "nanosim listening on " + serve.base_url());
  const json& poll = lines.at(lines.size() - 2);
  CHECK(poll.at("event") == "request");
  CHECK(poll.at("method") == "GET");
  CHECK(poll.at("status") == 500);
  CHECK(poll.at("provider") == "toapis");
  CHECK(poll.at("operation") == "get_task");
  CHECK(poll.at("rules") == json::array({"log-check/poll-fails"}));
  CHECK(poll.at("sim_at_ms") == 0);
  CHECK(poll.at("real_ms").get<double>() >= 0);
  CHECK(lines.back().at("event") == "stopping");
}

TEST_CASE("serve --quiet prints no access log, only its startup and shutdown lines", "[e2e][logs]") {
  e2e::ServeProcess serve({"--clock", "manual", "--quiet"});
  CHECK(e2e::send(serve.base_url(), "POST", "/toapis/v1/images/generations", toapis_body).status == 200);
  REQUIRE(serve.stop() == 0);
  const std::vector<std::string> lines = lines_after_banner(serve.output());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "nanosim: stopping (SIGTERM)");
}

TEST_CASE("The journal keeps request and response headers, with the API key masked", "[e2e][logs]") {
  e2e::ServeProcess serve({"--clock", "manual", "--quiet"});
  const std::string key = "sk-abcdef123456789";
  CHECK(e2e::send(serve.base_url(), "POST", "/toapis/v1/images/generations", toapis_body, key).status == 200);
  CHECK(e2e::send(serve.base_url(), "POST", "/toapis/v1/images/generations", toapis_body, "short").status == 200);
  const json entries = json::parse(e2e::send(serve.base_url(), "GET", "/__nanosim/journal").body).at("entries");
  REQUIRE(entries.size() == 2);
  const json& submit = entries.at(0);
  CHECK(submit.at("request_headers").at("Authorization") == "Bearer sk-…6789");
  CHECK(submit.at("request_headers").at("Content-Type") == "application/json");
  CHECK(submit.at("response_headers").at("Content-Type").get<std::string>().rfind("application/json", 0) == 0);
  const std::string dumped = submit.dump();
  CHECK(submit.at("api_key") == "sk-…6789");  // masked everywhere unless --reveal-keys
  CHECK(dumped.find(key) == std::string::npos);
  CHECK(entries.at(1).at("request_headers").at("Authorization") == "Bearer …");
}

TEST_CASE("SIGTERM with a synchronous call in flight ends the program once the drain limit passes", "[e2e][logs]") {
  // At this time scale the call's job would take days of real time: only the drain limit can end the program.
  e2e::ServeProcess serve({"--provider", "crazyrouter", "--time-scale", "0.00001", "--drain-timeout", "0"});
  bool answered = true;  // set by the call's thread, read after join (Catch's assertions are for the main thread)
  std::thread call([&] {
    client::HttpTransport transport(serve.base_url());
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/images/generations";
    request.body = R"({"model":"nano-banana-2","prompt":"A lighthouse"})";
    request.headers.emplace("Authorization", "Bearer sk-x");
    request.headers.emplace("Content-Type", "application/json");
    answered = static_cast<bool>(transport.send(request));
  });
  bool in_flight = false;  // the job exists once the call is waiting for it
  for (int attempt = 0; attempt < 100'000 && !in_flight; ++attempt) {
    in_flight = !json::parse(e2e::send(serve.base_url(), "GET", "/__nanosim/jobs").body).at("jobs").empty();
  }
  const int stopped = serve.stop();
  call.join();  // before any REQUIRE can leave the test with the thread still running
  REQUIRE(in_flight);
  CHECK(stopped == 0);
  CHECK_FALSE(answered);  // the connection dropped: no answer
  const std::string output = serve.output();
  CHECK(output.find("nanosim: drain limit reached") != std::string::npos);
  CHECK(output.find("POST /v1/images/generations 503 ") != std::string::npos);
  CHECK(output.find("fault=shutdown") != std::string::npos);
}
