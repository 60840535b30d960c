// Random scenario rules against random request sequences: every answer stays on contract (the test kit checks
// each one; injected wire faults excepted), nothing crashes, and the same seed replays byte for byte.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string base = "/odirouter/v1/queue/nano_banana_2";

rc::Gen<json> gen_trigger() {
  return rc::gen::map(rc::gen::tuple(rc::gen::inRange(0, 6), rc::gen::inRange(1, 5), rc::gen::inRange(0, 101)),
                      [](const std::tuple<int, int, int>& t) {
                        const auto [which, n, percent] = t;
                        static const char* ops[] = {"submit", "status", "result", "cancel", "file"};
                        json when = json::object();
                        if (which == 1) when["nth"] = n;
                        if (which == 2) when["every"] = n;
                        if (which == 3) when["after"] = n;
                        if (which == 4) when["probability"] = percent / 100.0;
                        if (which == 5) when["operation"] = ops[n % 5];
                        return when;
                      });
}

rc::Gen<json> gen_effect() {
  return rc::gen::map(rc::gen::tuple(rc::gen::inRange(0, 13), rc::gen::inRange(0, 5000)), [](const std::tuple<int, int>& t) {
    const auto [which, ms] = t;
    static const char* errors[] = {"rate_limited", "overloaded", "request_timeout", "internal_error", "@auth.invalid",
                                   "request_not_found"};
    static const char* faults[] = {"reset_before_response", "close_mid_body", "truncated_json", "malformed_json",
                                   "slow_body"};
    if (which < 4) return json{{"error", {{"kind", errors[(which + ms) % 6]}}}};
    if (which == 4) return json{{"rate_limit", {{"limit", ms % 4}, {"window_ms", 1 + ms}}}};
    if (which == 5) return json{{"latency", {{"min_ms", ms / 2}, {"max_ms", ms}}}};
    if (which < 8) return json{{"fault", {{"kind", faults[ms % 5]}}}};
    if (which == 8) return json{{"fate", {{"fail", ms % 2 ? "generation_failed" : "content_blocked"}, {"at_fraction", 0.3}}}};
    if (which == 9) return json{{"fate", {{"lose_after_ms", ms}}}};
    if (which == 10) return json{{"fate", {{"stall_ms", ms}, {"files_expire_after_ms", ms / 3}}}};
    if (which == 11) return json{{"background_jobs", {{"count", 1 + ms % 5}, {"run_ms", 1 + ms}}}};
    return json{{"credits", {{"balance", ms}}}};
  });
}

/// Steps: 0 submit, 1 status, 2 result, 3 cancel, 4 download, 5 advance time.
std::vector<std::string> run(const json& document, const std::vector<std::pair<int, int>>& steps) {
  Options options = deterministic_options(99);
  options.scenarios.push_back(parse_scenario(document));
  ScopedSimulator sim(std::move(options));
  std::vector<std::string> answers;
  std::vector<std::string> jobs;
  std::vector<std::string> files;
  for (const auto& [kind, value] : steps) {
    const std::string job = jobs.empty() ? "mmsu_unknown" : jobs[static_cast<std::size_t>(value) % jobs.size()];
    HttpResponse r;
    if (kind == 0) r = sim.handle(json_request("POST", base, {{"prompt", "prompt " + std::to_string(value)}}));
    if (kind == 1) r = sim.handle(request("GET", base + "/requests/" + job + "/status"));
    if (kind == 2) r = sim.handle(request("GET", base + "/requests/" + job + "/response"));
    if (kind == 3) r = sim.handle(request("PUT", base + "/requests/" + job + "/cancel"));
    if (kind == 4 && !files.empty()) r = sim.handle(request("GET", files[static_cast<std::size_t>(value) % files.size()], ""));
    if (kind == 5) sim.advance(Millis{value * 10});
    const json body = body_json(r);
    if (kind == 0 && r.status == 200 && body.is_object() && body.contains("request_id")) jobs.push_back(body.at("request_id"));
    if (kind == 2 && r.status == 200 && body.is_object() && body.contains("outputs")) {
      files.push_back(body.at("outputs").at(0).at("url").get<std::string>().substr(20));  // drop "http://nanosim.local"
    }
    answers.push_back(std::to_string(r.status) + " " + std::to_string(static_cast<int>(r.fault)) + " " + r.body.substr(0, 400));
  }
  for (const auto& entry : sim.simulator().journal().entries()) answers.push_back(entry.to_json().dump());
  return answers;
}

}  // namespace

TEST_CASE("Random scenarios never push an answer off contract, never crash, and replay byte for byte",
          "[property][scenarios]") {
  rc::prop("random rules and requests", [] {
    const auto triggers = *rc::gen::container<std::vector<json>>(3, gen_trigger());
    const auto effects = *rc::gen::container<std::vector<json>>(3, gen_effect());
    const auto rule_count = *rc::gen::inRange<std::size_t>(1, 4);
    json rules = json::array();
    for (std::size_t i = 0; i < rule_count; ++i) {
      rules.push_back({{"name", "r" + std::to_string(i)}, {"when", triggers[i]}, {"effect", effects[i]}});
    }
    const json document = {{"name", "random"}, {"rules", rules}};
    const auto steps = *rc::gen::container<std::vector<std::pair<int, int>>>(
        rc::gen::pair(rc::gen::inRange(0, 6), rc::gen::inRange(0, 800)));
    std::vector<std::string> first;
    try {
      first = run(document, steps);
    } catch (const ContractViolation& violation) {
      RC_FAIL(violation.message);
    }
    RC_ASSERT(first == run(document, steps));
  });
}

namespace {

/// The reference client through one catalog entry on one provider: every journal entry, as JSON.
std::vector<std::string> client_run(const std::string& scenario, const std::string& provider, const std::string& model,
                                    std::uint64_t seed, int count) {
  Options options = deterministic_options(seed);
  options.scenarios.push_back(load_scenario(scenario));
  ScopedSimulator sim(std::move(options));
  auto client = sim.client(provider);
  const auto result = client.generate(client::GenerateRequest().with_model(model).with_prompt("A pear").with_count(count),
                                      client::WaitOptions().with_deadline(std::chrono::seconds(60)));
  std::vector<std::string> out{result ? "ok " + std::to_string(result->images.size()) : client::to_string(result.error())};
  for (const auto& entry : sim.simulator().journal().entries()) out.push_back(entry.to_json().dump());
  return out;
}

}  // namespace

TEST_CASE("Any catalog entry on any provider with any seed stays on contract and replays byte for byte",
          "[property][scenarios]") {
  static const std::vector<std::pair<std::string, std::string>> faces{
      {"odirouter", "nano_banana_2"}, {"bananapro", "nano-banana"},
      {"toapis", "nano-banana-2"},    {"nanoseries", "NanoBanana2-1K"},
      {"gemini", "gemini-3.1-flash-image-preview"}, {"crazyrouter", "nano-banana-2"}};
  static const std::vector<std::string> catalog = scenario_catalog();
  rc::prop("catalog entry x provider x seed", [] {
    const std::string scenario = *rc::gen::elementOf(catalog);
    const auto face = *rc::gen::elementOf(faces);
    const auto seed = *rc::gen::inRange<std::uint64_t>(0, 1'000'000);
    const int count = *rc::gen::inRange(1, 5);
    std::vector<std::string> first;
    try {
      first = client_run(scenario, face.first, face.second, seed, count);
    } catch (const ContractViolation& violation) {
      RC_FAIL(violation.message);
    }
    RC_ASSERT(first == client_run(scenario, face.first, face.second, seed, count));
  });
}
