// bananapro (seed 001) against its contract, in process: the documented examples, the task lifecycle, the
// image sizes, and every error a request can provoke. Credits have their own file (bananapro_credits_test.cpp).
#include <catch2/catch.hpp>

#include "bananapro_support.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using namespace nanosim::bananapro_test;
using nlohmann::json;

TEST_CASE("The seed's text-to-image example is answered with the documented response, 496 credits remaining",
          "[contract][bananapro]") {
  ScopedSimulator sim;
  // The curl example's own key: a fresh key holds the default 500 credits.
  const HttpResponse response =
      sim.handle(json_request("POST", generate_path, fixture_json("bananapro/text-to-image-request.json"), "sk-your-api-key"));
  REQUIRE(response.status == 200);
  const json body = body_json(response);
  const json documented = fixture_json("bananapro/generate-response.json");
  CHECK(body.at("success") == documented.at("success"));
  for (const auto& [field, value] : documented.at("data").items()) {
    CAPTURE(field);
    if (field == "task_id") continue;  // "task_abc123" is the seed's placeholder
    CHECK(body.at("data").at(field) == value);
  }
  const std::string task_id = body.at("data").at("task_id");
  CHECK(task_id.rfind("task_", 0) == 0);
  CHECK(task_id.size() == 5 + 26);
  CHECK(body.at("request_id").get<std::string>().rfind("req_", 0) == 0);
  CHECK(sim.simulator().credits("sk-your-api-key") == 496);
}

TEST_CASE("The seed's image-to-image example is accepted and keeps its reference image", "[contract][bananapro]") {
  ScopedSimulator sim;
  const json example = fixture_json("bananapro/image-to-image-request.json");
  const json body = body_json(sim.handle(json_request("POST", generate_path, example)));
  REQUIRE(body.at("success") == true);
  const auto job = sim.simulator().job(body.at("data").at("task_id"));
  REQUIRE(job);
  CHECK(job->spec.reference_images == example.at("image_urls").get<std::vector<std::string>>());
  CHECK(job->spec.aspect_ratio == "16:9");
  CHECK(job->spec.unit_price == 4);
  CHECK(job->spec.price_unit == "credits");
}

TEST_CASE("Every bananapro fixture behaves as index.json says", "[contract][bananapro]") {
  const auto& contract = contracts::get("bananapro");
  const json index = fixture_json("bananapro/index.json");
  for (const json& entry : index.at("fixtures")) {
    const std::string file = entry.at("file");
    CAPTURE(file);
    const auto& op = contract.operation(entry.at("operation").get<std::string>());
    if (entry.at("kind") == "request") {
      const json body = fixture_json("bananapro/" + file);
      CHECK(contract.validate_request(op, body, entry.at("model").get<std::string>()).empty() ==
            (entry.at("expect") == "accepted"));
      ScopedSimulator sim;
      const HttpResponse response =
          sim.handle(json_request("POST", "/bananapro" + entry.at("path").get<std::string>(), body));
      CHECK((response.status == 200) == (entry.at("expect") == "accepted"));
    } else {
      const HttpResponse documented = fixture_response("bananapro/" + file, entry.at("http_status"));
      CHECK(contract.validate_response(op, documented).empty() == (entry.at("expect") == "valid"));
    }
  }
}

TEST_CASE("A task walks pending, processing, completed as the clock advances", "[contract][bananapro]") {
  ScopedSimulator sim(one_worker());
  const std::string id = submit(sim, text_to_image("A futuristic city at night with neon lights", "16:9"));
  const json pending = task(sim, id);
  CHECK(pending.at("status") == "pending");
  CHECK(pending.at("output") == json{{"resultUrls", json::array()}});
  CHECK(pending.at("primary_url").is_null());
  CHECK(pending.at("image_url").is_null());
  CHECK(pending.at("error_message").is_null());
  CHECK(pending.at("completed_at").is_null());
  CHECK(pending.at("credits_used") == 4);
  CHECK(pending.at("credits_refunded") == 0);
  CHECK(pending.at("created_at") == "2026-01-01T00:00:00.000Z");
  CHECK(pending.at("updated_at") == pending.at("created_at"));

  std::vector<std::string> seen{"pending"};
  for (int step = 0; step < 1000 && seen.back() != "completed"; ++step) {
    sim.advance(Millis{50});
    const std::string status = task(sim, id).at("status");
    if (status != seen.back()) seen.push_back(status);
  }
  CHECK(seen == std::vector<std::string>{"pending", "processing", "completed"});

  const json done = task(sim, id);
  const auto job = sim.simulator().job(id);
  REQUIRE(job);
  CHECK(done.at("task_id") == id);
  CHECK(done.at("model") == "nano-banana");
  REQUIRE(done.at("output").at("resultUrls").size() == 1);
  CHECK(done.at("primary_url") == done.at("output").at("resultUrls").at(0));
  CHECK(done.at("image_url") == done.at("primary_url"));
  CHECK(done.at("completed_at") == done.at("updated_at"));
  CHECK(done.at("completed_at") != done.at("created_at"));
  CHECK(done.at("credits_refunded") == 0);
  // "Schnelle Generierung (~5 s)": the run time is drawn around the seed's five seconds.
  CHECK(job->run_time >= Millis{1500});
  CHECK(job->run_time <= Millis{60000});
}

