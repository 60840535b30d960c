// ToAPIs (seed 003): every documented error reproduced by a request, every rule enforced without creating a
// task, the FAQ's chat-endpoint error, the rate-limit entry of the catalog, the reference client, determinism.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string tasks = "/toapis/v1/images/generations";
const std::string chat = "/toapis/v1/chat/completions";

json task_request() { return {{"model", "nano-banana-2"}, {"prompt", "A glass perfume bottle"}}; }
json with(json body, const std::string& field, json value) {
  body[field] = std::move(value);
  return body;
}
std::size_t job_count(ScopedSimulator& sim) { return sim.simulator().jobs().size(); }

}  // namespace

TEST_CASE("The seed's 400 invalid_request_error is reproduced by its documented trigger", "[contract][toapis]") {
  const json fixture = fixture_json("toapis/error-400-invalid-request-error.json");
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(json_request("POST", tasks, {{"model", "nano-banana-2"}}));
  CHECK(response.status == fixture.at("status"));
  CHECK(body_json(response) == json{{"error",
                                     {{"message", "prompt: is required"},
                                      {"type", fixture.at("type")},
                                      {"param", "prompt"},
                                      {"code", "invalid_request_error"}}}});
  CHECK(job_count(sim) == 0);
}

TEST_CASE("The seed's 401 authentication_error answers a missing and a rejected key", "[contract][toapis]") {
  const json fixture = fixture_json("toapis/error-401-authentication-error.json");
  Options options = deterministic_options();
  options.api_keys = {"sk-good"};
  ScopedSimulator sim(options);
  const HttpResponse missing = sim.handle(json_request("POST", tasks, task_request(), ""));
  CHECK(missing.status == fixture.at("status"));
  CHECK(body_json(missing).at("error").at("type") == fixture.at("type"));
  CHECK(body_json(missing).at("error").at("code") == "missing_api_key");
  const HttpResponse rejected = sim.handle(json_request("POST", tasks, task_request(), "sk-bad"));
  CHECK(rejected.status == 401);
  CHECK(body_json(rejected).at("error") ==
        json{{"message", "Invalid API key"}, {"type", "authentication_error"}, {"code", "invalid_api_key"}});
  CHECK(sim.handle(request("GET", tasks + "/task_img_x", "")).status == 401);
  CHECK(job_count(sim) == 0);
  CHECK(sim.handle(json_request("POST", tasks, task_request(), "sk-good")).status == 200);
}

TEST_CASE("FAQ: an image model sent to chat completions gets invalid api type: -1", "[contract][toapis]") {
  ScopedSimulator sim;
  const json faq_request = fixture_json("toapis/faq-chat-completions-request.json");
  const HttpResponse response = sim.handle(json_request("POST", chat, faq_request));
  CHECK(response.status == 400);
  const json error = body_json(response).at("error");
  CHECK(error.at("type") == "new_api_error");
  CHECK(error.at("code") == "invalid_api_type");
  CHECK(error.at("param") == "");
  const std::string message = error.at("message");
  CHECK(message.rfind("invalid api type: -1 (request id: ", 0) == 0);
  CHECK(job_count(sim) == 0);

  const HttpResponse chat_model =
      sim.handle(json_request("POST", chat, {{"model", "gpt-4o"}, {"messages", faq_request.at("messages")}}));
  CHECK(chat_model.status == 503);
  CHECK(body_json(chat_model).at("error").at("code") == "model_not_found");
  const HttpResponse no_messages = sim.handle(json_request("POST", chat, {{"model", "nano-banana-2"}}));
  CHECK(no_messages.status == 400);
  CHECK(body_json(no_messages).at("error").at("param") == "messages");
}

TEST_CASE("The 429 rate limit entry renders with Retry-After and is a documented answer of both operations",
          "[contract][toapis]") {
  const auto& contract = contracts::get("toapis");
  const HttpResponse limited = contract.render_error("rate_limited", {{"retry_after_s", "7"}});
  CHECK(limited.status == 429);
  CHECK(limited.header("Retry-After") == std::optional<std::string>("7"));
  CHECK(body_json(limited).at("error").at("type") == "rate_limit_exceeded");
  CHECK(contract.error("rate_limited").raw.value("retryable", false));
  CHECK(contract.validate_response(contract.operation("create_task"), limited).empty());
  CHECK(contract.validate_response(contract.operation("get_task"), limited).empty());
}

