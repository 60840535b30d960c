// nanoseries (seed 004) task API against its contract, in process: documented examples, lifecycle, tiers,
// every rule and every common error of the seed, billing, determinism.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

#include "download_support.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nanosim::contract_test::download;
using nlohmann::json;

namespace {

const std::string tasks = "/nanoseries/v1/images/tasks";

json task_body(std::string model = "NanoBanana2-0.5K", std::string prompt = "A small red cube") {
  return {{"model", std::move(model)}, {"prompt", std::move(prompt)}};
}

json create(ScopedSimulator& sim, const json& body, const std::string& key = "test-key") {
  const HttpResponse response = sim.handle(json_request("POST", tasks, body, key));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return body_json(response).at("data");
}

json poll(ScopedSimulator& sim, const std::string& task_id, const std::string& key = "test-key") {
  const HttpResponse response = sim.handle(request("GET", tasks + "/" + task_id, key));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return body_json(response).at("data");
}

json finished(ScopedSimulator& sim, const json& body) {
  const json created = create(sim, body);
  sim.advance(Millis{900'000});
  return poll(sim, created.at("task_id"));
}

std::size_t job_count(ScopedSimulator& sim) { return sim.simulator().jobs().size(); }

}  // namespace

TEST_CASE("The seed's text-to-image curl body creates a queued task in the documented envelope", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse response =
      sim.handle(json_request("POST", tasks, fixture_json("nanoseries/text2image-request.json"), "sk-demo"));
  REQUIRE(response.status == 200);
  const json body = body_json(response);
  CHECK(body.at("code") == "success");
  CHECK(body.at("message") == "");
  const json& data = body.at("data");
  const std::string id = data.at("task_id");
  CHECK(id.rfind("task_", 0) == 0);
  CHECK(id.size() == 5 + 32);  // research §9: task_ + 32 characters
  CHECK(data.at("status") == "queued");
  CHECK(data.at("progress") == "0%");
  CHECK(data.at("result_url").is_null());
  CHECK(data.at("metadata").at("task_type") == "text2image");
  CHECK(data.at("metadata").at("result_count") == 0);
  CHECK(data.at("error").is_null());
}

TEST_CASE("The seed's image-to-image example walks queued, in_progress, succeeded and returns a 16:9 JPEG",
          "[contract][nanoseries]") {
  ScopedSimulator sim;
  const json created = create(sim, fixture_json("nanoseries/image2image-request.json"));
  const std::string id = created.at("task_id");
  std::vector<std::string> seen{created.at("status")};
  std::vector<std::string> progress;
  for (int step = 0; step < 3000 && seen.back() != "succeeded"; ++step) {
    sim.advance(Millis{100});
    const json data = poll(sim, id);
    if (data.at("status") != seen.back()) seen.push_back(data.at("status"));
    progress.push_back(data.at("progress"));
  }
  CHECK(seen == std::vector<std::string>{"queued", "in_progress", "succeeded"});
  CHECK(std::find_if(progress.begin(), progress.end(), [](const std::string& p) { return p != "0%" && p != "100%"; }) !=
        progress.end());
  const json done = poll(sim, id);
  CHECK(done.at("progress") == "100%");
  CHECK(done.at("metadata") == json{{"task_type", "image2image"}, {"result_count", 1}, {"model", "NanoBanana2-0.5K"}});
  CHECK(done.at("error").is_null());
  const auto image = download(sim, done.at("result_url"));
  CHECK(image.format == images::Format::jpeg);
  CHECK(image.width == 688);  // research §3: gemini-3.1-flash-image-preview, 16:9 at 512
  CHECK(image.height == 384);
}

TEST_CASE("The seed's status response example is valid against the contract", "[contract][nanoseries]") {
  const auto& contract = contracts::get("nanoseries");
  const HttpResponse documented = fixture_response("nanoseries/task-status-response.json");
  CHECK(contract.validate_response(contract.operation("get_task"), documented).empty());
}

TEST_CASE("Each model renders at the size tier its id names, in the formats its family supports", "[contract][nanoseries]") {
  ScopedSimulator sim;
  struct Case {
    std::string model, ratio, format;
    int width, height;
  };
  const std::vector<Case> cases = {
      {"NanoBanana2-0.5K", "1:1", "png", 512, 512},     {"NanoBanana2-1K", "1:8", "jpeg", 384, 3072},
      {"NanoBanana", "21:9", "webp", 1536, 672},        {"NanoBanana", "1:1", "png", 1024, 1024},
      {"NanoBananaPro-1K", "4:5", "png", 928, 1152},    {"NanoBananaPro-2K", "16:9", "jpeg", 2752, 1536},
      {"NanoBananaPro-4K", "9:16", "jpeg", 3072, 5504},
  };
  for (const Case& c : cases) {
    CAPTURE(c.model, c.ratio, c.format);
    json body = task_body(c.model);
    body["aspect_ratio"] = c.ratio;
    body["output_format"] = c.format;
    const json done = finished(sim, body);
    REQUIRE(done.at("status") == "succeeded");
    const auto image = download(sim, done.at("result_url"));
    CHECK(images::to_string(image.format) == c.format);
    CHECK(image.width == c.width);
    CHECK(image.height == c.height);
  }
}

TEST_CASE("task_type is inferred from image inputs when left out", "[contract][nanoseries]") {
  ScopedSimulator sim;
  CHECK(create(sim, task_body()).at("metadata").at("task_type") == "text2image");
  json with_image = task_body();
  with_image["image"] = json{{"url", "https://example.com/input.png"}};
  CHECK(create(sim, with_image).at("metadata").at("task_type") == "image2image");
  json with_images = task_body();
  with_images["images"] = {"https://example.com/a.png", "https://example.com/b.png"};
  CHECK(create(sim, with_images).at("metadata").at("task_type") == "image2image");
  json compat = task_body();
  // An inline image must be a real one: it is decoded before the task is created.
  compat["image_urls"] = {"data:image/png;base64," + images::base64_encode(images::render({2, 2, images::Format::png, 90, 1}))};
  CHECK(create(sim, compat).at("metadata").at("task_type") == "image2image");
}

TEST_CASE("n results show as result_count, result_urls in order, and result_url as the first", "[contract][nanoseries]") {
  ScopedSimulator sim;
  json body = task_body();
  body["n"] = 3;
  const json done = finished(sim, body);
  CHECK(done.at("metadata").at("result_count") == 3);
  const json& urls = done.at("result_urls");
  REQUIRE(urls.size() == 3);
  CHECK(done.at("result_url") == urls.at(0));
  CHECK(urls.at(0) != urls.at(1));
  for (const auto& url : urls) CHECK(download(sim, url).width == 512);
}

TEST_CASE("A model the key has not enabled gets new-api's 403 and creates nothing", "[contract][nanoseries]") {
  Options options = deterministic_options();
  options.models_per_key["sk-limited"] = {"NanoBanana"};
  ScopedSimulator sim(options);
  const HttpResponse refused = sim.handle(json_request("POST", tasks, task_body("NanoBanana2-0.5K"), "sk-limited"));
  CHECK(refused.status == 403);
  const std::string message = body_json(refused).at("error").at("message");
  CHECK(message.rfind("该令牌无权访问模型 NanoBanana2-0.5K (request id: ", 0) == 0);
  CHECK(body_json(refused).at("error").at("type") == "new_api_error");
  CHECK(job_count(sim) == 0);
  CHECK(sim.handle(json_request("POST", tasks, task_body("NanoBanana"), "sk-limited")).status == 200);
  CHECK(sim.handle(json_request("POST", tasks, task_body("NanoBanana2-0.5K"), "sk-other")).status == 200);
}

TEST_CASE("A model id no channel serves gets new-api's 503 model_not_found", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(json_request("POST", tasks, task_body("NanoBanana3-8K")));
  CHECK(response.status == 503);
  const json error = body_json(response).at("error");
  CHECK(error.at("code") == "model_not_found");
  CHECK(error.at("message").get<std::string>().rfind("当前分组 default 下对于模型 NanoBanana3-8K 无可用渠道", 0) == 0);
  CHECK(job_count(sim) == 0);
}

TEST_CASE("Mixing image, images and the compatibility image_urls is refused naming the field", "[contract][nanoseries]") {
  ScopedSimulator sim;
  json both = task_body();
  both["image"] = "https://example.com/a.png";
  both["images"] = {"https://example.com/b.png"};
  const HttpResponse response = sim.handle(json_request("POST", tasks, both));
  CHECK(response.status == 400);
  CHECK(body_json(response) ==
        json{{"code", "invalid_request"},
             {"message", "images: must be absent when image is sent (one reference goes in image, several in images)"},
             {"data", nullptr}});
  json lists = task_body();
  lists["images"] = {"https://example.com/b.png"};
  lists["image_urls"] = {"https://example.com/c.png"};
  const json second = body_json(sim.handle(json_request("POST", tasks, lists)));
  CHECK(second.at("message") ==
        "image_urls: must be absent when image or images is sent (image_urls is only a compatibility alias of images)");
  CHECK(job_count(sim) == 0);
}

TEST_CASE("size as the control field is refused in favour of aspect_ratio", "[contract][nanoseries]") {
  ScopedSimulator sim;
  json body = task_body();
  body["size"] = "1024x1024";
  const HttpResponse response = sim.handle(json_request("POST", tasks, body));
  CHECK(response.status == 400);
  CHECK(body_json(response) ==
        json{{"code", "invalid_request"},
             {"message", "size is not a Nano control field; use aspect_ratio (1:1, 16:9, 9:16, 4:3, 3:4, ...)"},
             {"data", nullptr}});
  CHECK(job_count(sim) == 0);
}

TEST_CASE("An output format the family does not support is refused, and NanoBanana alone takes webp", "[contract][nanoseries]") {
  ScopedSimulator sim;
  for (const char* model : {"NanoBanana2-0.5K", "NanoBanana2-1K", "NanoBananaPro-1K", "NanoBananaPro-4K"}) {
    CAPTURE(model);
    json body = task_body(model);
    body["output_format"] = "webp";
    const HttpResponse response = sim.handle(json_request("POST", tasks, body));
    CHECK(response.status == 400);
    CHECK(body_json(response).at("message") == "output_format: must be one of png, jpeg (got \"webp\")");
  }
  CHECK(job_count(sim) == 0);
  json webp = task_body("NanoBanana");
  webp["output_format"] = "webp";
  CHECK(sim.handle(json_request("POST", tasks, webp)).status == 200);
}

TEST_CASE("Polling a task that was never created answers new-api's 400 task_not_exist", "[contract][nanoseries]") {
  ScopedSimulator sim;
  const HttpResponse response = sim.handle(request("GET", tasks + "/task_xxx"));
  CHECK(response.status == 400);
  CHECK(body_json(response) == json{{"code", "task_not_exist"}, {"message", "task_not_exist"}, {"data", nullptr}});
  // Another key's task does not exist for this key either.
  const std::string id = create(sim, task_body(), "sk-owner").at("task_id");
  CHECK(sim.handle(request("GET", tasks + "/" + id, "sk-stranger")).status == 400);
  CHECK(sim.handle(request("GET", tasks + "/" + id, "sk-owner")).status == 200);
}

TEST_CASE("Every rule of the task body is enforced with a 400 naming the field, and no job is created",
          "[contract][nanoseries]") {
  struct Case {
    const char* name;
    json body;
    std::string field;
  };
  const auto with = [](json body, const std::string& field, json value) {
    body[field] = std::move(value);
    return body;
  };
  const json base = task_body();
  std::vector<std::string> fifteen(15, "https://example.com/x.png");
  const std::vector<Case> cases = {
      {"missing model", {{"prompt", "x"}}, "model"},
      {"missing prompt", {{"model", "NanoBanana"}}, "prompt"},
      {"empty prompt", with(base, "prompt", ""), "prompt"},
      {"unknown task_type", with(base, "task_type", "video"), "task_type"},
      {"n zero", with(base, "n", 0), "n"},
      {"n five", with(base, "n", 5), "n"},
      {"n as text", with(base, "n", "1"), "n"},
      {"unknown aspect ratio", with(base, "aspect_ratio", "7:5"), "aspect_ratio"},
      {"1:8 on NanoBanana", with(task_body("NanoBanana"), "aspect_ratio", "1:8"), "aspect_ratio"},
      {"unknown output format", with(base, "output_format", "gif"), "output_format"},
      {"unknown response format", with(base, "response_format", "file"), "response_format"},
      {"image not a URL", with(base, "image", "not a url"), "image"},
      {"images not URLs", with(base, "images", {"nope"}), "images[0]"},
      {"empty images", with(base, "images", json::array()), "images"},
      {"four images on NanoBanana", with(task_body("NanoBanana"), "images", std::vector<std::string>(4, "https://e.com/x.png")), "images"},
      {"fifteen images on Pro", with(task_body("NanoBananaPro-1K"), "images", fifteen), "images"},
      {"image2image without an image", with(base, "task_type", "image2image"), "image"},
      {"text2image with an image", with(with(base, "task_type", "text2image"), "image", "https://e.com/x.png"), "task_type"},
      {"undocumented field (strict_fields)", with(base, "aspectRatio", "16:9"), "aspectRatio"},
  };
  Options strict = deterministic_options();
  strict.strict_fields = true;  // undocumented fields are refused only when asked (contract unknown_fields: ignore)
  ScopedSimulator sim(strict);
  for (const Case& c : cases) {
    CAPTURE(c.name, c.body.dump());
    const HttpResponse response = sim.handle(json_request("POST", tasks, c.body));
    CHECK(response.status == 400);
    const json body = body_json(response);
    CHECK(body.at("code") == "invalid_request");
    CHECK(body.at("data").is_null());
    CHECK(body.at("message").get<std::string>().rfind(c.field + ": ", 0) == 0);
  }
  for (const char* raw : {"{not json", "[1,2]", ""}) {
    HttpRequest bad = json_request("POST", tasks, json::object());
    bad.body = raw;
    CHECK(sim.handle(bad).status == 400);
  }
  CHECK(job_count(sim) == 0);
}

TEST_CASE("Missing or refused keys, unknown routes and methods get new-api's bodies", "[contract][nanoseries]") {
  Options options = deterministic_options();
  options.api_keys = {"sk-good"};
  ScopedSimulator sim(options);
  const HttpResponse missing = sim.handle(json_request("POST", tasks, task_body(), ""));
  CHECK(missing.status == 401);
  // new-api: no token at all is 未提供令牌 ("no token provided"); an unknown one 无效的令牌; both quote the request id
  // the X-Oneapi-Request-Id header carries.
  const std::string quoted = "未提供令牌 (request id: " + missing.header("X-Oneapi-Request-Id").value_or("?") + ")";
  CHECK(body_json(missing).at("error").at("message") == quoted);
  const HttpResponse refused = sim.handle(json_request("POST", tasks, task_body(), "sk-bad"));
  CHECK(refused.status == 401);
  CHECK(body_json(refused).at("error").at("message").get<std::string>().rfind("无效的令牌 (request id: ", 0) == 0);
  CHECK(sim.handle(json_request("POST", tasks, task_body(), "sk-good")).status == 200);

  const HttpResponse route = sim.handle(request("GET", "/nanoseries/v2/nothing", "sk-good"));
  CHECK(route.status == 404);
  CHECK(body_json(route).at("error").at("message") == "Invalid URL (GET /v2/nothing)");
  CHECK(sim.handle(request("DELETE", tasks, "sk-good")).status == 404);
  CHECK(job_count(sim) == 1);
}

TEST_CASE("A failed task reports status failed with error {code, message}", "[contract][nanoseries]") {
  Options options = deterministic_options();
  options.fate_policy = [](const JobSpec& spec, std::uint64_t) {
    JobFate fate;
    if (spec.prompt.find("blocked") != std::string::npos) {
      fate.succeeds = false;
      fate.failure_kind = std::string(failure::content_blocked);
    } else if (spec.prompt.find("broken") != std::string::npos) {
      fate.succeeds = false;
    }
    return fate;
  };
  ScopedSimulator sim(options);
  const json blocked = finished(sim, task_body("NanoBanana", "blocked prompt"));
  CHECK(blocked.at("status") == "failed");
  CHECK(blocked.at("result_url").is_null());
  CHECK(blocked.at("error") ==
        json{{"code", "prompt_blocked"}, {"message", "The request was blocked by the safety filter"}});
  const json broken = finished(sim, task_body("NanoBanana", "broken prompt"));
  CHECK(broken.at("error").at("code") == "generation_failed");
}

TEST_CASE("Billing holds unit price x n, then settles to the results actually returned", "[contract][nanoseries]") {
  Options options = deterministic_options();
  options.fate_policy = [](const JobSpec& spec, std::uint64_t) {
    JobFate fate;
    if (spec.prompt == "partial") fate.results = 1;
    if (spec.prompt == "fails") fate.succeeds = false;
    return fate;
  };
  ScopedSimulator sim(options);
  const double price = contracts::get("nanoseries").model("NanoBanana2-0.5K")->at("pricing").at("per_image");
  json two = task_body("NanoBanana2-0.5K", "two");
  two["n"] = 2;
  create(sim, two, "sk-a");
  CHECK(sim.simulator().spend("sk-a") == Approx(2 * price));  // held while pending
  REQUIRE(sim.simulator().usage("sk-a").size() == 1);
  CHECK(sim.simulator().usage("sk-a").front().state == UsageState::held);

  json partial = task_body("NanoBanana2-0.5K", "partial");
  partial["n"] = 3;
  create(sim, partial, "sk-a");
  create(sim, task_body("NanoBanana2-0.5K", "fails"), "sk-a");
  create(sim, task_body("NanoBanana2-0.5K", "other key"), "sk-b");
  sim.advance(Millis{900'000});

  const auto entries = sim.simulator().usage("sk-a");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].billed_units == 2);
  CHECK(entries[0].state == UsageState::settled);
  CHECK(entries[1].requested == 3);
  CHECK(entries[1].billed_units == 1);
  CHECK(entries[2].state == UsageState::refunded);
  CHECK(entries[2].amount == 0.0);
  CHECK(sim.simulator().spend("sk-a") == Approx(3 * price));
  CHECK(sim.simulator().spend("sk-b") == Approx(price));

  const json admin = body_json(sim.handle(request("GET", "/__nanosim/usage?api_key=sk-a", "")));
  CHECK(admin.at("entries").size() == 3);
  CHECK(admin.at("totals").at("sk-a").at("USD").get<double>() == Approx(3 * price));
  CHECK_FALSE(admin.at("totals").contains("sk-b"));
}

TEST_CASE("Same seed, same requests, same clock: byte-identical task bodies", "[contract][nanoseries]") {
  const auto run = [] {
    ScopedSimulator sim;
    std::string transcript;
    const json created = create(sim, fixture_json("nanoseries/text2image-request.json"));
    for (int step = 0; step < 5; ++step) {
      sim.advance(Millis{2'000});
      transcript += sim.handle(request("GET", tasks + "/" + created.at("task_id").get<std::string>())).body;
    }
    return transcript;
  };
  CHECK(run() == run());
}

TEST_CASE("The reference client generates through the task API and maps its errors", "[contract][nanoseries]") {
  ScopedSimulator sim;
  auto client = sim.client("nanoseries");
  const auto result = client.generate(client::GenerateRequest{}
                                          .with_model("NanoBananaPro-2K")
                                          .with_prompt("A red apple")
                                          .with_aspect_ratio("3:2")
                                          .with_output_format("jpeg")
                                          .with_count(2));
  REQUIRE(result);
  REQUIRE(result->images.size() == 2);
  const auto image = download(sim, result->images[0].url);
  CHECK(image.width == 2528);
  CHECK(image.height == 1696);

  const auto refused = client.generate(client::GenerateRequest{}.with_model("NanoBanana2-1K").with_prompt("x").with_output_format("webp"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == client::ErrorKind::invalid_request);
  CHECK(refused.error().field == "output_format");
  client::Submission unknown;
  unknown.job_id = "task_missing";
  const auto status = client.status(unknown);
  REQUIRE_FALSE(status);
  CHECK(status.error().kind == client::ErrorKind::not_found);
}

TEST_CASE("Every Nano model's aspect ratios have dimensions at the size tier its id names", "[contract][nanoseries]") {
  const auto& contract = contracts::get("nanoseries");
  for (const auto& id : contract.model_ids()) {
    const json& model = *contract.model(id);
    const std::string tier = model.at("capabilities").at("default_size_tier");
    for (const auto& ratio : model.at("request_schema").at("properties").at("aspect_ratio").at("enum")) {
      CAPTURE(id, ratio, tier);
      CHECK(contracts::image_dimensions(model.at("upstream").get<std::string>(), ratio.get<std::string>(), tier));
    }
  }
}
