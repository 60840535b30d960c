// to_openapi: every operation, structurally sound OpenAPI 3.1, provenance carried along.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>

#include "nanosim/contracts/contract.hpp"

using namespace nanosim::contracts;

namespace {

/// Every "$ref" anywhere in the document.
void collect_refs(const json& node, std::vector<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) refs.push_back(value.get<std::string>());
      collect_refs(value, refs);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) collect_refs(item, refs);
  }
}

}  // namespace

TEST_CASE("the OpenAPI export has every operation with its parameters and responses", "[unit][contracts]") {
  for (const Contract* contract : all()) {
    CAPTURE(contract->id());
    const json api = to_openapi(*contract);
    CHECK(api.at("openapi") == "3.1.0");
    CHECK(api.at("info").at("title").is_string());
    CHECK(api.at("servers").at(0).at("url") == contract->documented_base_url());
    for (const auto& op : contract->operations()) {
      CAPTURE(op.name);
      std::string method = op.method;
      std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const json& entry = api.at("paths").at(op.path).at(method);
      CHECK(entry.at("operationId") == op.name);
      CHECK(entry.contains("x-provenance"));
      for (const auto& [status, unused] : op.response_schemas) CHECK(entry.at("responses").contains(std::to_string(status)));
      std::size_t path_params = 0;
      for (const auto& parameter : entry.at("parameters")) {
        CHECK(parameter.at("schema").is_object());
        if (parameter.at("in") == "path") {
          CHECK(parameter.at("required") == true);
          CHECK(op.path.find("{" + parameter.at("name").get<std::string>() + "}") != std::string::npos);
          ++path_params;
        }
      }
      CHECK(path_params == static_cast<std::size_t>(std::count(op.path.begin(), op.path.end(), '{')));
      if (op.request_schema) CHECK(entry.at("requestBody").at("content").contains(op.content_type));
    }
  }
}

TEST_CASE("the OpenAPI export's references all point into components", "[unit][contracts]") {
  for (const Contract* contract : all()) {
    const json api = to_openapi(*contract);
    std::vector<std::string> refs;
    collect_refs(api, refs);
    CHECK_FALSE(refs.empty());
    for (const auto& ref : refs) {
      CAPTURE(ref);
      REQUIRE(ref.rfind("#/components/schemas/", 0) == 0);
      CHECK(api.at("components").at("schemas").contains(ref.substr(std::string("#/components/schemas/").size())));
    }
  }
}

TEST_CASE("the odirouter OpenAPI export carries auth, errors and provenance", "[unit][contracts]") {
  const json api = to_openapi(get("odirouter"));
  CHECK(api.at("servers").at(0).at("url") == "https://odirouter.ai/model");
  CHECK(api.at("components").at("securitySchemes").at("bearer") ==
        json{{"type", "http"}, {"scheme", "bearer"}, {"x-provenance", api.at("components").at("securitySchemes").at("bearer").at("x-provenance")}});
  CHECK(api.at("components").at("securitySchemes").at("key").at("type") == "apiKey");
  CHECK(api.at("security").size() == 2);
  const json& submit = api.at("paths").at("/v1/queue/{model}").at("post");
  CHECK(submit.at("responses").at("401").at("content").at("application/json").at("examples").contains("unauthorized"));
  CHECK(submit.at("responses").at("429").contains("headers"));
  CHECK(submit.at("requestBody").at("content").at("application/json").at("schema").at("x-model-schemas").contains("nano_banana_2"));
  const json& logs = api.at("paths").at("/v1/queue/{model}/requests/{request_id}/status").at("get").at("parameters").at(2);
  CHECK(logs.at("name") == "logs");
  CHECK(logs.at("in") == "query");
  CHECK(api.at("components").at("schemas").at("submit_response").contains("x-provenance"));
  CHECK(api.at("x-nanosim").at("lifecycle").at("queued").at("wire") == "IN_QUEUE");
}

TEST_CASE("an auth scheme limited to some operations appears only in their security", "[unit][contracts]") {
  const json api = to_openapi(get("crazyrouter"));
  const json& paths = api.at("paths");
  const json openai = paths.at("/v1/images/generations").at("post").at("security");
  CHECK(openai == json::array({{{"bearer", json::array()}}}));
  const auto native = std::find_if(paths.begin(), paths.end(), [](const json& item) {
    return item.contains("post") && item.at("post").value("operationId", "") == "generate_content";
  });
  REQUIRE(native != paths.end());
  CHECK(native->at("post").at("security").size() == 3);
  // Without such limits the document-wide security stands alone.
  CHECK_FALSE(to_openapi(get("odirouter")).at("paths").begin()->begin()->contains("security"));
}
