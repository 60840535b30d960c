// Effects respond and patch_response: answers made by hand and edits of the provider's own answer (task, synchronous
// and file answers), with the templates they fill from the request. In process; the test kit's contract check skips
// answers a scenario made or edited on purpose.
#include <catch2/catch.hpp>

#include "nanosim/images.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "nanosim/verify.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string base = "/odirouter/v1/queue/nano_banana_2";
const std::string crazy = "/crazyrouter/v1/images/generations";

json drift_document(const std::vector<json>& list) { return {{"name", "drift"}, {"rules", list}}; }
Scenario rules(const std::vector<json>& list) { return parse_scenario(drift_document(list)); }
std::string refusal(const std::vector<json>& list) { return scenario_refusal(drift_document(list)); }
json rule(const json& when, const json& effect, const std::string& name = "r") {
  return {{"name", name}, {"when", when.is_null() ? json::object() : when}, {"effect", effect}};
}

ScopedSimulator with(const std::vector<json>& list) {
  Options options = deterministic_options();
  options.scenarios.push_back(rules(list));
  return ScopedSimulator(std::move(options));
}

HttpResponse submit(ScopedSimulator& sim, const std::string& prompt = "A cat") {
  return sim.handle(json_request("POST", base, {{"prompt", prompt}}));
}

std::string request_id(const HttpResponse& submitted) { return body_json(submitted).at("request_id").get<std::string>(); }

std::vector<std::string> last_notes(ScopedSimulator& sim) { return sim.simulator().journal().entries().back().notes; }

