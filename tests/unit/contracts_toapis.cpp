// The toapis contract: every size x resolution it admits has dimensions, defaults, the error catalog, the
// result retention, and the OpenAPI export.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"

using namespace nanosim::contracts;

namespace {
const Contract& toapis() { return get("toapis"); }
const json& request_properties() {
  return toapis().operation("create_task").request_schema->document().at("properties");
}
}  // namespace

TEST_CASE("toapis: every size and resolution the request schema admits has dimensions", "[unit][contracts]") {
  const json& properties = request_properties();
  for (const auto& model_id : toapis().model_ids()) {
    const std::string upstream = toapis().model(model_id)->at("upstream");
    for (const auto& ratio : properties.at("size").at("enum")) {
      for (const auto& tier : properties.at("metadata").at("properties").at("resolution").at("enum")) {
        CAPTURE(model_id, ratio, tier);
        CHECK(image_dimensions(upstream, ratio.get<std::string>(), tier.get<std::string>()));
      }
    }
  }
}

TEST_CASE("toapis: defaults fill size and n, and the model enum is the contract's models", "[unit][contracts]") {
  json body = {{"model", "nano-banana-2"}, {"prompt", "x"}};
  Contract::apply_defaults(*toapis().operation("create_task").request_schema, body);
  CHECK(body.at("size") == "1:1");
  CHECK(body.at("n") == 1);
  std::vector<std::string> enumerated = request_properties().at("model").at("enum");
  std::sort(enumerated.begin(), enumerated.end());
  CHECK(enumerated == toapis().model_ids());
}

TEST_CASE("toapis: the error catalog renders the seed's types and new-api's invalid api type", "[unit][contracts]") {
  CHECK(toapis().render_error("invalid_request").status == 400);
  CHECK(toapis().render_error("missing_api_key").status == 401);
  CHECK(toapis().render_error("invalid_api_key").status == 401);
  CHECK(toapis().render_error("rate_limited").status == 429);
  const auto chat = toapis().render_error("invalid_api_type", {{"request_id", "r1"}});
  CHECK(chat.status == 400);
  CHECK(json::parse(chat.body).at("error").at("message") == "invalid api type: -1 (request id: r1)");
  CHECK(toapis().document().at("files").at("retention_ms") == 86'400'000);
}

TEST_CASE("toapis: the OpenAPI export lists the three operations", "[unit][contracts]") {
  const json openapi = to_openapi(toapis());
  CHECK(openapi.at("paths").contains("/v1/images/generations"));
  CHECK(openapi.at("paths").contains("/v1/images/generations/{task_id}"));
  CHECK(openapi.at("paths").contains("/v1/chat/completions"));
}
