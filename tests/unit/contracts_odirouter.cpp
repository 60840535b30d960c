// The odirouter contract: each documented rule yields the violation it should, defaults, error rendering,
// response validation, and the seed's own examples (fixtures/odirouter) as documented.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "nanosim/contracts/contract.hpp"

using namespace nanosim::contracts;

namespace {

const Contract& odirouter() { return get("odirouter"); }

/// The first violation of a nano_banana_2 submit body.
Violation first_violation(const json& body, std::string_view model = "nano_banana_2") {
  auto violations = odirouter().validate_request(odirouter().operation("submit"), body, model);
  REQUIRE_FALSE(violations.empty());
  return violations.front();
}

json with_prompt(json body) {
  body["prompt"] = "A red apple";
  return body;
}

json read_fixture(const std::string& name) {
  std::ifstream file(std::string(NANOSIM_FIXTURES_DIR) + "/odirouter/" + name);
  REQUIRE(file);
  std::stringstream text;
  text << file.rdbuf();
  json document = json::parse(text.str(), nullptr, false);
  REQUIRE_FALSE(document.is_discarded());
  return document;
}

nanosim::HttpResponse response_of(int status, const std::string& body) {
  nanosim::HttpResponse response;
  response.status = status;
  response.body = body;
  return response;
}

}  // namespace

TEST_CASE("odirouter: a minimal nano_banana_2 request is accepted", "[unit][contracts]") {
  CHECK(odirouter().validate_request(odirouter().operation("submit"), json{{"prompt", "x"}}, "nano_banana_2").empty());
}

