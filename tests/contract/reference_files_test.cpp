// Reference images that point at the simulator's own files (/__nanosim/files/<name>, on any host) are read
// locally, never fetched: a result URL can be fed straight back into an edit. One that is unknown or has expired
// gets the provider's error for an image it cannot fetch, naming the field and its index, and creates no job and
// charges nothing. Any other URL is checked for form only.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string odirouter_submit = "/odirouter/v1/queue/nano_banana_2";
const std::string crazyrouter_generations = "/crazyrouter/v1/images/generations";
const std::string crazyrouter_native = "/crazyrouter/v1beta/models/nano-banana-2:generateContent";
const std::string unknown_file = "http://nanosim.local/__nanosim/files/nosuchjob-0.png";

/// An odirouter job run to its end; the URL of its image, as its result answer gives it.
std::string odirouter_result_url(ScopedSimulator& sim, const std::string& prompt) {
  const json submitted = body_json(sim.handle(json_request("POST", odirouter_submit, {{"prompt", prompt}})));
  sim.advance(Millis{600'000});
  const json result = body_json(sim.handle(request("GET", path_of(submitted.at("response_url")))));
  return result.at("outputs").at(0).at("url");
}

/// A crazyrouter generation (synchronous); the URL of its first image.
std::string crazyrouter_url(ScopedSimulator& sim, json body) {
  const HttpResponse response = sim.handle(json_request("POST", crazyrouter_generations, body));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return body_json(response).at("data").at(0).at("url");
}

json native_body(const std::vector<json>& image_parts) {
  json parts = json::array({{{"text", "Put a hat on it"}}});
  for (const json& part : image_parts) parts.push_back(part);
  return {{"contents", {{{"role", "user"}, {"parts", parts}}}}};
}

const std::vector<std::string>& last_notes(ScopedSimulator& sim) {
  static std::vector<std::string> notes;
  notes = sim.simulator().journal().entries(0, 1'000'000).back().notes;
  return notes;
}

bool noted(ScopedSimulator& sim, const std::string& prefix) {
  const auto& notes = last_notes(sim);
  return std::any_of(notes.begin(), notes.end(), [&](const std::string& note) { return note.rfind(prefix, 0) == 0; });
}

}  // namespace

TEST_CASE("odirouter reads an image_urls entry that names one of the simulator's files locally",
          "[contract][odirouter][references]") {
  ScopedSimulator sim;
  const std::string own = odirouter_result_url(sim, "an apple");
  const json body = {{"prompt", "Make it green"}, {"image_urls", {"https://example.com/a.png", own}}};
  const HttpResponse response = sim.handle(json_request("POST", odirouter_submit, body));
  REQUIRE(response.status == 200);
  CHECK(noted(sim, "image_urls[1]: the simulator's own file "));
  const auto job = sim.simulator().job(body_json(response).at("request_id"));
  REQUIRE(job);
  CHECK(job->spec.reference_images == std::vector<std::string>{"https://example.com/a.png", own});
}

TEST_CASE("odirouter refuses an unknown or expired file of its own with fal's file_download_error, naming the index",
          "[contract][odirouter][references]") {
  ScopedSimulator sim;
  const std::string own = odirouter_result_url(sim, "an apple");
  const auto refusal = [&](const std::string& url) {
    const std::size_t jobs_before = sim.simulator().jobs().size();
    const HttpResponse response = sim.handle(
        json_request("POST", odirouter_submit, {{"prompt", "x"}, {"image_urls", {"https://example.com/a.png", url}}}));
    CHECK(response.status == 422);
    CHECK(sim.simulator().jobs().size() == jobs_before);
    return body_json(response);
  };
  CHECK(refusal(unknown_file) == json{{"detail",
                                       {{{"loc", {"body", "image_urls[1]"}},
                                         {"msg", "image_urls[1]: cannot read " + unknown_file + ": no such file"},
                                         {"type", "file_download_error"}}}}});
  sim.advance(Millis{3'600'000});  // odirouter keeps results 1 h (fal)
  CHECK(refusal(own).at("detail").at(0).at("msg") == "image_urls[1]: cannot read " + own + ": the file has expired");
}

TEST_CASE("A file of the simulator is recognised by its path on any host and behind any prefix, other URLs by form only",
          "[contract][odirouter][references]") {
  ScopedSimulator sim;
  const std::string own = odirouter_result_url(sim, "an apple");
  const std::string name = own.substr(own.rfind('/') + 1);
  for (const std::string& url : {"https://cdn.example.com/sim/__nanosim/files/" + name + "?download=1",
                                 "http://127.0.0.1:8080/__nanosim/files/" + name}) {
    INFO(url);
    CHECK(sim.handle(json_request("POST", odirouter_submit, {{"prompt", "x"}, {"image_urls", {url}}})).status == 200);
    CHECK(noted(sim, "image_urls[0]: the simulator's own file "));
  }
  const std::string elsewhere = "https://example.com/files/" + name;
  CHECK(sim.handle(json_request("POST", odirouter_submit, {{"prompt", "x"}, {"image_urls", {elsewhere}}})).status ==
        200);
  CHECK(last_notes(sim).empty());
  const std::string missing_name = "https://example.com/__nanosim/files/";
  CHECK(sim.handle(json_request("POST", odirouter_submit, {{"prompt", "x"}, {"image_urls", {missing_name}}})).status ==
        200);
}

TEST_CASE("crazyrouter chains: a generated image's URL is the reference of the next edit, on both paths",
          "[contract][crazyrouter][references]") {
  ScopedSimulator sim;
  const std::string first =
      crazyrouter_url(sim, {{"model", "nano-banana-2"}, {"prompt", "A red apple"}, {"aspect_ratio", "16:9"}});
  const std::string edited = crazyrouter_url(sim, {{"model", "nano-banana-2"},
                                                   {"prompt", "Make the apple green"},
                                                   {"image_input", {first}},
                                                   {"output_format", "jpeg"}});
  CHECK(noted(sim, "image_input[0]: the simulator's own file "));
  const HttpResponse file = sim.handle(request("GET", path_of(edited)));
  REQUIRE(file.status == 200);
  const auto image = images::decode(file.body);
  REQUIRE(image);
  CHECK(image->format == images::Format::jpeg);

  const HttpResponse native = sim.handle(json_request(
      "POST", crazyrouter_native, native_body({{{"fileData", {{"mimeType", "image/jpeg"}, {"fileUri", edited}}}}})));
  REQUIRE(native.status == 200);
  CHECK(noted(sim, "contents[0].parts[1].fileData.fileUri: the simulator's own file "));
  CHECK(sim.simulator().jobs().size() == 3);
}

TEST_CASE("crazyrouter refuses an unknown or expired file of its own as a 400 naming the field",
          "[contract][crazyrouter][references]") {
  ScopedSimulator sim;
  const std::string own = crazyrouter_url(sim, {{"model", "nano-banana-2"}, {"prompt", "A red apple"}});
  const auto refusal = [&](const std::string& path, const json& body) {
    const std::size_t jobs_before = sim.simulator().jobs().size();
    const HttpResponse response = sim.handle(json_request("POST", path, body));
    CHECK(response.status == 400);
    CHECK(sim.simulator().jobs().size() == jobs_before);
    return body_json(response).at("error");
  };
  const json unknown =
      refusal(crazyrouter_generations, {{"model", "nano-banana-2"}, {"prompt", "x"}, {"image_input", unknown_file}});
  CHECK(unknown.at("param") == "image_input");
  CHECK(unknown.at("code") == "invalid_request");
  CHECK(unknown.at("message").get<std::string>().rfind("image_input: cannot read " + unknown_file + ": no such file",
                                                       0) == 0);

  sim.advance(Millis{contracts::get("crazyrouter").document().at("files").at("retention_ms").get<std::int64_t>()});
  const json expired =
      refusal(crazyrouter_generations,
              {{"model", "nano-banana-2"}, {"prompt", "x"}, {"image_input", {"https://example.com/a.png", own}}});
  CHECK(expired.at("param") == "image_input[1]");
  CHECK(expired.at("message").get<std::string>().rfind("image_input[1]: cannot read " + own + ": the file has expired",
                                                       0) == 0);
  const json native = refusal(crazyrouter_native, native_body({{{"fileData", {{"fileUri", own}}}}}));
  CHECK(native.at("param") == "contents[0].parts[1].fileData.fileUri");
}

TEST_CASE("Every other provider refuses an unknown file of its own with its invalid-request error and creates nothing",
          "[contract][references]") {
  struct Case {
    std::string path;
    json body;
    int status;
    std::string field;
  };
  const json gemini_parts = native_body({{{"fileData", {{"fileUri", unknown_file}}}}});
  const std::vector<Case> cases = {
      {"/bananapro/api/v1/images/generate",
       {{"model", "nano-banana"}, {"prompt", "x"}, {"type", "image-to-image"}, {"image_urls", {unknown_file}}},
       422,
       "image_urls[0]"},
      {"/toapis/v1/images/generations",
       {{"model", "nano-banana-2"}, {"prompt", "x"}, {"image_urls", {unknown_file}}},
       400,
       "image_urls[0]"},
      {"/nanoseries/v1/images/tasks",
       {{"model", "NanoBanana"}, {"prompt", "x"}, {"image", {{"url", unknown_file}}}},
       400,
       "image.url"},
      {"/nanoseries/v1/images/generations",
       {{"model", "NanoBanana"}, {"prompt", "x"}, {"images", {unknown_file}}},
       400,
       "images[0]"},
      {"/nanoseries/v1beta/models/NanoBanana:generateContent", gemini_parts, 400,
       "contents[0].parts[1].fileData.fileUri"},
      {"/gemini/v1beta/models/gemini-2.5-flash-image:generateContent?key=test-key", gemini_parts, 400,
       "contents[0].parts[1].fileData.fileUri"}};
  for (const Case& item : cases) {
    INFO(item.path);
    ScopedSimulator sim;
    const HttpResponse response = sim.handle(json_request("POST", item.path, item.body));
    CHECK(response.status == item.status);
    CHECK(response.body.find(item.field + ": cannot read " + unknown_file + ": no such file") != std::string::npos);
    CHECK(sim.simulator().jobs().empty());
  }
}

TEST_CASE("bananapro charges nothing for a request whose reference has expired", "[contract][bananapro][references]") {
  ScopedSimulator sim;
  const std::string own = odirouter_result_url(sim, "an apple");  // a file of the simulator, from any provider
  sim.advance(Millis{3'600'000});
  const json body = {{"model", "nano-banana"}, {"prompt", "x"}, {"type", "image-to-image"}, {"image_urls", {own}}};
  const HttpResponse response = sim.handle(json_request("POST", "/bananapro/api/v1/images/generate", body));
  CHECK(response.status == 422);
  CHECK(body_json(response).at("error").at("details") == json{{"field", "image_urls[0]"}, {"rule", "reachable"}});
  CHECK(sim.simulator().credits("test-key") == sim.simulator().options().default_credits);
  CHECK(sim.simulator().jobs().size() == 1);
}
