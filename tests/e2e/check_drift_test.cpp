// Drift, made by hand: nanosim is drifted one way at a time with the scenario effects respond and patch_response
// (a renamed field, a missing required field, a new status word, an enum value outside the contract, a changed HTTP
// status, a missing Retry-After, an error body in another provider's shape, a wrong content type, a wrong id
// format...), and `nanosim check` must fail on each, naming the rule, in its table and in its JUnit report (read
// by Python's standard XML parser). The same drifts of an upstream behind the validating proxy are reported by
// GET /__nanosim/drift.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "nanosim/testkit/testkit.hpp"

#include "e2e_http.hpp"
#include "junit.hpp"
#include "serve_process.hpp"

namespace {

namespace fs = std::filesystem;
using nanosim::e2e::junit_verdict;
using nanosim::e2e::run_program;
using nanosim::e2e::send;
using nanosim::e2e::ServeProcess;
using nlohmann::json;

struct Drift {
  const char* what;
  const char* provider;
  const char* rule;      // the check's rule that must fail
  const char* scenario;  // one scenario rule (when + effect)
  bool via_proxy;        // the proxy sees the drifted answer (not a file download, not a nanosim-only state)
};

const Drift drifts[] = {
    {"a new status word", "odirouter", "status.lifecycle",
     R"({"when":{"provider":"odirouter","operation":"status"},"effect":{"patch_response":{"set":{"/status":"WAITING"}}}})", true},
    {"a renamed field", "odirouter", "submit.answer",
     R"({"when":{"provider":"odirouter","operation":"submit"},"effect":{"patch_response":{"move":{"/request_id":"/requestId"}}}})", true},
    {"a missing Retry-After", "odirouter", "error.rate_limited",
     R"({"when":{"provider":"odirouter","api_key":"nanosim-check-error-rate_limited"},"effect":{"patch_response":{"headers":{"Retry-After":null}}}})", false},
    {"a changed HTTP status on a cancel", "odirouter", "cancel.cancelled",
     R"({"when":{"provider":"odirouter","operation":"cancel"},"effect":{"patch_response":{"status":200}}})", true},
    {"an error body in Gemini's shape", "bananapro", "route.unknown_id.status",
     R"({"when":{"provider":"bananapro","operation":"status"},"effect":{"respond":{"status":404,"body_json":{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}}}})", true},
    {"an enum value outside the contract", "bananapro", "status.lifecycle",
     R"({"when":{"provider":"bananapro","operation":"status"},"effect":{"patch_response":{"set":{"/data/status":"queued_up"}}}})", true},
    {"a changed HTTP status on an auth error", "toapis", "auth.missing",
     R"({"when":{"provider":"toapis","operation":"create_task"},"effect":{"patch_response":{"status":403}}})", true},
    {"a missing required field", "toapis", "submit.answer",
     R"({"when":{"provider":"toapis","operation":"create_task"},"effect":{"patch_response":{"remove":["/id"]}}})", true},
    {"a failed task's error in other words", "toapis", "failure.generation_failed",
     R"({"when":{"provider":"toapis","operation":"get_task","api_key":"nanosim-check-fails"},"effect":{"patch_response":{"set":{"/error/code":"boom"}}}})", false},
    {"a missing data array", "crazyrouter", "submit.answer",
     R"({"when":{"provider":"crazyrouter","operation":"images_generate"},"effect":{"patch_response":{"remove":["/data"]}}})", true},
    {"a result file with the wrong content type", "crazyrouter", "file.content",
     R"({"when":{"provider":"crazyrouter","operation":"file"},"effect":{"patch_response":{"headers":{"Content-Type":"image/webp"}}}})", false},
    {"a changed HTTP status on a rejected key", "gemini", "auth.invalid",
     R"({"when":{"provider":"gemini","api_key":"nanosim-check-invalid-key"},"effect":{"patch_response":{"status":401}}})", false},
    {"candidates renamed", "gemini", "submit.answer",
     R"({"when":{"provider":"gemini","operation":"generate_content"},"effect":{"patch_response":{"move":{"/candidates":"/results"}}}})", true},
    {"a wrong id format", "nanoseries", "submit.answer",
     R"({"when":{"provider":"nanoseries","operation":"create_task"},"effect":{"patch_response":{"set":{"/data/task_id":"abc123"}}}})", true},
    {"a status word outside the contract", "nanoseries", "status.lifecycle",
     R"({"when":{"provider":"nanoseries","operation":"get_task"},"effect":{"patch_response":{"set":{"/data/status":"finished"}}}})", true},
    {"a rate limit answered as 503", "nanoseries", "error.rate_limited",
     R"({"when":{"provider":"nanoseries","api_key":"nanosim-check-error-rate_limited"},"effect":{"patch_response":{"status":503}}})", false},
    {"a result file of other dimensions than the answer says", "odirouter", "file.content",
     R"({"when":{"provider":"odirouter","operation":"result"},"effect":{"patch_response":{"set":{"/outputs/0/width":999}}}})", false},
    {"an auth error in bananapro's shape", "crazyrouter", "auth.missing",
     R"({"when":{"provider":"crazyrouter","operation":"images_generate"},"effect":{"respond":{"status":401,"body_json":{"success":false,"error":{"code":"UNAUTHORIZED","message":"Missing API key"}}}}})", true},
};

/// The verdict of one testcase in a JUnit file, read with Python's standard XML parser.
void install(const std::string& base, const Drift& drift) {
  json rule = json::parse(drift.scenario);
  rule["name"] = "drift";
  const json scenario = {{"name", "drift"}, {"rules", json::array({rule})}};
  const auto answer = send(base, "POST", "/__nanosim/scenarios", scenario.dump());
  INFO(answer.body);
  REQUIRE(answer.status / 100 == 2);
}

void remove(const std::string& base) { REQUIRE(send(base, "DELETE", "/__nanosim/scenarios/drift").status == 200); }

}  // namespace

