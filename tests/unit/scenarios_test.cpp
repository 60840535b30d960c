// Scenario format, triggers, effects, admin API and verification checks, on odirouter in process.
#include <catch2/catch.hpp>

#include <optional>

#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "nanosim/verify.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string base = "/odirouter/v1/queue/nano_banana_2";

Scenario one_rule(const json& when, const json& effect, const std::string& name = "test") {
  const json trigger = when.is_null() ? json::object() : when;
  return parse_scenario({{"name", name}, {"rules", {{{"name", "r"}, {"when", trigger}, {"effect", effect}}}}});
}

ScopedSimulator with(Scenario scenario) {
  Options options = deterministic_options();
  options.scenarios.push_back(std::move(scenario));
  return ScopedSimulator(std::move(options));
}

HttpResponse submit(ScopedSimulator& sim, const std::string& key = "test-key", const std::string& prompt = "A cat") {
  return sim.handle(json_request("POST", base, {{"prompt", prompt}}, key));
}

std::string job_path(const HttpResponse& submitted, const std::string& suffix) {
  return base + "/requests/" + body_json(submitted).at("request_id").get<std::string>() + suffix;
}

}  // namespace

TEST_CASE("A broken scenario is refused with the field and the rule named", "[unit][scenarios]") {
  CHECK(scenario_refusal({{"name", "x"}}).find("rules") != std::string::npos);
  const json bad_effect = {{"name", "x"}, {"rules", {{{"name", "slow"}, {"effect", {{"latency", {{"ms", -5}}}}}}}}};
  CHECK(scenario_refusal(bad_effect).find("rules[0] (slow).effect.latency.ms") != std::string::npos);
  const json two_effects = {{"name", "x"}, {"rules", {{{"name", "a"}, {"effect", {{"latency", {{"ms", 1}}}, {"fault", {{"kind", "close_mid_body"}}}}}}}}};
  CHECK(scenario_refusal(two_effects).find("rules[0] (a).effect") != std::string::npos);
  const json bad_regex = {{"name", "x"}, {"rules", {{{"name", "p"}, {"when", {{"prompt_matches", "("}}}, {"effect", {{"latency", {{"ms", 1}}}}}}}}};
  CHECK(scenario_refusal(bad_regex).find("rules[0] (p).when.prompt_matches") != std::string::npos);
  CHECK_THROWS_AS(parse_scenario_text("{not json"), ScenarioError);
  CHECK_THROWS_AS(load_scenario("no-such-scenario"), ScenarioError);
  CHECK_THROWS_AS(load_scenario("/nonexistent/file.json"), ScenarioError);
}

TEST_CASE("nth, every, after and times count the requests the filters let through", "[unit][scenarios]") {
  auto sim = with(one_rule({{"operation", "submit"}, {"every", 2}, {"after", 2}, {"times", 2}},
                           {{"error", {{"kind", "overloaded"}}}}));
  std::vector<int> statuses;
  for (int i = 0; i < 9; ++i) {
    sim.handle(request("GET", base + "/requests/unknown/status"));  // not a submit: not counted
    statuses.push_back(submit(sim).status);
  }
  CHECK(statuses == std::vector<int>{200, 200, 200, 503, 200, 503, 200, 200, 200});
  const auto journal = sim.simulator().journal().entries();
  CHECK(journal.at(7).notes == std::vector<std::string>{"scenario test rule r: error overloaded (HTTP 503)"});
}

TEST_CASE("Provider, model, key, prompt and time window filters", "[unit][scenarios]") {
  auto sim = with(one_rule({{"provider", "odirouter"}, {"model", "nano_banana_2"}, {"api_key", "bad"},
                            {"prompt_matches", "forbidden|nsfw"}, {"from_ms", 1000}, {"until_ms", 5000}},
                           {{"error", {{"kind", "rate_limited"}, {"retry_after_s", 7}}}}));
  CHECK(submit(sim, "bad", "a forbidden fruit").status == 200);  // before the window
  sim.advance(Millis{1000});
  CHECK(submit(sim, "good", "a forbidden fruit").status == 200);
  CHECK(submit(sim, "bad", "an apple").status == 200);
  const HttpResponse limited = submit(sim, "bad", "a forbidden fruit");
  CHECK(limited.status == 429);
  CHECK(limited.header("Retry-After") == "7");
  sim.advance(Millis{4000});
  CHECK(submit(sim, "bad", "a forbidden fruit").status == 200);  // window over
}

