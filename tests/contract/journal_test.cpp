// The journal as clients in other languages read it (GET /__nanosim/journal): always valid JSON, whatever the
// requests carried, and result files described by how long the provider still keeps them.
#include <catch2/catch.hpp>

#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

json journal_of(ScopedSimulator& sim) {
  const HttpResponse response = sim.handle(request("GET", "/__nanosim/journal"));
  REQUIRE(response.status == 200);
  return json::parse(response.body);  // throws (fails the test) on invalid UTF-8 or JSON
}

std::string repeated(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

}  // namespace

TEST_CASE("A long non-ASCII prompt cut to the journal's body limit never splits a character", "[contract][journal]") {
  // 2500 characters is odirouter's limit; in é (2 bytes) or 画 (3 bytes) that is far past the 4096-byte body limit.
  const std::string piece = GENERATE(as<std::string>{}, "\xC3\xA9", "\xE7\x94\xBB", "\xF0\x9F\x8D\x8C");
  ScopedSimulator sim;
  const std::string prompt = repeated(piece, 2500);
  REQUIRE(sim.handle(json_request("POST", "/odirouter/v1/queue/nano_banana_2", {{"prompt", prompt}})).status == 200);
  const json journal = journal_of(sim);
  const std::string body = journal.at("entries").at(0).at("request_body").get<std::string>();
  CHECK(body.size() <= 4096 + 3);
  CHECK(body.size() > 4000);
  CHECK(body.substr(body.size() - 3) == "...");
  CHECK(body.find("\xEF\xBF\xBD") == std::string::npos);  // cut at a boundary, nothing replaced
}

TEST_CASE("A request body that is not UTF-8 is journalled with replacement characters and refused as bad JSON",
          "[contract][journal]") {
  ScopedSimulator sim;
  HttpRequest garbage = request("POST", "/odirouter/v1/queue/nano_banana_2");
  garbage.headers.emplace("Content-Type", "application/json");
  garbage.body = std::string("{\"prompt\": \"\xFF\xFE\x80 binary\"}");
  CHECK(sim.handle(garbage).status == 422);  // odirouter: fal's 422
  const json journal = journal_of(sim);
  const std::string body = journal.at("entries").at(0).at("request_body").get<std::string>();
  CHECK(body.find("\xEF\xBF\xBD") != std::string::npos);
  CHECK(body.find(" binary") != std::string::npos);
}

TEST_CASE("A result file is cacheable for as long as the provider still keeps it", "[contract][journal][files]") {
  ScopedSimulator sim;
  const HttpResponse created = sim.handle(json_request(
      "POST", "/toapis/v1/images/generations", {{"model", "gemini-3.1-flash-image-preview"}, {"prompt", "An apple"}}));
  REQUIRE(created.status == 200);
  const std::string id = json::parse(created.body).at("id").get<std::string>();
  sim.advance(Millis{120'000});
  const json task = json::parse(sim.handle(request("GET", "/toapis/v1/images/generations/" + id)).body);
  REQUIRE(task.at("status") == "completed");
  const std::string url = task.at("url").get<std::string>();
  const std::string path = url.substr(url.find("/__nanosim/files/"));
  // ToAPIs keeps files 24 h from the job's end: what is left of that, to the second.
  const std::int64_t left_s = task.at("expires_at").get<std::int64_t>() - task.at("completed_at").get<std::int64_t>() -
                              (sim.now().count() / 1000 - (task.at("completed_at").get<std::int64_t>() -
                                                           task.at("created_at").get<std::int64_t>()));
  const HttpResponse first = sim.handle(request("GET", path));
  REQUIRE(first.status == 200);
  const std::int64_t first_age = std::stoll(first.header("Cache-Control")->substr(std::string("private, max-age=").size()));
  CHECK(first_age <= 86'400);
  CHECK(first_age > 86'400 - 120);
  CHECK(std::abs(first_age - left_s) <= 1);
  sim.advance(Millis{3'600'000});
  const HttpResponse later = sim.handle(request("GET", path));
  CHECK(later.header("Cache-Control") == "private, max-age=" + std::to_string(first_age - 3'600));
}