TEST_CASE("nanosim check fails on each of 18 drifts across the providers, naming the rule", "[e2e][check][drift]") {
  STATIC_REQUIRE(sizeof drifts / sizeof drifts[0] >= 15);
  ServeProcess serve({"--clock", "manual"});
  const nanosim::testkit::TempDir dir("drift");
  for (const Drift& drift : drifts) {
    INFO(drift.what << " on " << drift.provider << ": " << drift.rule);
    const std::string check = std::string("check --provider ") + drift.provider + " --base-url " + serve.base_url() + "/" +
                              drift.provider + " --only " + drift.rule;
    const fs::path junit = dir.path() / (std::string(drift.provider) + "-" + drift.rule + ".xml");
    // Without the drift the rule passes...
    const auto clean = run_program(check + " --junit " + junit.string());
    INFO(clean.output);
    REQUIRE(clean.exit_code == 0);
    CHECK(junit_verdict(junit, drift.rule) == "passed");
    // ...with it, it fails, and says where.
    install(serve.base_url(), drift);
    const auto drifted = run_program(check + " --junit " + junit.string());
    remove(serve.base_url());
    INFO(drifted.output);
    CHECK(drifted.exit_code == 1);
    CHECK(drifted.output.find(std::string("FAIL  ") + drift.rule) != std::string::npos);
    CHECK(drifted.output.find("broken:") != std::string::npos);
    CHECK(junit_verdict(junit, drift.rule) == "failed");
  }
}

TEST_CASE("The proxy reports each drift of its upstream in GET /__nanosim/drift", "[e2e][check][drift][proxy]") {
  ServeProcess upstream({"--clock", "real", "--time-scale", "2000"});
  std::vector<std::string> args{"--clock", "manual"};
  for (const char* provider : {"bananapro", "crazyrouter", "gemini", "nanoseries", "odirouter", "toapis"}) {
    args.push_back("--proxy");
    args.push_back(std::string(provider) + "=" + upstream.base_url() + "/" + provider);
  }
  ServeProcess proxy(args);
  std::size_t checked = 0;
  for (const Drift& drift : drifts) {
    if (!drift.via_proxy) continue;
    INFO(drift.what << " on " << drift.provider << ": " << drift.rule);
    const std::string drift_url = "/__nanosim/drift";
    const auto before = json::parse(send(proxy.base_url(), "GET", drift_url).body).at("count").get<std::size_t>();
    install(upstream.base_url(), drift);
    const auto run = run_program(std::string("check --provider ") + drift.provider + " --base-url " + proxy.base_url() +
                                 "/" + drift.provider + " --api-key sk-drift --only " + drift.rule);
    remove(upstream.base_url());
    INFO(run.output);
    CHECK(run.exit_code == 1);
    const json report = json::parse(send(proxy.base_url(), "GET", drift_url).body);
    INFO(report.dump(2));
    CHECK(report.at("count").get<std::size_t>() > before);
    const json& last = report.at("drift").back();
    CHECK(last.at("provider") == drift.provider);
    CHECK_FALSE(last.at("drift").at(0).at("contract_pointer").get<std::string>().empty());
    CHECK(last.at("drift").at(0).contains("provenance"));
    ++checked;
  }
  CHECK(checked >= 10);
  const json coverage = json::parse(send(proxy.base_url(), "GET", "/__nanosim/verify/coverage").body);
  CHECK(coverage.at("drifted_exchanges").get<int>() >= static_cast<int>(checked));
}