TEST_CASE("A rate limit is a fixed window per key in simulated time", "[unit][scenarios]") {
  auto sim = with(one_rule({}, {{"rate_limit", {{"limit", 2}, {"window_ms", 10000}}}}));
  sim.advance(Millis{2500});
  CHECK(submit(sim, "a").status == 200);
  CHECK(submit(sim, "a").status == 200);
  CHECK(submit(sim, "b").status == 200);  // another key, its own window
  const HttpResponse refused = submit(sim, "a");
  CHECK(refused.status == 429);
  CHECK(refused.header("Retry-After") == "8");  // 7.5 s to the window's end, rounded up
  sim.advance(Millis{7500});
  // The window is over, but the client came back 0.5 s before the Retry-After it was given: the check says so.
  CHECK(submit(sim, "a").status == 200);
  CHECK_FALSE(verify::honoured_retry_after(sim.simulator().journal().entries()));
  sim.advance(Millis{10'000});
  CHECK(submit(sim, "b").status == 200);
  CHECK(submit(sim, "b").status == 200);
  const HttpResponse again = submit(sim, "b");
  REQUIRE(again.status == 429);
  sim.advance(Millis{std::stoll(again.header("Retry-After").value()) * 1000});
  CHECK(submit(sim, "b").status == 200);
  const auto journal = sim.simulator().journal().entries();
  CHECK(verify::honoured_retry_after({journal.end() - 4, journal.end()}));
}

TEST_CASE("A probability trigger replays the same requests for the same seed", "[unit][scenarios]") {
  const auto pattern = [](std::uint64_t seed) {
    Options options = deterministic_options(seed);
    options.scenarios.push_back(one_rule({{"probability", 0.3}}, {{"error", {{"kind", "internal_error"}}}}));
    ScopedSimulator sim(std::move(options));
    std::string out;
    for (int i = 0; i < 60; ++i) out += submit(sim).status == 500 ? 'x' : '.';
    return out;
  };
  const std::string first = pattern(7);
  CHECK(first == pattern(7));
  CHECK(first != pattern(8));
  const auto hits = std::count(first.begin(), first.end(), 'x');
  CHECK(hits > 5);
  CHECK(hits < 35);
}

TEST_CASE("Latency on a manual clock is simulated time that passes, never a sleep", "[unit][scenarios]") {
  auto sim = with(one_rule({}, {{"latency", {{"min_ms", 100}, {"max_ms", 200}}}}));
  const HttpResponse response = submit(sim);
  CHECK(response.delay_ms == 0);
  const auto entry = sim.simulator().journal().entries().at(0);
  CHECK(entry.at == Millis{0});
  CHECK(entry.latency >= Millis{100});
  CHECK(entry.latency <= Millis{200});
  CHECK(sim.now() == entry.latency);
  CHECK(entry.to_json().at("latency_ms") == entry.latency.count());
}

TEST_CASE("An answer delayed by latency carries the later timestamps, and replays the same", "[unit][scenarios]") {
  const auto created_at = [](std::optional<std::int64_t> latency_ms) {
    Options options = deterministic_options();
    if (latency_ms) options.scenarios.push_back(one_rule({}, {{"latency", {{"ms", *latency_ms}}}}));
    ScopedSimulator sim(std::move(options));
    const HttpResponse created = sim.handle(
        json_request("POST", "/toapis/v1/images/generations", {{"model", "nano-banana-2"}, {"prompt", "A cat"}}));
    REQUIRE(created.status == 200);
    return std::make_pair(body_json(created).at("created_at").get<std::int64_t>(), created.body);
  };
  const auto plain = created_at(std::nullopt);
  const auto late = created_at(5000);
  CHECK(late.first == plain.first + 5);  // created_at is in seconds
  CHECK(created_at(5000).second == late.second);
}

TEST_CASE("The client's clock sees scenario latency, so its deadline counts it", "[unit][scenarios]") {
  const auto run = [](bool slow) {
    Options options = deterministic_options();
    if (slow) options.scenarios.push_back(one_rule({{"operation", "status"}, {"nth", 1}}, {{"latency", {{"ms", 20000}}}}));
    ScopedSimulator sim(std::move(options));
    auto client = sim.client("odirouter");
    const auto result = client.generate(client::GenerateRequest().with_model("nano_banana_2").with_prompt("A cat"));
    REQUIRE(result);
    return sim.simulator().journal().entries();
  };
  const auto plain = run(false);
  const auto slow = run(true);
  REQUIRE(slow.size() >= 3);
  CHECK(slow.at(1).latency == Millis{20000});
  CHECK(slow.at(2).at >= slow.at(1).at + Millis{20000});  // the next request comes after the slow answer
  CHECK(slow.back().at > plain.back().at);  // the job finished during the slow answer, yet the run took longer
}

TEST_CASE("Job fates: a lost job answers 404, a stalled one waits", "[unit][scenarios]") {
  auto sim = with(one_rule({}, {{"fate", {{"lose_after_ms", 2000}, {"stall_ms", 60000}}}}));
  const HttpResponse submitted = submit(sim);
  sim.advance(Millis{1000});
  const HttpResponse queued = sim.handle(request("GET", job_path(submitted, "/status")));
  CHECK(body_json(queued).at("status") == "IN_QUEUE");
  sim.advance(Millis{1000});
  const HttpResponse lost = sim.handle(request("GET", job_path(submitted, "/status")));
  CHECK(lost.status == 404);
  CHECK(body_json(lost).at("detail") == "Request not found");
  CHECK(sim.simulator().journal().entries().at(0).notes.at(0).find("lost after 2000 ms") != std::string::npos);
}

TEST_CASE("Connection faults reach the client as transport and protocol errors", "[unit][scenarios]") {
  const std::string fault = GENERATE(as<std::string>{}, "reset_before_response", "close_mid_body", "truncated_json",
                                     "malformed_json");
  auto sim = with(one_rule({}, {{"fault", {{"kind", fault}}}}));
  auto client = sim.client("odirouter");
  const auto submitted = client.submit(client::GenerateRequest().with_model("nano_banana_2").with_prompt("A cat"));
  REQUIRE_FALSE(submitted);
  const bool wire = fault == "reset_before_response" || fault == "close_mid_body";
  CHECK(submitted.error().kind == (wire ? client::ErrorKind::transport : client::ErrorKind::protocol));
  CHECK(sim.simulator().journal().entries().at(0).fault == fault);
  CHECK(sim.simulator().jobs().size() == 1);  // the server did the work; the client never saw the answer
}

TEST_CASE("X-Nanosim-Scenario applies a catalog scenario to one request", "[unit][scenarios]") {
  ScopedSimulator sim;
  HttpRequest overloaded = json_request("POST", base, {{"prompt", "A cat"}});
  overloaded.headers.emplace("X-Nanosim-Scenario", "model-overloaded");
  CHECK(sim.handle(overloaded).status == 503);
  CHECK(submit(sim).status == 200);  // without the header: untouched
  CHECK(sim.handle(overloaded).status == 503);  // second of its two
  CHECK(sim.handle(overloaded).status == 200);
  overloaded.headers.emplace("x-nanosim-scenario", "no-such-one");
  CHECK(sim.handle(overloaded).status == 400);  // a misspelled name is refused, never ignored
  CHECK(sim.simulator().journal().entries().back().notes.front() == "X-Nanosim-Scenario refused: no scenario named no-such-one");
}

TEST_CASE("The admin API installs, lists and removes scenarios and runs checks", "[unit][scenarios]") {
  ScopedSimulator sim;
  const auto admin = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    HttpRequest r = with_target(request(method, "/", ""), target);
    r.body = body;
    return sim.handle(r);
  };
  const HttpResponse installed = admin("POST", "/__nanosim/scenarios", R"({"name":"model-overloaded"})");
  CHECK(installed.status == 201);
  const HttpResponse bad = admin("POST", "/__nanosim/scenarios", R"({"name":"x","rules":[{"name":"r","effect":{}}]})");
  CHECK(bad.status == 400);
  CHECK(body_json(bad).at("error").at("message").get<std::string>().find("rules[0] (r).effect") != std::string::npos);
  CHECK(body_json(admin("GET", "/__nanosim/scenarios")).at("scenarios").at(0).at("name") == "model-overloaded");
  CHECK(submit(sim).status == 503);
  CHECK(admin("DELETE", "/__nanosim/scenarios/model-overloaded").status == 200);
  CHECK(admin("DELETE", "/__nanosim/scenarios/model-overloaded").status == 404);
  CHECK(submit(sim).status == 200);
  // The refused submit created no job, so trying it again was no resubmit; a third identical submit is one.
  CHECK(body_json(admin("GET", "/__nanosim/verify?check=no_duplicate_submits")).at("passed") == true);
  CHECK(submit(sim).status == 200);
  CHECK(body_json(admin("GET", "/__nanosim/verify?check=no_duplicate_submits")).at("passed") == false);
  CHECK(body_json(admin("GET", "/__nanosim/verify?check=polled_no_faster_than")).at("passed") == false);
  CHECK(admin("GET", "/__nanosim/verify?check=nonsense").status == 400);
  const json coverage = body_json(admin("GET", "/__nanosim/verify/coverage"));
  CHECK(coverage.at("effects").at("model-overloaded/overloaded") == 1);
  CHECK(coverage.at("states").at("queued") == 2);  // two accepted submits
}

TEST_CASE("Verification checks catch a client that polls too fast and ignores Retry-After", "[unit][scenarios]") {
  auto sim = with(one_rule({{"operation", "status"}, {"nth", 2}}, {{"error", {{"kind", "rate_limited"}, {"retry_after_s", 5}}}}));
  const HttpResponse submitted = submit(sim);
  for (int i = 0; i < 4; ++i) {
    sim.handle(request("GET", job_path(submitted, "/status")));
    sim.advance(Millis{100});
  }
  const auto journal = sim.simulator().journal().entries();
  CHECK_FALSE(verify::honoured_retry_after(journal));
  const auto polls = verify::polled_no_faster_than(journal, Millis{500});
  CHECK_FALSE(polls);
  CHECK(polls.failures.size() == 3);  // four polls of one job, 100 ms apart
  CHECK(verify::polled_no_faster_than(journal, Millis{100}));
  CHECK_FALSE(verify::backed_off({}).failures.size());
  CHECK_FALSE(verify::cancelled_on_deadline(journal, Millis{200}));
}
