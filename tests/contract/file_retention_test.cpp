// Result files expire as each provider keeps them (contract files.retention_ms, counted from the job's end): a
// download one millisecond before the limit serves the image with its Content-Type, one at the limit answers the
// provider's own file_expired error, on contract. Every provider whose results are URLs is covered.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

/// One provider's request that produces a result file: where it goes and what it carries.
struct Producer {
  std::string provider;
  std::string path;
  json body;
};

std::vector<Producer> producers() {
  return {
      {"odirouter", "/odirouter/v1/queue/nano_banana_2", {{"prompt", "A red apple"}}},
      {"bananapro", "/bananapro/api/v1/images/generate", {{"model", "nano-banana"}, {"prompt", "A red apple"}}},
      {"crazyrouter", "/crazyrouter/v1/images/generations", {{"model", "nano-banana-2"}, {"prompt", "A red apple"}}},
      {"nanoseries", "/nanoseries/v1/images/tasks", {{"model", "NanoBanana2-0.5K"}, {"prompt", "A red apple"}}},
      {"nanoseries", "/nanoseries/v1/images/generations", {{"model", "NanoBanana"}, {"prompt", "A red apple"}}},
      {"toapis",
       "/toapis/v1/images/generations",
       {{"model", "gemini-3.1-flash-image-preview"}, {"prompt", "A red apple"}}}};
}

/// True when `body` has the catalog template's shape: literals equal, "{placeholder}" strings any string.
bool matches_template(const json& body, const json& pattern) {
  if (pattern.is_string() && pattern.get<std::string>().find('{') != std::string::npos) return body.is_string();
  if (pattern.is_object()) {
    if (!body.is_object() || body.size() != pattern.size()) return false;
    for (const auto& [key, value] : pattern.items()) {
      if (!body.contains(key) || !matches_template(body.at(key), value)) return false;
    }
    return true;
  }
  if (pattern.is_array()) {
    if (!body.is_array() || body.size() != pattern.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (!matches_template(body.at(i), pattern.at(i))) return false;
    }
    return true;
  }
  return body == pattern;
}

}  // namespace

TEST_CASE(
    "Every provider whose results are URLs keeps its files for its contract's retention, then answers its own "
    "file_expired error",
    "[contract][files]") {
  for (const Producer& producer : producers()) {
    INFO(producer.path);
    const contracts::Contract& contract = contracts::get(producer.provider);
    REQUIRE(contract.document().contains("files"));
    const Millis retention{contract.document().at("files").at("retention_ms").get<std::int64_t>()};

    ScopedSimulator sim;
    REQUIRE(sim.handle(json_request("POST", producer.path, producer.body)).status == 200);
    sim.advance(Millis{600'000});  // every model's run time is shorter
    const JobView job = sim.simulator().jobs().at(0);
    REQUIRE(job.state == JobState::succeeded);
    REQUIRE(job.files_expire_at == *job.finished_at + retention);
    const OutputFile& file = job.outputs.at(0);
    const std::string path =
        "/__nanosim/files/" + file.token + "." + std::string(images::file_extension(file.image.format));

    sim.advance(*job.files_expire_at - Millis{1} - sim.now());
    const HttpResponse kept = sim.handle(request("GET", path));
    REQUIRE(kept.status == 200);
    CHECK(kept.content_type() == images::mime_type(file.image.format));
    const auto image = images::decode(kept.body);
    REQUIRE(image);
    CHECK(image->width == job.spec.width);
    CHECK(image->height == job.spec.height);

    sim.advance(Millis{1});
    const HttpResponse expired = sim.handle(request("GET", path));
    const contracts::ErrorSpec& documented = contract.error("file_expired");
    CHECK(expired.status == documented.http_status);
    CHECK(matches_template(body_json(expired), documented.body));
    CHECK(contract.validate_error_response(expired).empty());
  }
}

TEST_CASE("A result's retention counts from its job's end, whatever the queue did before", "[contract][files]") {
  Options options = deterministic_options();
  options.workers = 1;
  ScopedSimulator sim(options);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(sim.handle(json_request("POST", "/odirouter/v1/queue/nano_banana_2", {{"prompt", "p" + std::to_string(i)}}))
                .status == 200);
  }
  sim.advance(Millis{600'000});
  const auto jobs = sim.simulator().jobs();
  REQUIRE(jobs.size() == 2);
  CHECK(*jobs[1].files_expire_at - *jobs[0].files_expire_at == *jobs[1].finished_at - *jobs[0].finished_at);
  CHECK(*jobs[1].files_expire_at == *jobs[1].finished_at + Millis{3'600'000});
}
