// End to end: `nanosim serve --scenario` over real sockets, the journal naming the rule that fired, a rerun with
// the same seed giving the same answers, and a broken scenario refused at start-up.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "nanosim/client/client.hpp"
#include "e2e_http.hpp"
#include "serve_process.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

using e2e::send;

std::vector<std::string> run_rate_limited() {
  e2e::ServeProcess serve({"--clock", "manual", "--seed", "5", "--provider", "odirouter", "--scenario", "rate-limited"});
  std::vector<std::string> answers;
  for (int i = 0; i < 7; ++i) {
    const HttpResponse r = send(serve.base_url(), "POST", "/v1/queue/nano_banana_2", R"({"prompt":"A red apple"})");
    std::string body = r.body;  // the port differs between runs: take it out
    for (auto at = body.find(serve.base_url()); at != std::string::npos; at = body.find(serve.base_url())) {
      body.replace(at, serve.base_url().size(), "BASE");
    }
    answers.push_back(std::to_string(r.status) + " " + r.header("Retry-After").value_or("-") + " " + body);
  }
  const json journal = json::parse(send(serve.base_url(), "GET", "/__nanosim/journal").body);
  const json notes = journal.at("entries").at(5).at("notes");
  REQUIRE(notes.size() == 1);
  CHECK(notes.at(0).get<std::string>().rfind("scenario rate-limited rule window: rate limit 5 per 10000 ms", 0) == 0);
  return answers;
}

}  // namespace

TEST_CASE("serve --scenario rate-limited: the 6th request gets 429 with Retry-After and a rerun replays it", "[e2e][scenarios]") {
  const auto first = run_rate_limited();
  CHECK(first.at(4).rfind("200 - ", 0) == 0);
  CHECK(first.at(5).rfind("429 10 ", 0) == 0);
  CHECK(first == run_rate_limited());
}

TEST_CASE("serve refuses a broken scenario file, naming the rule and field", "[e2e][scenarios]") {
  const std::string path = "/tmp/nanosim-broken-scenario-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << R"({"name":"broken","rules":[{"name":"slow","effect":{"latency":{"ms":"soon"}}}]})";
  const e2e::ProgramRun run = e2e::run_program("serve --port 0 --scenario " + path);
  std::remove(path.c_str());
  CHECK(run.exit_code == 2);
  CHECK(run.output.find("rules[0] (slow).effect.latency.ms") != std::string::npos);
}