TEST_CASE("odirouter: each nano_banana_2 rule names its field and rule", "[unit][contracts]") {
  struct Case {
    json body;
    std::string field, rule, message;
  };
  const std::vector<Case> cases{
      {json::object(), "prompt", "required", "prompt: is required"},
      {json{{"prompt", ""}}, "prompt", "minLength", "prompt: must be at least 1 character (got 0)"},
      {json{{"prompt", std::string(2501, 'a')}}, "prompt", "maxLength", "prompt: must be at most 2500 characters (got 2501)"},
      {json{{"prompt", 7}}, "prompt", "type", "prompt: must be a string (got integer)"},
      {with_prompt({{"image_urls", {"https://a/1", "https://a/2", "https://a/3", "https://a/4"}}}), "image_urls", "maxItems",
       "image_urls: must have at most 3 items (got 4)"},
      {with_prompt({{"image_urls", {"https://a/1", "ftp://a/2"}}}), "image_urls[1]", "pattern",
       "image_urls[1]: must be an http(s) URL or a data:image/...;base64, URI (got \"ftp://a/2\")"},
      {with_prompt({{"image_urls", "https://a/1"}}), "image_urls", "type", "image_urls: must be an array (got string)"},
      {with_prompt({{"aspect_ratio", "7:5"}}), "aspect_ratio", "enum",
       "aspect_ratio: must be one of 1:8, 1:4, 1:1, 2:3, 3:2, 3:4, 4:1, 4:3, 4:5, 5:4, 8:1, 9:16, 16:9, 21:9 (got \"7:5\")"},
      {with_prompt({{"image_size", "1k"}}), "image_size", "enum", "image_size: must be one of 512, 1K, 2K, 4K (got \"1k\")"},
      {with_prompt({{"image_size", 512}}), "image_size", "type", "image_size: must be a string (got integer)"},
      {with_prompt({{"resolution", "512"}}), "resolution", "enum", "resolution: must be one of 0.5K, 1K, 2K, 4K (got \"512\")"},
      {with_prompt({{"response_modalities", {"Text"}}}), "response_modalities", "contains",
       "response_modalities: must contain \"Image\""},
      {with_prompt({{"response_modalities", {"Image", "Image"}}}), "response_modalities", "uniqueItems",
       "response_modalities: must not contain duplicate items"},
      {with_prompt({{"response_modalities", {"Image", "Video"}}}), "response_modalities[1]", "enum",
       "response_modalities[1]: must be one of Text, Image (got \"Video\")"},
      {with_prompt({{"aspectRatio", "16:9"}}), "aspectRatio", "additionalProperties", "aspectRatio: is not a documented field"},
      {json::array({"prompt"}), "", "type", "body: must be an object (got array)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body.dump());
    const Violation v = first_violation(c.body);
    CHECK(v.field == c.field);
    CHECK(v.rule == c.rule);
    CHECK(v.message == c.message);
  }
}

TEST_CASE("odirouter: an empty response_modalities breaks both minItems and contains", "[unit][contracts]") {
  auto violations = odirouter().validate_request(odirouter().operation("submit"),
                                                 with_prompt({{"response_modalities", json::array()}}), "nano_banana_2");
  std::vector<std::string> rules;
  for (const auto& v : violations) rules.push_back(v.rule);
  CHECK_THAT(rules, Catch::UnorderedEquals(std::vector<std::string>{"contains", "minItems"}));
}

TEST_CASE("odirouter: nano_banana_pro takes 14 references, 10 aspect ratios and no 512 tier", "[unit][contracts]") {
  json refs = json::array();
  for (int i = 0; i < 14; ++i) refs.push_back("https://example.com/" + std::to_string(i) + ".png");
  CHECK(odirouter().validate_request(odirouter().operation("submit"), with_prompt({{"image_urls", refs}}), "nano_banana_pro").empty());
  refs.push_back("data:image/png;base64,AAAA");
  CHECK(first_violation(with_prompt({{"image_urls", refs}}), "nano_banana_pro").message ==
        "image_urls: must have at most 14 items (got 15)");
  CHECK(first_violation(with_prompt({{"aspect_ratio", "1:4"}}), "nano_banana_pro").rule == "enum");
  CHECK(first_violation(with_prompt({{"image_size", "512"}}), "nano_banana_pro").message ==
        "image_size: must be one of 1K, 2K, 4K (got \"512\")");
}

TEST_CASE("odirouter: defaults fill what the request leaves out, and only that", "[unit][contracts]") {
  json body = {{"prompt", "x"}, {"resolution", "4K"}};
  Contract::apply_defaults(*odirouter().model_request_schema("nano_banana_2"), body);
  CHECK(body == json{{"prompt", "x"}, {"resolution", "4K"}, {"aspect_ratio", "1:1"},
                     {"response_modalities", {"Text", "Image"}}});
  json not_an_object = json::array();
  Contract::apply_defaults(*odirouter().model_request_schema("nano_banana_2"), not_an_object);
  CHECK(not_an_object == json::array());
}

TEST_CASE("odirouter: errors render with their placeholders substituted", "[unit][contracts]") {
  auto invalid = odirouter().render_error("invalid_request", {{"message", "prompt: is required"}, {"field", "prompt"},
                                                              {"rule", "required"}, {"request_id", "req_1"}});
  CHECK(invalid.status == 422);
  CHECK(invalid.header("content-type") == "application/json");
  CHECK(json::parse(invalid.body) ==
        json::parse(R"({"error":{"code":"REQUEST_INVALID","message":"prompt: is required"},
                        "detail":[{"loc":["body","prompt"],"msg":"prompt: is required","type":"required"}],"request_id":"req_1"})"));

  auto limited = odirouter().render_error("rate_limited", {{"request_id", "req_2"}, {"retry_after_s", "7"}});
  CHECK(limited.status == 429);
  CHECK(limited.header("Retry-After") == "7");
  CHECK(json::parse(limited.body).at("error").at("code") == "RATE_LIMIT_EXCEEDED");

  CHECK(odirouter().render_error("app_not_found", {{"model", "flux"}}).body == R"({"detail":"App not found: flux"})");
  auto timeout = odirouter().render_error("request_timeout");
  CHECK(timeout.status == 504);
  CHECK(timeout.header("X-Fal-Error-Type") == "request_timeout");
  CHECK(odirouter().render_error("unauthorized").body.find("{request_id}") != std::string::npos);  // no value given
  CHECK_THROWS_AS(odirouter().render_error("no_such_kind"), std::out_of_range);
}

TEST_CASE("odirouter: every error kind has a status and renders to JSON", "[unit][contracts]") {
  for (const auto& [kind, entry] : odirouter().document().at("errors").items()) {
    CAPTURE(kind);
    auto response = odirouter().render_error(kind, {{"request_id", "r"}, {"model", "m"}, {"message", "m"},
                                                    {"field", "f"}, {"rule", "r"}, {"retry_after_s", "1"}});
    CHECK(response.status == entry.at("http_status"));
    CHECK_FALSE(json::parse(response.body, nullptr, false).is_discarded());
    CHECK(response.body.find('{' + std::string("request_id}")) == std::string::npos);
  }
}

TEST_CASE("odirouter: lifecycle and failure kinds are in the provider's words", "[unit][contracts]") {
  CHECK(odirouter().lifecycle("queued") == json{{"wire", "IN_QUEUE"}, {"http_status", 202},
                                               {"provenance", odirouter().lifecycle("queued").at("provenance")}});
  CHECK(odirouter().lifecycle("running").at("wire") == "IN_PROGRESS");
  CHECK(odirouter().lifecycle("failed").at("wire") == "COMPLETED");
  CHECK(odirouter().lifecycle("cancelled").at("http_status") == 200);
  CHECK_THROWS_AS(odirouter().lifecycle("paused"), std::out_of_range);
  CHECK(odirouter().failure_kind("generation_failed").at("wire") ==
        json{{"error_type", "INFERENCE_FAILURE"}, {"error", "Task execution failed"}});
  CHECK(odirouter().failure_kind("cancelled").at("wire").at("error_type") == "CANCELED");
}

TEST_CASE("odirouter: the seed's examples are accepted and valid as documented", "[unit][contracts]") {
  const json index = read_fixture("index.json");
  REQUIRE(index.at("fixtures").size() == 2);
  for (const auto& fixture : index.at("fixtures")) {
    CAPTURE(fixture.at("file"));
    const json body = read_fixture(fixture.at("file").get<std::string>());
    const Operation& op = odirouter().operation(fixture.at("operation").get<std::string>());
    if (fixture.at("kind") == "request") {
      auto route = odirouter().match(op.method, fixture.at("path").get<std::string>());
      REQUIRE(route);
      CHECK(route->operation == &op);
      CHECK(odirouter().validate_request(op, body, fixture.at("model").get<std::string>()).empty());
    } else {
      CHECK(odirouter().validate_response(op, response_of(fixture.at("http_status"), body.dump())).empty());
    }
  }
}

TEST_CASE("odirouter: status responses are checked per HTTP status", "[unit][contracts]") {
  const Operation& status = odirouter().operation("status");
  const std::string urls = R"("request_id":"r1","response_url":"https://h/r","status_url":"https://h/s","cancel_url":"https://h/c")";
  CHECK(odirouter().validate_response(status, response_of(202, R"({"status":"IN_QUEUE",)" + urls + R"(,"queue_position":3})")).empty());
  CHECK(odirouter().validate_response(status, response_of(202, R"({"status":"IN_PROGRESS",)" + urls + R"(,"logs":[]})")).empty());
  CHECK(odirouter().validate_response(status, response_of(200, R"({"status":"COMPLETED",)" + urls +
                                                                   R"(,"logs":null,"metrics":{"inference_time":1.5}})")).empty());
  CHECK(odirouter().validate_response(status, response_of(200, R"({"status":"COMPLETED",)" + urls +
                                                                   R"(,"logs":[],"error":"Task execution failed","error_type":"INFERENCE_FAILURE","extra":1})")).empty());
  auto missing = odirouter().validate_response(status, response_of(202, R"({"status":"IN_QUEUE",)" + urls + "}"));
  REQUIRE_FALSE(missing.empty());
  CHECK(missing.front().message == "queue_position: is required");
  CHECK_FALSE(odirouter().validate_response(status, response_of(200, R"({"status":"FAILED",)" + urls + R"(,"logs":[]})")).empty());
  CHECK(odirouter().validate_response(status, response_of(200, "not json")).front().rule == "json");
}

TEST_CASE("odirouter: error statuses fall back to the error catalog", "[unit][contracts]") {
  const Operation& result = odirouter().operation("result");
  CHECK(odirouter().validate_response(result, odirouter().render_error("runtime_failed")).empty());
  CHECK(odirouter().validate_response(result, odirouter().render_error("unauthorized", {{"request_id", "x"}})).empty());
  CHECK(odirouter().validate_response(result, response_of(404, R"({"detail":"Request not found"})")).empty());
  auto limited = response_of(429, odirouter().render_error("rate_limited", {{"request_id", "x"}}).body);
  CHECK(odirouter().validate_response(result, limited).front().message == "header Retry-After: is required");
  CHECK(odirouter().validate_response(result, response_of(500, R"({"detail":"boom"})")).front().field == "detail");
  CHECK(odirouter().validate_response(result, response_of(418, "{}")).front().message ==
        "body: HTTP 418 is not a documented response of operation result");
  const Operation& cancel = odirouter().operation("cancel");
  CHECK(odirouter().validate_response(cancel, response_of(202, R"({"status":"CANCELLATION_REQUESTED"})")).empty());
  CHECK(odirouter().validate_response(cancel, response_of(400, R"({"status":"ALREADY_COMPLETED"})")).empty());
  CHECK(odirouter().validate_response(cancel, response_of(404, R"({"status":"NOT_FOUND"})")).empty());
  CHECK(odirouter().validate_response(cancel, odirouter().render_error("app_not_found", {{"model", "m"}})).empty());
}

TEST_CASE("odirouter: routes match the documented paths and methods", "[unit][contracts]") {
  auto submit = odirouter().match("POST", "/v1/queue/nano_banana_2");
  REQUIRE(submit);
  CHECK(submit->operation->name == "submit");
  CHECK(submit->params == std::map<std::string, std::string>{{"model", "nano_banana_2"}});
  auto status = odirouter().match("GET", "/v1/queue/nano_banana_2/requests/mmsu_01/status");
  REQUIRE(status);
  CHECK(status->operation->name == "status");
  CHECK(status->params.at("request_id") == "mmsu_01");
  CHECK(odirouter().match("GET", "/v1/queue/m/requests/r/status/stream")->operation->name == "status_stream");
  CHECK(odirouter().match("GET", "/v1/queue/m/requests/r/response")->operation->name == "result");
  CHECK(odirouter().match("PUT", "/v1/queue/m/requests/r/cancel")->operation->name == "cancel");
  CHECK_FALSE(odirouter().match("GET", "/v1/queue/nano_banana_2"));
  CHECK(odirouter().path_known("/v1/queue/nano_banana_2"));
  CHECK_FALSE(odirouter().match("GET", "/v1/queue/m/requests//status"));
  // fal's own result path (no /response) is the same operation (contract: operations.result.also_at).
  CHECK(odirouter().match("GET", "/v1/queue/m/requests/r")->operation->name == "result");
  CHECK(odirouter().match("GET", "/v1/queue/m/requests/r")->params.at("request_id") == "r");
  CHECK_FALSE(odirouter().match("PUT", "/v1/queue/m/requests/r"));
  CHECK_FALSE(odirouter().path_known("/v1/queue/m/requests"));
  CHECK_FALSE(odirouter().path_known("/v1/queue/nano_banana_2/"));
  CHECK_FALSE(odirouter().path_known(""));
}

TEST_CASE("odirouter: a webhook parameter is refused with its own error", "[unit][contracts]") {
  const Operation& submit = odirouter().operation("submit");
  nanosim::HttpRequest request;
  CHECK_FALSE(odirouter().unsupported_parameter(submit, request, json{{"prompt", "x"}}));
  CHECK(odirouter().unsupported_parameter(submit, request, json{{"prompt", "x"}, {"webhook_url", "https://h"}}) ==
        "webhook_not_supported");
  request.query = nanosim::parse_query_string("fal_webhook=https%3A%2F%2Fh");
  CHECK(odirouter().unsupported_parameter(submit, request, json{{"prompt", "x"}}) == "webhook_not_supported");
}

TEST_CASE("odirouter: the logs query flag takes 1, 0, true or false", "[unit][contracts]") {
  const Operation& status = odirouter().operation("status");
  for (const char* ok : {"logs=1", "logs=0", "logs=true", "logs=false", ""}) {
    CHECK(odirouter().validate_query(status, nanosim::parse_query_string(ok)).empty());
  }
  auto violations = odirouter().validate_query(status, nanosim::parse_query_string("logs=yes"));
  REQUIRE(violations.size() == 1);
  CHECK(violations.at(0).field == "logs");
  CHECK(violations.at(0).message == "logs: must be one of 1, 0, true, false (got \"yes\")");
}