TEST_CASE("Every rule of the parameter table is enforced with a 400 naming the field, and no task is created",
          "[contract][toapis]") {
  struct Case {
    const char* name;
    json body;
    std::string field;
  };
  const json refs15 = json(std::vector<std::string>(15, "https://example.com/r.png"));
  const std::vector<Case> cases = {
      {"missing model", {{"prompt", "x"}}, "model"},
      {"unknown model", with(task_request(), "model", "nano_banana_2"), "model"},
      {"missing prompt", {{"model", "nano-banana-2"}}, "prompt"},
      {"empty prompt", with(task_request(), "prompt", ""), "prompt"},
      {"prompt over 1000 characters", with(task_request(), "prompt", std::string(1001, 'a')), "prompt"},
      {"prompt not a string", with(task_request(), "prompt", 42), "prompt"},
      {"unknown size", with(task_request(), "size", "7:5"), "size"},
      {"size as pixels", with(task_request(), "size", "1024x1024"), "size"},
      {"quoted n", with(task_request(), "n", "1"), "n"},
      {"n zero", with(task_request(), "n", 0), "n"},
      {"n too large", with(task_request(), "n", 5), "n"},
      {"fifteen reference_images", with(task_request(), "reference_images", refs15), "reference_images"},
      {"fifteen image_urls", with(task_request(), "image_urls", refs15), "image_urls"},
      {"base64 reference", with(task_request(), "image_urls", {"data:image/png;base64,iVBORw0KGgo="}), "image_urls[0]"},
      {"both reference lists", with(with(task_request(), "reference_images", {"https://a/1.png"}), "image_urls", {"https://a/2.png"}), "image_urls"},
      {"lowercase resolution", with(task_request(), "metadata", {{"resolution", "2k"}}), "metadata.resolution"},
      {"0.5K resolution", with(task_request(), "metadata", {{"resolution", "512"}}), "metadata.resolution"},
      {"unknown metadata field", with(task_request(), "metadata", {{"orientation", "portrait"}}), "metadata.orientation"},
      {"undocumented field (strict_fields)", with(task_request(), "aspect_ratio", "16:9"), "aspect_ratio"},
  };
  Options strict = deterministic_options();
  strict.strict_fields = true;  // undocumented fields are refused only when asked (contract unknown_fields: ignore)
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      ScopedSimulator sim(strict);
      const HttpResponse response = sim.handle(json_request("POST", tasks, c.body));
      CHECK(response.status == 400);
      const json error = body_json(response).at("error");
      CHECK(error.at("type") == "invalid_request_error");
      CHECK(error.at("param") == c.field);
      CHECK(error.at("message").get<std::string>().rfind(c.field + ":", 0) == 0);
      CHECK(job_count(sim) == 0);
    }
  }
}

TEST_CASE("Bodies that are not JSON objects are rejected without creating a task", "[contract][toapis]") {
  ScopedSimulator sim;
  for (const std::string& raw : {std::string{}, std::string("{"), std::string("[1]"), std::string("null"),
                                 std::string(300, '[') + std::string(300, ']'),
                                 std::string("{\"model\":\"nano-banana-2\",\"prompt\":\"\xC3\"}")}) {
    HttpRequest req = json_request("POST", tasks, json::object());
    req.body = raw;
    const HttpResponse response = sim.handle(req);
    INFO(raw.substr(0, 20));
    CHECK(response.status == 400);
    CHECK(body_json(response).at("error").at("type") == "invalid_request_error");
  }
  CHECK(job_count(sim) == 0);
}

TEST_CASE("Unknown tasks, routes and methods get new-api's answers", "[contract][toapis]") {
  ScopedSimulator sim;
  const HttpResponse unknown = sim.handle(request("GET", tasks + "/task_img_missing"));
  CHECK(unknown.status == 400);
  CHECK(body_json(unknown).at("error").at("code") == "task_not_exist");
  const HttpResponse route = sim.handle(request("GET", "/toapis/v1/nothing"));
  CHECK(route.status == 404);
  CHECK(body_json(route).at("error").at("message") == "Invalid URL (GET /v1/nothing)");
  const HttpResponse method = sim.handle(request("DELETE", tasks));
  CHECK(method.status == 404);
  CHECK(body_json(method).at("error").at("message") == "Invalid URL (DELETE /v1/images/generations)");
}

TEST_CASE("The reference client generates through the task API and reads typed errors", "[contract][toapis]") {
  ScopedSimulator sim;
  auto client = sim.client("toapis");
  const auto result = client.generate(client::GenerateRequest{}
                                          .with_model("nano-banana-2")
                                          .with_prompt("A red apple")
                                          .with_aspect_ratio("16:9")
                                          .with_size_tier("2K")
                                          .with_reference_image("https://example.com/ref.png"));
  REQUIRE(result);
  REQUIRE(result->images.size() == 1);
  CHECK(result->images[0].width == 2752);
  CHECK(result->images[0].height == 1536);

  const auto refused = client.submit(client::GenerateRequest{}.with_model("nano-banana-2").with_prompt(""));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == client::ErrorKind::invalid_request);
  CHECK(refused.error().field == "prompt");
  const auto chat_model = client.submit(client::GenerateRequest{}.with_model("gpt-4o").with_prompt("x"));
  REQUIRE_FALSE(chat_model);
  CHECK(chat_model.error().field == "model");
}

TEST_CASE("ToAPIs: the same seed and the same requests give byte-identical responses", "[contract][toapis]") {
  const auto run = [] {
    ScopedSimulator sim(deterministic_options());
    std::vector<std::string> bodies;
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      const HttpResponse r = sim.handle(json_request("POST", tasks, with(task_request(), "n", i + 1)));
      bodies.push_back(r.body);
      ids.push_back(body_json(r).at("id"));
    }
    bodies.push_back(sim.handle(json_request("POST", chat, fixture_json("toapis/faq-chat-completions-request.json"))).body);
    for (int step = 0; step < 40; ++step) {
      sim.advance(Millis{1'000});
      for (const auto& id : ids) bodies.push_back(sim.handle(request("GET", tasks + "/" + id)).body);
    }
    return bodies;
  };
  CHECK(run() == run());
}