TEST_CASE("Result URLs serve a real WebP of gemini-2.5-flash-image's size for each aspect ratio",
          "[contract][bananapro]") {
  // research/providers.md §3: gemini-2.5-flash-image has one ~1K size per ratio.
  const std::vector<std::tuple<std::string, int, int>> sizes = {
      {"1:1", 1024, 1024}, {"16:9", 1344, 768}, {"9:16", 768, 1344}, {"4:3", 1184, 864}, {"3:4", 864, 1184}};
  ScopedSimulator sim;
  for (const auto& [ratio, width, height] : sizes) {
    CAPTURE(ratio);
    const std::string id = submit(sim, text_to_image("a lighthouse", ratio));
    sim.advance(Millis{120'000});
    const HttpResponse file = sim.handle(request("GET", path_of(task(sim, id).at("primary_url"))));
    REQUIRE(file.status == 200);
    CHECK(file.content_type() == "image/webp");
    const auto decoded = images::decode(file.body);
    REQUIRE(decoded);
    CHECK(decoded->format == images::Format::webp);
    CHECK(decoded->width == width);
    CHECK(decoded->height == height);
  }
  // No aspect_ratio: 1:1 (inferred default).
  const std::string id = submit(sim, {{"model", "nano-banana"}, {"prompt", "a lighthouse"}});
  CHECK(sim.simulator().job(id)->spec.width == 1024);
  CHECK(sim.simulator().job(id)->spec.height == 1024);
}

TEST_CASE("A failed task says why in error_message and reports its credits refunded", "[contract][bananapro]") {
  const std::vector<std::pair<JobFate, std::string>> fates = {
      {failing(failure::generation_failed), "Image generation failed"},
      {failing(failure::content_blocked), "The request was blocked by the content safety filter"},
      {failing(failure::generation_timeout, "upstream said no"), "upstream said no"},
  };
  for (const auto& [fate, message] : fates) {
    CAPTURE(message);
    ScopedSimulator sim(with_fate(fate));
    const std::string id = submit(sim, text_to_image("x", "1:1"));
    CHECK(sim.simulator().credits("test-key") == 496);
    sim.advance(Millis{120'000});
    const json failed = task(sim, id);
    CHECK(failed.at("status") == "failed");
    CHECK(failed.at("error_message") == message);
    CHECK(failed.at("output").at("resultUrls").empty());
    CHECK(failed.at("primary_url").is_null());
    CHECK(failed.at("credits_used") == 4);
    CHECK(failed.at("credits_refunded") == 4);
    CHECK_FALSE(failed.at("completed_at").is_null());
    CHECK(sim.simulator().credits("test-key") == 500);
  }
}

TEST_CASE("Missing and rejected keys get the documented 401 bodies and change nothing", "[contract][bananapro]") {
  Options options = deterministic_options();
  options.api_keys = {"sk-good"};
  ScopedSimulator sim(options);
  const HttpResponse missing = sim.handle(json_request("POST", generate_path, text_to_image("x", "1:1"), ""));
  CHECK(missing.status == 401);
  CHECK(error_of(missing) == json{{"code", "UNAUTHORIZED"}, {"message", "Missing API key: send Authorization: Bearer <key>"}});
  CHECK(body_json(missing).at("success") == false);
  HttpRequest key_scheme = json_request("POST", generate_path, text_to_image("x", "1:1"), "");
  key_scheme.headers.emplace("Authorization", "Key sk-good");  // odirouter's scheme; bananapro documents Bearer only
  CHECK(error_of(sim.handle(key_scheme)).at("message") == "Missing API key: send Authorization: Bearer <key>");
  const HttpResponse wrong = sim.handle(json_request("POST", generate_path, text_to_image("x", "1:1"), "sk-bad"));
  CHECK(wrong.status == 401);
  CHECK(error_of(wrong) == json{{"code", "UNAUTHORIZED"}, {"message", "Invalid API key"}});
  CHECK(sim.handle(request("GET", task_path("task_anything"), "sk-bad")).status == 401);
  CHECK(sim.simulator().jobs().empty());
  CHECK(sim.simulator().credit_balances().empty());
  CHECK(sim.handle(json_request("POST", generate_path, text_to_image("x", "1:1"), "sk-good")).status == 200);
}

TEST_CASE("Unknown tasks, another key's tasks, unknown routes and methods get 404 and 405", "[contract][bananapro]") {
  ScopedSimulator sim;
  const std::string id = submit(sim, text_to_image("x", "1:1"), "owner");
  const HttpResponse unknown = sim.handle(request("GET", task_path("task_nope")));
  CHECK(unknown.status == 404);
  CHECK(error_of(unknown) == json{{"code", "TASK_NOT_FOUND"}, {"message", "Task not found: task_nope"}});
  const HttpResponse foreign = sim.handle(request("GET", task_path(id), "someone-else"));
  CHECK(foreign.status == 404);
  CHECK(error_of(foreign).at("message") == "Task not found: " + id);
  CHECK(sim.handle(request("GET", task_path(id), "owner")).status == 200);
  const HttpResponse route = sim.handle(request("GET", "/bananapro/api/v2/images"));
  CHECK(route.status == 404);
  CHECK(error_of(route) == json{{"code", "NOT_FOUND"}, {"message", "Not found"}});
  const HttpResponse method = sim.handle(request("DELETE", task_path(id), "owner"));
  CHECK(method.status == 405);
  CHECK(error_of(method).at("code") == "METHOD_NOT_ALLOWED");
  // GET on the generate path reads a task called "generate".
  CHECK(error_of(sim.handle(request("GET", generate_path))).at("message") == "Task not found: generate");
}

TEST_CASE("Every rule of seed 001 is enforced with a 422 naming the field, and nothing is charged or created",
          "[contract][bananapro]") {
  struct Case {
    const char* name;
    json body;
    std::string field;
    std::string rule;
  };
  const json ok = text_to_image("x", "16:9");
  const auto with = [&](const std::string& field, json value) {
    json body = ok;
    body[field] = std::move(value);
    return body;
  };
  const auto without = [&](const std::string& field) {
    json body = ok;
    body.erase(field);
    return body;
  };
  const std::vector<Case> cases = {
      {"missing model", without("model"), "model", "required"},
      {"another model", with("model", "nano-banana-pro"), "model", "enum"},
      {"missing prompt", without("prompt"), "prompt", "required"},
      {"empty prompt", with("prompt", ""), "prompt", "minLength"},
      {"prompt not a string", with("prompt", 42), "prompt", "type"},
      {"unknown type", with("type", "text-to-video"), "type", "enum"},
      {"undocumented aspect ratio", with("aspect_ratio", "21:9"), "aspect_ratio", "enum"},
      {"image_urls not references", with("image_urls", {"not an image"}), "image_urls[0]", "pattern"},
      {"four image_urls", with("image_urls", {"https://a/1.png", "https://a/2.png", "https://a/3.png", "https://a/4.png"}),
       "image_urls", "maxItems"},
      {"input_image not a reference", with("input_image", "ftp://x"), "input_image", "pattern"},
      {"two images", with("num_images", 2), "num_images", "maximum"},
      {"no images", with("num_images", 0), "num_images", "minimum"},
      {"num_images as text", with("num_images", "1"), "num_images", "type"},
      {"undocumented field (strict_fields)", with("resolution", "2K"), "resolution", "additionalProperties"},
      {"image-to-image without an image", with("type", "image-to-image"), "image_urls", "required"},
  };
  Options strict = deterministic_options();
  strict.strict_fields = true;  // undocumented fields are refused only when asked (contract unknown_fields: ignore)
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      ScopedSimulator sim(strict);
      const HttpResponse response = sim.handle(json_request("POST", generate_path, c.body));
      CHECK(response.status == 422);
      const json error = error_of(response);
      CHECK(error.at("code") == "VALIDATION_ERROR");
      CHECK(error.at("details") == json{{"field", c.field}, {"rule", c.rule}});
      CHECK(error.at("message").get<std::string>().rfind(c.field + ": ", 0) == 0);
      CHECK(sim.simulator().jobs().empty());
      CHECK(sim.simulator().credits("test-key") == 500);
    }
  }
}

TEST_CASE("Validation messages read the limits from the contract", "[contract][bananapro]") {
  ScopedSimulator sim;
  json body = text_to_image("x", "16:9");
  body["num_images"] = 2;
  CHECK(error_of(sim.handle(json_request("POST", generate_path, body))).at("message") ==
        "num_images: must be at most 1 (got 2)");
  body = text_to_image("x", "7:5");
  CHECK(error_of(sim.handle(json_request("POST", generate_path, body))).at("message") ==
        "aspect_ratio: must be one of 1:1, 16:9, 9:16, 4:3, 3:4 (got \"7:5\")");
  body = text_to_image("x", "1:1");
  body["model"] = "nano-banana-2";
  CHECK(error_of(sim.handle(json_request("POST", generate_path, body))).at("message") ==
        "model: must be one of nano-banana (got \"nano-banana-2\")");
}

TEST_CASE("Bodies that are not JSON objects get 422, oversized ones 413, and nothing is charged",
          "[contract][bananapro]") {
  Options options = deterministic_options();
  options.max_body_bytes = 4096;
  ScopedSimulator sim(options);
  for (const std::string& raw : std::vector<std::string>{"", "{", "[1]", "\"text\"", "null", std::string(100, '[') + std::string(100, ']')}) {
    CAPTURE(raw);
    HttpRequest req = json_request("POST", generate_path, json::object());
    req.body = raw;
    const HttpResponse response = sim.handle(req);
    CHECK(response.status == 422);
    CHECK(error_of(response).at("code") == "VALIDATION_ERROR");
  }
  json big = text_to_image(std::string(5000, 'a'), "1:1");
  const HttpResponse too_large = sim.handle(json_request("POST", generate_path, big));
  CHECK(too_large.status == 413);
  CHECK(error_of(too_large) == json{{"code", "PAYLOAD_TOO_LARGE"}, {"message", "body: must be at most 4096 bytes"}});
  CHECK(sim.simulator().jobs().empty());
  CHECK(sim.simulator().credit_balances().empty());
}

TEST_CASE("input_image alone is the input image, and beside image_urls it is ignored with a journal note",
          "[contract][bananapro]") {
  ScopedSimulator sim;
  json alias = {{"model", "nano-banana"}, {"type", "image-to-image"}, {"prompt", "glow"},
                {"input_image", "https://example.com/in.png"}};
  const std::string alone = submit(sim, alias);
  CHECK(sim.simulator().job(alone)->spec.reference_images == std::vector<std::string>{"https://example.com/in.png"});
  CHECK(sim.simulator().journal().entries(0, 100).back().notes.empty());

  alias["image_urls"] = {"https://example.com/a.png", "https://example.com/b.png"};
  const std::string both = submit(sim, alias);
  CHECK(sim.simulator().job(both)->spec.reference_images ==
        std::vector<std::string>{"https://example.com/a.png", "https://example.com/b.png"});
  CHECK(sim.simulator().journal().entries(0, 100).back().notes ==
        std::vector<std::string>{"input_image ignored: image_urls is given and wins"});
}

TEST_CASE("Input images may be URLs, data URIs or raw base64", "[contract][bananapro]") {
  ScopedSimulator sim;
  const std::string png = images::base64_encode(images::render(images::ImageSpec{8, 8, images::Format::png, 90, 1}));
  for (const std::string& reference : {std::string("https://example.com/x.png"), "data:image/png;base64," + png, png}) {
    json body = text_to_image("glow", "1:1");
    body["type"] = "image-to-image";
    body["image_urls"] = {reference};
    CHECK(sim.handle(json_request("POST", generate_path, body)).status == 200);
  }
}

TEST_CASE("bananapro: the same seed and the same requests give byte-identical responses", "[contract][bananapro]") {
  const auto run = [] {
    ScopedSimulator sim(one_worker());
    std::vector<std::string> bodies;
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      const HttpResponse r = sim.handle(json_request("POST", generate_path, text_to_image("p" + std::to_string(i), "4:3")));
      bodies.push_back(r.body);
      ids.push_back(body_json(r).at("data").at("task_id"));
    }
    bodies.push_back(sim.handle(json_request("POST", generate_path, json::object())).body);
    for (int step = 0; step < 20; ++step) {
      sim.advance(Millis{1'000});
      for (const auto& id : ids) bodies.push_back(sim.handle(request("GET", task_path(id))).body);
    }
    return bodies;
  };
  CHECK(run() == run());
}

TEST_CASE("bananapro served alone also answers at the root", "[contract][bananapro]") {
  Options options = deterministic_options();
  options.providers = {"bananapro"};
  ScopedSimulator sim(options);
  const HttpResponse response = sim.handle(json_request("POST", "/api/v1/images/generate", text_to_image("x", "1:1")));
  REQUIRE(response.status == 200);
  const std::string id = body_json(response).at("data").at("task_id");
  CHECK(sim.handle(request("GET", "/api/v1/images/" + id)).status == 200);
}
