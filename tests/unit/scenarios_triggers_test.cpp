// Scenario triggers on RE2 patterns (prompt, path, header, body), methods, the X-Nanosim-Scenario refusal and the
// size and depth checks of scenario documents. Hostile inputs here crashed or stalled the simulator once (issue 10):
// long prompts under a repeating pattern, backtracking patterns, documents nested 100,000 deep.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string base = "/odirouter/v1/queue/nano_banana_2";

Scenario one_rule(const json& when, const json& effect) {
  return parse_scenario({{"name", "t"}, {"rules", {{{"name", "r"}, {"when", when}, {"effect", effect}}}}});
}

Options with(Scenario scenario) {
  Options options = deterministic_options();
  options.scenarios.push_back(std::move(scenario));
  return options;
}

const json marker = {{"latency", {{"ms", 0}}}};  // fires visibly (a journal note) and changes nothing

bool fired(ScopedSimulator& sim) {
  const auto entries = sim.simulator().journal().entries();
  for (const std::string& note : entries.back().notes) {
    if (note == "scenario t rule r: latency 0 ms") return true;
  }
  return false;
}

std::string deep_json(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

using Face = nanosim::testkit::ProviderModel;
const std::vector<Face>& faces = nanosim::testkit::provider_models();

/// The first journal entry of a submit of `prompt` through the reference client.
JournalEntry first_exchange(Options options, const Face& face, const std::string& prompt) {
  ScopedSimulator sim(std::move(options));
  auto client = sim.client(face.provider);
  (void)client.submit(client::GenerateRequest().with_model(face.model).with_prompt(prompt));
  const auto entries = sim.simulator().journal().entries();
  REQUIRE_FALSE(entries.empty());
  return entries.front();
}

}  // namespace

