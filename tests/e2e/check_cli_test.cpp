// `nanosim check` against `nanosim serve` (every provider, every rule), its reports read by a standard JUnit
// parser, its usage errors; the validating proxy in front of a second `nanosim serve` (a clean run has no drift)
// and the replay of what it recorded.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "nanosim/testkit/testkit.hpp"

#include "e2e_http.hpp"
#include "junit.hpp"
#include "serve_process.hpp"

namespace {

namespace fs = std::filesystem;
using nanosim::e2e::junit_summary;
using nanosim::e2e::run_program;
using nanosim::e2e::send;
using nanosim::e2e::ServeProcess;
using nanosim::testkit::TempDir;
using nlohmann::json;

const char* const providers[] = {"bananapro", "crazyrouter", "gemini", "nanoseries", "odirouter", "toapis"};

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

}  // namespace

TEST_CASE("nanosim check passes every rule against nanosim serve for all six providers", "[e2e][check]") {
  ServeProcess serve({"--clock", "manual"});
  TempDir dir("check");
  for (const char* provider : providers) {
    INFO(provider);
    const fs::path junit = dir.path() / (std::string(provider) + ".xml");
    const fs::path report = dir.path() / (std::string(provider) + ".json");
    const auto run = run_program(std::string("check --provider ") + provider + " --base-url " + serve.base_url() + "/" +
                                 provider + " --junit " + junit.string() + " --json " + report.string());
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("FAIL") == std::string::npos);
    const json parsed = read_json(report);
    CHECK(parsed.at("passed") == true);
    const json& only = parsed.at("reports").at(0);
    CHECK(only.at("nanosim") == true);
    CHECK(only.at("failed") == 0);
    CHECK(only.at("skipped") == 0);
    const std::string summary = junit_summary(junit);
    std::istringstream lines(summary);
    std::size_t tests = 0, failures = 1, skipped = 1, cases = 0;
    lines >> tests >> failures >> skipped >> cases;
    CHECK(tests == only.at("rules").size());
    CHECK(cases == tests);
    CHECK(failures == 0);
    CHECK(skipped == 0);
    CHECK(summary.find("auth.missing passed") != std::string::npos);
    CHECK(summary.find("submit.answer passed") != std::string::npos);
  }
  // The check leaves nothing installed behind it.
  const auto scenarios = json::parse(send(serve.base_url(), "GET", "/__nanosim/scenarios").body);
  CHECK(scenarios.at("scenarios").empty());
}

TEST_CASE("nanosim check answers usage errors with exit status 2", "[e2e][check]") {
  CHECK(run_program("check").exit_code == 2);
  CHECK(run_program("check --provider odirouter").exit_code == 2);
  CHECK(run_program("check --provider nope --base-url http://127.0.0.1:1").exit_code == 2);
  CHECK(run_program("check --provider odirouter --base-url not-a-url").exit_code == 2);
  CHECK(run_program("check --provider odirouter --base-url http://127.0.0.1:1 --budget -1").exit_code == 2);
  CHECK(run_program("check --recorded /nonexistent-nanosim-recording").exit_code == 2);
}

TEST_CASE("The proxy in front of a second nanosim serve finds no drift and records what replays clean", "[e2e][check][proxy]") {
  // The upstream runs a fast real clock: the check, seeing a proxied provider, waits in real time.
  // It accepts one key only, as a live provider does, so a wrong key is refused for real.
  ServeProcess upstream({"--clock", "real", "--time-scale", "2000", "--api-key", "sk-proxy-test"});
  TempDir dir("proxy");
  std::vector<std::string> args{"--clock", "manual", "--record", dir.path().string()};
  for (const char* provider : providers) {
    args.push_back("--proxy");
    args.push_back(std::string(provider) + "=" + upstream.base_url() + "/" + provider);
  }
  ServeProcess proxy(args);
  const json health = json::parse(send(proxy.base_url(), "GET", "/__nanosim/health").body);
  CHECK(health.at("proxied").size() == 6);
  for (const char* provider : providers) {
    INFO(provider);
    const auto run = run_program(std::string("check --provider ") + provider + " --base-url " + proxy.base_url() + "/" +
                                 provider + " --api-key sk-proxy-test");
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("(nanosim)") == std::string::npos);
    CHECK(run.output.find("SKIP  submit.answer") == std::string::npos);  // loopback upstream: no budget limit
  }
  const json drift = json::parse(send(proxy.base_url(), "GET", "/__nanosim/drift").body);
  INFO(drift.dump(2));
  CHECK(drift.at("count") == 0);
  CHECK(drift.at("proxied").get<int>() > 30);
  const json coverage = json::parse(send(proxy.base_url(), "GET", "/__nanosim/verify/coverage").body);
  CHECK(coverage.at("drifted_exchanges") == 0);
  // The proxy forwarded: the upstream's journal has the exchanges, the proxy's simulator created no job.
  CHECK(json::parse(send(proxy.base_url(), "GET", "/__nanosim/jobs").body).at("jobs").empty());
  CHECK_FALSE(json::parse(send(upstream.base_url(), "GET", "/__nanosim/jobs").body).at("jobs").empty());

  // The recording: one directory per provider, no credential anywhere, and it replays clean.
  for (const char* provider : providers) {
    INFO(provider);
    REQUIRE(fs::exists(dir.path() / provider / "index.json"));
    for (const auto& file : fs::directory_iterator(dir.path() / provider)) {
      std::ifstream in(file.path());
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      CHECK(text.find("sk-proxy-test") == std::string::npos);
    }
  }
  const fs::path junit = dir.path() / "replay.xml";
  const auto replay = run_program("check --recorded " + dir.path().string() + " --junit " + junit.string());
  INFO(replay.output);
  CHECK(replay.exit_code == 0);
  std::istringstream summary(junit_summary(junit));
  std::size_t tests = 0, failures = 1;
  summary >> tests >> failures;
  CHECK(tests > 60);
  CHECK(failures == 0);
}