bool any_note(ScopedSimulator& sim, const std::string& text) {
  for (const std::string& note : last_notes(sim)) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("respond answers exactly what it says and the adapter does not run", "[unit][scenarios]") {
  auto sim = with({rule({{"operation", "submit"}},
                        {{"respond", {{"status", 418}, {"headers", {{"X-Teapot", "yes"}}}, {"body", "short and stout"}}}})});
  const HttpResponse answer = submit(sim);
  CHECK(answer.status == 418);
  CHECK(answer.body == "short and stout");
  CHECK(answer.header("X-Teapot") == "yes");
  CHECK(answer.content_type() == "text/plain; charset=utf-8");
  CHECK(sim.simulator().jobs().empty());  // no job: the adapter never ran
  CHECK(last_notes(sim) == std::vector<std::string>{"scenario drift rule r: respond HTTP 418 (15 bytes)"});
}

TEST_CASE("respond fills placeholders from the request in the body and body_json and headers", "[unit][scenarios]") {
  const json body_json_doc = {{"id", "{{job_id}}"},
                              {"model", "{{model}}"},
                              {"who", "{{provider}} {{operation}} {{method}} {{path}}"},
                              {"trace", "{{header.X-Trace}}"},
                              {"ask", "{{body./prompt}}"},
                              {"missing", "[{{body./nope}}]"},
                              {"at", "{{now_s}}"},
                              {"literal", "{{open}}x}}"},
                              {"n", 7}};
  auto sim = with({rule({{"operation", "status"}},
                        {{"respond", {{"status", 200}, {"headers", {{"X-Job", "job-{{job_id}}"}}}, {"body_json", body_json_doc}}}}),
                   rule({{"operation", "submit"}}, {{"respond", {{"status", 202}, {"body", "{{body./prompt}} by {{api_key}}"}}}},
                        "s")});
  sim.advance(Millis{5000});
  HttpRequest status = request("GET", base + "/requests/abc-123/status");
  status.headers.emplace("X-Trace", "t-9");
  const HttpResponse answer = sim.handle(status);
  REQUIRE(answer.status == 200);
  CHECK(answer.content_type() == "application/json");
  CHECK(answer.header("X-Job") == "job-abc-123");
  const json body = body_json(answer);
  CHECK(body.at("id") == "abc-123");
  CHECK(body.at("model") == "nano_banana_2");
  CHECK(body.at("who") == "odirouter status GET " + base + "/requests/abc-123/status");
  CHECK(body.at("trace") == "t-9");
  CHECK(body.at("ask") == "");  // a GET has no body
  CHECK(body.at("missing") == "[]");
  CHECK(body.at("at") == "5");
  CHECK(body.at("literal") == "{{x}}");
  CHECK(body.at("n") == 7);
  const HttpResponse made = submit(sim, "A red fox");
  CHECK(made.status == 202);
  CHECK(made.body == "A red fox by test-key");
}

TEST_CASE("An unknown or unclosed placeholder and a bad pointer are refused at load naming the field", "[unit][scenarios]") {
  CHECK(refusal({rule({}, {{"respond", {{"status", 200}, {"body", "{{jobid}}"}}}})})
            .find("rules[0] (r).effect.respond.body: placeholder {{jobid}} is not a known placeholder") != std::string::npos);
  CHECK(refusal({rule({}, {{"respond", {{"status", 200}, {"body_json", {{"a", {"{{open"}}}}}}})})
            .find("effect.respond.body_json.a[0]: has a {{ without a closing }}") != std::string::npos);
  CHECK(refusal({rule({}, {{"respond", {{"status", 200}, {"body", "a"}, {"body_json", 1}}}})})
            .find("at most one of body, body_json and body_base64") != std::string::npos);
  CHECK(refusal({rule({}, {{"patch_response", {{"remove", {"a/b"}}}}})})
            .find("effect.patch_response.remove[0]: is not a JSON pointer") != std::string::npos);
  CHECK(refusal({rule({}, {{"patch_response", {{"set", {{"/x", "{{header.}}"}}}}}})})
            .find("effect.patch_response.set./x: placeholder {{header.}}") != std::string::npos);
  CHECK(refusal({rule({}, {{"patch_response", {{"headers", {{"X-A", "a\r\nX-B: b"}}}}}})})
            .find("effect.patch_response.headers.X-A: must not contain CR or LF") != std::string::npos);
  CHECK(refusal({rule({}, {{"respond", {{"status", 200}, {"body_base64", "%%%"}}}})})
            .find("effect.respond.body_base64: is not valid base64") != std::string::npos);
  CHECK(refusal({rule({}, {{"respond", {{"status", 99}}}})}).find("effect.respond.status") != std::string::npos);
  CHECK(refusal({rule({}, {{"patch_response", json::object()}})}).find("effect.patch_response") != std::string::npos);
}

TEST_CASE("patch_response renames a field by move or by remove and set", "[unit][scenarios]") {
  const json how = GENERATE(json{{"move", {{"/request_id", "/requestId"}}}},
                            json{{"remove", {"/request_id"}}, {"set", {{"/requestId", "renamed"}}}});
  auto sim = with({rule({{"operation", "submit"}}, {{"patch_response", how}})});
  const HttpResponse answer = submit(sim);
  REQUIRE(answer.status == 200);
  const json body = body_json(answer);
  CHECK_FALSE(body.contains("request_id"));
  CHECK(body.contains("requestId"));
  if (how.contains("move")) CHECK(body.at("requestId") == sim.simulator().jobs().at(0).id);
  CHECK(any_note(sim, "scenario drift rule r: patch_response "));
}

TEST_CASE("patch_response drops a required field and puts a status word outside the contract", "[unit][scenarios]") {
  auto sim = with({rule({{"operation", "status"}, {"nth", 1}}, {{"patch_response", {{"remove", {"/status"}}}}}),
                   rule({{"operation", "status"}, {"nth", 2}}, {{"patch_response", {{"set", {{"/status", "WAITING"}}}}}}, "word")});
  const std::string id = request_id(submit(sim));
  const HttpResponse dropped = sim.handle(request("GET", base + "/requests/" + id + "/status"));
  CHECK_FALSE(body_json(dropped).contains("status"));
  CHECK(any_note(sim, "removed /status"));
  const HttpResponse word = sim.handle(request("GET", base + "/requests/" + id + "/status"));
  CHECK(body_json(word).at("status") == "WAITING");
  CHECK(any_note(sim, "set /status"));
  const HttpResponse plain = sim.handle(request("GET", base + "/requests/" + id + "/status"));
  CHECK(body_json(plain).at("status") == "IN_QUEUE");  // each rule fired once
}

TEST_CASE("patch_response gives a wrong id format and an enum value outside the contract", "[unit][scenarios]") {
  auto sim = with({rule({{"operation", "submit"}},
                        {{"patch_response", {{"set", {{"/request_id", "12345"}, {"/status", "QUEUED_LATER"}}}}}})});
  const json body = body_json(submit(sim));
  CHECK(body.at("request_id") == "12345");
  CHECK(body.at("status") == "QUEUED_LATER");
}

TEST_CASE("patch_response changes an error's HTTP status and removes its Retry-After", "[unit][scenarios]") {
  auto sim = with({rule({{"operation", "submit"}}, {{"error", {{"kind", "rate_limited"}, {"retry_after_s", 9}}}}),
                   rule({{"operation", "submit"}},
                        {{"patch_response", {{"status", 400}, {"headers", {{"Retry-After", nullptr}}}}}}, "drift")});
  const HttpResponse answer = submit(sim);
  CHECK(answer.status == 400);
  CHECK_FALSE(answer.header("Retry-After"));
  CHECK(body_json(answer).at("error").at("code") == "RATE_LIMIT_EXCEEDED");  // still odirouter's error body
  CHECK(any_note(sim, "patch_response status 429 -> 400, header Retry-After removed"));
  CHECK(sim.simulator().journal().entries().back().status == 400);
}

TEST_CASE("An error body in another provider shape by respond and by replacing the whole body", "[unit][scenarios]") {
  const json openai_error = {{"error", {{"message", "Rate limit reached"}, {"type", "requests"}, {"code", "rate_limit_exceeded"}}}};
  auto sim = with({rule({{"operation", "submit"}, {"nth", 1}}, {{"respond", {{"status", 429}, {"body_json", openai_error}}}}),
                   rule({{"operation", "status"}}, {{"patch_response", {{"status", 500}, {"set", {{"", openai_error}}}}}}, "whole")});
  const HttpResponse made = submit(sim);
  CHECK(made.status == 429);
  CHECK(body_json(made) == openai_error);
  const std::string id = request_id(submit(sim));
  const HttpResponse patched = sim.handle(request("GET", base + "/requests/" + id + "/status"));
  CHECK(patched.status == 500);
  CHECK(body_json(patched) == openai_error);
}

TEST_CASE("patch_response edits a synchronous answer", "[unit][scenarios]") {
  auto sim = with({rule({{"provider", "crazyrouter"}, {"operation", "images_generate"}},
                        {{"patch_response", {{"set", {{"/created", "yesterday"}, {"/data/0/revised_prompt", "{{body./prompt}}"}}},
                                             {"remove", {"/data/0/url"}}}}})});
  const HttpResponse answer =
      sim.handle(json_request("POST", crazy, {{"model", "nano-banana-2"}, {"prompt", "A red apple"}}));
  REQUIRE(answer.status == 200);
  const json body = body_json(answer);
  CHECK(body.at("created") == "yesterday");
  CHECK_FALSE(body.at("data").at(0).contains("url"));
  CHECK(body.at("data").at(0).at("revised_prompt") == "A red apple");
}

TEST_CASE("A result file with the wrong content type and a non-JSON body left whole", "[unit][scenarios]") {
  auto sim = with({rule({{"operation", "file"}},
                        {{"patch_response", {{"headers", {{"Content-Type", "text/html"}}}, {"set", {{"/x", 1}}}}}})});
  const HttpResponse generated =
      sim.handle(json_request("POST", crazy, {{"model", "nano-banana-2"}, {"prompt", "A red apple"}}));
  REQUIRE(generated.status == 200);
  const std::string url = body_json(generated).at("data").at(0).at("url").get<std::string>();
  const HttpResponse file = sim.handle(request("GET", path_of(url)));
  CHECK(file.status == 200);
  CHECK(file.content_type() == "text/html");
  CHECK(images::probe(file.body));  // the image itself is untouched
  CHECK(any_note(sim, "body edits not applied (the body is not JSON), header Content-Type: text/html"));
}

TEST_CASE("respond serves a file of other bytes given in base64", "[unit][scenarios]") {
  images::ImageSpec spec;  // other dimensions than the job's
  spec.width = 16;
  spec.height = 8;
  const std::string other = images::render(spec);
  auto sim = with({rule({{"operation", "file"}, {"method", "GET"}},
                        {{"respond", {{"status", 200}, {"headers", {{"Content-Type", "image/png"}}},
                                      {"body_base64", images::base64_encode(other)}}}})});
  const HttpResponse generated =
      sim.handle(json_request("POST", crazy, {{"model", "nano-banana-2"}, {"prompt", "A red apple"}}));
  const std::string url = body_json(generated).at("data").at(0).at("url").get<std::string>();
  const HttpResponse file = sim.handle(request("GET", path_of(url)));
  CHECK(file.status == 200);
  CHECK(file.body == other);
  CHECK(file.content_type() == "image/png");
}

TEST_CASE("An edit that cannot apply is noted and leaves the body while the rest still applies", "[unit][scenarios]") {
  auto sim = with({rule({{"operation", "submit"}},
                        {{"patch_response", {{"set", {{"/request_id/deeper", 1}, {"/status_url", "x"}, {"/queue_position", "{{open}}"}}},
                                             {"move", {{"/response_url", "/request_id/into"}}},
                                             {"remove", {"/absent"}}}}})});
  const HttpResponse submitted = submit(sim);
  const json body = body_json(submitted);
  CHECK(body.at("status_url") == "x");
  CHECK(body.at("queue_position") == "{{");
  CHECK(body.at("request_id").is_string());
  CHECK(body.at("response_url").is_string());  // the failed move lost nothing
  CHECK(any_note(sim, "move /response_url -> /request_id/into not applied ("));
  CHECK(any_note(sim, "remove /absent not applied (absent)"));
  CHECK(any_note(sim, "set /request_id/deeper not applied ("));
  const auto coverage = verify::coverage(sim.simulator().journal().entries());
  CHECK(coverage.effects.at("drift/r") == 1);  // still counted as an effect that fired
}