TEST_CASE("A repeating prompt pattern on a prompt of 40 thousand characters matches on every provider and the provider answers as usual",
          "[unit][scenarios]") {
  const std::string pattern = GENERATE(as<std::string>{}, ".*", "[a-z ]+", "^(a cat )+$");
  std::string prompt;
  while (prompt.size() < 40'000) prompt += "a cat ";
  for (const Face& face : faces) {
    INFO(face.provider << " " << pattern);
    const JournalEntry plain = first_exchange(deterministic_options(), face, prompt);
    const JournalEntry matched = first_exchange(with(one_rule({{"prompt_matches", pattern}}, marker)), face, prompt);
    CHECK(matched.notes == std::vector<std::string>{"scenario t rule r: latency 0 ms"});
    CHECK(matched.status == plain.status);  // the provider's own answer (its length check, or its result)
    CHECK(matched.response_body == plain.response_body);
  }
}

TEST_CASE("A backtracking pattern runs with RE2's semantics", "[unit][scenarios]") {
  ScopedSimulator sim(with(one_rule({{"prompt_matches", "(a+)+$"}}, marker)));
  sim.handle(json_request("POST", base, {{"prompt", std::string(26, 'a') + "!"}}));
  CHECK_FALSE(fired(sim));  // the classic catastrophic case: no match, found without backtracking
  sim.handle(json_request("POST", base, {{"prompt", std::string(27, 'a')}}));
  CHECK(fired(sim));
  sim.handle(json_request("POST", base, {{"prompt", "x" + std::string(26, 'a')}}));
  CHECK(fired(sim));  // searched anywhere, anchored at the end by $
}

TEST_CASE("A pattern is refused at load with the field named and RE2 syntax only", "[unit][scenarios]") {
  const auto refused = [](const json& when) { return scenario_refusal({{"name", "x"}, {"rules", {{{"name", "p"}, {"when", when}, {"effect", marker}}}}}); };
  CHECK(refused({{"prompt_matches", "("}}).find("rules[0] (p).when.prompt_matches: is not a valid pattern (") != std::string::npos);
  CHECK(refused({{"path", "a(?=b)"}}).find("rules[0] (p).when.path: is not a valid pattern") != std::string::npos);  // no lookahead in RE2
  CHECK(refused({{"header", {{"name", "X-A"}, {"matches", "\\1"}}}}).find("when.header.matches: is not a valid pattern") != std::string::npos);
  CHECK(refused({{"body", json::array({{{"pointer", "/a"}, {"equals", 1}}, {{"pointer", "/b"}, {"matches", "["}}})}})
            .find("when.body[1].matches: is not a valid pattern") != std::string::npos);
  CHECK(refused({{"body", {{"pointer", "a"}, {"equals", 1}}}}).find("when.body.pointer: is not a JSON pointer") != std::string::npos);
  CHECK(refused({{"method", "get"}}).find("rules[0] (p).when.method") != std::string::npos);
  CHECK(refused({{"prompt_matches", "a{1000}{1000}"}}).find("is not a valid pattern") != std::string::npos);  // too big
}

TEST_CASE("Method and path and header and body triggers each must match", "[unit][scenarios]") {
  ScopedSimulator sim(with(one_rule({{"method", json::array({"POST", "PUT"})},
                                     {"path", "/queue/nano_banana_[0-9]$"},
                                     {"header", json::array({{{"name", "X-Tenant"}, {"matches", "^blue"}}})},
                                     {"body", json::array({{{"pointer", "/num_images"}, {"equals", 2}},
                                                           {{"pointer", "/prompt"}, {"matches", "(?i)CAT"}}})}},
                                    marker)));
  const auto send = [&](const std::string& method, const std::string& path, const json& body,
                        std::optional<std::string> tenant) {
    HttpRequest r = json_request(method, path, body);
    if (tenant) r.headers.emplace("X-Tenant", *tenant);
    sim.handle(r);
    return fired(sim);
  };
  const json good = {{"prompt", "A Cat"}, {"num_images", 2}};
  CHECK(send("POST", base, good, "blue-team"));
  CHECK_FALSE(send("POST", base, good, std::nullopt));         // absent header: no match
  CHECK_FALSE(send("POST", base, good, "red-team"));
  CHECK_FALSE(send("POST", base, {{"prompt", "A Cat"}, {"num_images", 1}}, "blue-team"));
  CHECK_FALSE(send("POST", base, {{"prompt", "A dog"}, {"num_images", 2}}, "blue-team"));
  CHECK_FALSE(send("POST", base, {{"prompt", "A Cat"}}, "blue-team"));  // no value at the pointer
  CHECK_FALSE(send("GET", base, good, "blue-team"));
  CHECK_FALSE(send("POST", base + "/requests/x/status", good, "blue-team"));
}

TEST_CASE("A body trigger sees a multipart form's plain fields", "[unit][scenarios]") {
  ScopedSimulator sim(with(one_rule({{"body", {{"pointer", "/prompt"}, {"matches", "^fox$"}}}}, marker)));
  HttpRequest r = request("POST", "/toapis/v1/images/edits");
  r.form = {FormPart{"prompt", "", "", "fox"}, FormPart{"model", "", "", "nano-banana-2"}};
  sim.handle(r);
  CHECK(fired(sim));
}

TEST_CASE("X-Nanosim-Scenario naming an unknown scenario is refused and changes nothing", "[unit][scenarios]") {
  Options options = deterministic_options();
  options.scenarios.push_back(one_rule(json::object(), {{"credits", {{"balance", 0}}}}));
  ScopedSimulator sim(std::move(options));
  HttpRequest r = json_request("POST", base, {{"prompt", "A cat"}});
  r.headers.emplace("X-Nanosim-Scenario", "model-overloaded, flaky-5xx-typo");
  const HttpResponse refused = sim.handle(r);
  CHECK(refused.status == 400);
  const json error = body_json(refused).at("error");
  CHECK(error.at("code") == "unknown_scenario");
  CHECK(error.at("header") == "X-Nanosim-Scenario");
  CHECK(error.at("unknown") == json::array({"flaky-5xx-typo"}));
  CHECK(error.at("message").get<std::string>().find("X-Nanosim-Scenario: no scenario named flaky-5xx-typo") == 0);
  const auto known = error.at("known").get<std::vector<std::string>>();
  CHECK(std::find(known.begin(), known.end(), "model-overloaded") != known.end());
  CHECK(std::find(known.begin(), known.end(), "t") != known.end());  // installed ones too
  CHECK(sim.simulator().jobs().empty());
  CHECK(sim.simulator().journal().entries().back().notes.size() == 1);  // the refusal only: no rule counted
  r.headers.clear();
  r.headers.emplace("Authorization", "Bearer test-key");
  r.headers.emplace("X-Nanosim-Scenario", "model-overloaded");
  CHECK(sim.handle(r).status == 503);  // the first of the entry's two: the refused request was not counted
}

TEST_CASE("A scenario document nested a hundred thousand levels deep is refused before any recursive code sees it", "[unit][scenarios]") {
  const std::string deep = "{\"name\":\"x\",\"rules\":" + deep_json(100'000) + "}";
  CHECK_THROWS_WITH(parse_scenario_text(deep), Catch::Contains("must nest at most 32 levels deep"));
  json value = json::array();  // (in memory a JSON this deep cannot even be copied: 1,000 levels here)
  for (int i = 0; i < 1000; ++i) value = json::array({std::move(value)});
  CHECK_THROWS_WITH(parse_scenario({{"name", "x"}, {"rules", value}}), Catch::Contains("must nest at most 32 levels deep"));
  CHECK_THROWS_WITH(parse_scenario_text(std::string(max_scenario_bytes + 1, ' ')), Catch::Contains("must be at most"));

  const std::string path = "scenarios_triggers_test_deep.json";
  { std::ofstream(path) << deep; }
  CHECK_THROWS_WITH(load_scenario(path), Catch::Contains("must nest at most"));
  std::remove(path.c_str());

  ScopedSimulator sim;
  HttpRequest post = with_target(request("POST", "/", ""), "/__nanosim/scenarios");
  post.body = deep;
  const HttpResponse refused = sim.handle(post);
  CHECK(refused.status == 400);
  CHECK(body_json(refused).at("error").at("message").get<std::string>().find("levels deep") != std::string::npos);
  CHECK(sim.simulator().scenarios().empty());
}

TEST_CASE("A provider body nested a hundred thousand levels deep under a body trigger gets the provider's answer", "[unit][scenarios]") {
  ScopedSimulator sim(with(one_rule({{"body", {{"pointer", "/prompt"}, {"equals", "x"}}}}, marker)));
  HttpRequest r = request("POST", base);
  r.headers.emplace("Content-Type", "application/json");
  r.body = "{\"prompt\":" + deep_json(100'000) + "}";
  const HttpResponse answer = sim.handle(r);
  CHECK(answer.status == 422);  // odirouter's validation error (fal's 422), not a crash
  CHECK(answer.body.find("levels deep") != std::string::npos);
  CHECK_FALSE(fired(sim));
}
