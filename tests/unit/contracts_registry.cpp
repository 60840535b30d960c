// The embedded contracts, their format (contract.schema.json), the image-size table and path templates.
#include <catch2/catch.hpp>

#include "nanosim/contracts/contract.hpp"

using namespace nanosim::contracts;

namespace {

bool has_violation(const std::vector<Violation>& violations, const std::string& field, const std::string& rule) {
  for (const auto& v : violations) {
    if (v.field == field && v.rule == rule) return true;
  }
  return false;
}

json odirouter_document() { return get("odirouter").document(); }

}  // namespace

TEST_CASE("every embedded contract passes contract.schema.json", "[unit][contracts]") {
  REQUIRE_FALSE(all().empty());
  for (const Contract* contract : all()) {
    CAPTURE(contract->id());
    CHECK(check_contract_document(contract->document()).empty());
    CHECK(find(contract->id()) == contract);
  }
  CHECK(find("no_such_provider") == nullptr);
  CHECK_THROWS_AS(get("no_such_provider"), std::out_of_range);
}

TEST_CASE("a contract without provenance fails the check, naming where", "[unit][contracts]") {
  json document = odirouter_document();
  document.at("operations").at("submit").erase("provenance");
  document.at("errors").at("unauthorized").erase("provenance");
  document.at("lifecycle").at("queued").erase("provenance");
  document.at("models").at("nano_banana_2").erase("provenance");
  document.at("models").at("nano_banana_2").at("request_schema").at("properties").at("prompt").erase("x-provenance");
  document.at("definitions").at("log_entry").erase("x-provenance");
  const auto violations = check_contract_document(document);
  CHECK(has_violation(violations, "operations.submit.provenance", "required"));
  CHECK(has_violation(violations, "errors.unauthorized.provenance", "required"));
  CHECK(has_violation(violations, "lifecycle.queued.provenance", "required"));
  CHECK(has_violation(violations, "models.nano_banana_2.provenance", "required"));
  CHECK(has_violation(violations, "models.nano_banana_2.request_schema.properties.prompt.x-provenance", "required"));
  CHECK(has_violation(violations, "definitions.log_entry.x-provenance", "required"));
}

TEST_CASE("additionalProperties false must say why", "[unit][contracts]") {
  json document = odirouter_document();
  document.at("models").at("nano_banana_2").at("request_schema").erase("x-provenance-keywords");
  CHECK(has_violation(check_contract_document(document),
                      "models.nano_banana_2.request_schema.x-provenance-keywords", "required"));
}

TEST_CASE("a provenance is exactly one of seed+section, source or inferred", "[unit][contracts]") {
  json document = odirouter_document();
  document.at("errors").at("unauthorized").at("provenance") = json{{"seed", "000"}};
  CHECK(has_violation(check_contract_document(document), "errors.unauthorized.provenance", "oneOf"));
  document.at("errors").at("unauthorized").at("provenance") = json{{"source", "x"}, {"inferred", "y"}};
  CHECK(has_violation(check_contract_document(document), "errors.unauthorized.provenance", "oneOf"));
}

TEST_CASE("a misspelt schema keyword in a contract fails loudly", "[unit][contracts]") {
  json document = odirouter_document();
  document.at("models").at("nano_banana_2").at("request_schema").at("properties").at("prompt")["maxLenght"] = 10;
  CHECK(has_violation(check_contract_document(document),
                      "models.nano_banana_2.request_schema.properties.prompt.maxLenght", "additionalProperties"));
}

TEST_CASE("cross-references the format cannot express are checked", "[unit][contracts]") {
  json document = odirouter_document();
  document.at("auth").at("missing") = "no_such_error";
  const std::size_t appended = document.at("operations").at("status").at("errors").size();
  document.at("operations").at("status").at("errors").push_back("also_missing");
  document.at("operations").at("cancel").at("path") = "/v1/queue/{model}/requests/{request_id/cancel";
  document.at("definitions").at("status_pending").at("oneOf").at(0).at("$ref") = "#/definitions/nothing";
  document.at("definitions").at("queue_url").at("pattern") = "^(unclosed";
  document.at("models").at("nano_banana_2").at("upstream") = "gemini-9";
  const auto violations = check_contract_document(document);
  CHECK(has_violation(violations, "auth.missing", "error_kind"));
  CHECK(has_violation(violations, "operations.status.errors[" + std::to_string(appended) + "]", "error_kind"));
  CHECK(has_violation(violations, "operations.cancel.path", "path"));
  CHECK(has_violation(violations, "definitions.status_pending.oneOf[0].$ref", "$ref"));
  CHECK(has_violation(violations, "definitions.queue_url.pattern", "pattern"));
  CHECK(has_violation(violations, "models.nano_banana_2.upstream", "upstream"));
}

TEST_CASE("path templates match a parameter inside a segment, as in :generateContent", "[unit][contracts]") {
  const Contract gemini(json::parse(R"({
    "id": "fake_gemini", "documented_base_url": "https://example.com", "models": {}, "errors": {}, "lifecycle": {},
    "operations": {
      "generate": {"method": "POST", "path": "/v1beta/models/{model}:generateContent",
                   "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}},
      "stream": {"method": "POST", "path": "/v1beta/models/{model}:streamGenerateContent",
                 "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}},
      "get": {"method": "GET", "path": "/v1beta/models/{model}",
              "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}
    }
  })"));
  auto generate = gemini.match("POST", "/v1beta/models/gemini-3.1-flash-image-preview:generateContent");
  REQUIRE(generate);
  CHECK(generate->operation->name == "generate");
  CHECK(generate->params.at("model") == "gemini-3.1-flash-image-preview");
  CHECK(gemini.match("POST", "/v1beta/models/a:b:generateContent")->params.at("model") == "a:b");
  CHECK(gemini.match("POST", "/v1beta/models/nano-banana-2:streamGenerateContent")->operation->name == "stream");
  CHECK_FALSE(gemini.match("POST", "/v1beta/models/:generateContent"));
  CHECK_FALSE(gemini.match("POST", "/v1beta/models/x:generateContentX"));
  CHECK_FALSE(gemini.match("POST", "/v1beta/models/x/y:generateContent"));
  CHECK(gemini.match("GET", "/v1beta/models/x:generateContent")->operation->name == "get");
  CHECK(gemini.path_known("/v1beta/models/x:generateContent"));
}

TEST_CASE("a malformed path template is refused", "[unit][contracts]") {
  for (const char* path : {"v1/x", "/v1/{model", "/v1/model}", "/v1/{a}{b}", "/v1/{a}/{a}", "/v1/{a-b}"}) {
    CAPTURE(path);
    json document = {{"id", "bad"}, {"models", json::object()}, {"errors", json::object()},
                     {"operations", {{"op", {{"method", "GET"}, {"path", path}, {"responses", json::object()}}}}}};
    CHECK_THROWS_AS(Contract(document), std::invalid_argument);
  }
}

TEST_CASE("image dimensions come from the shared table", "[unit][contracts]") {
  CHECK(image_dimensions("gemini-3.1-flash-image-preview", "16:9", "2K") == std::pair{2752, 1536});
  CHECK(image_dimensions("gemini-3.1-flash-image-preview", "1:8", "4K") == std::pair{1536, 12288});
  CHECK(image_dimensions("gemini-3.1-flash-image-preview", "21:9", "512") == std::pair{792, 336});
  CHECK(image_dimensions("gemini-3-pro-image-preview", "4:5", "1K") == std::pair{928, 1152});
  CHECK(image_dimensions("gemini-2.5-flash-image", "21:9", "1K") == std::pair{1536, 672});
  CHECK_FALSE(image_dimensions("gemini-3-pro-image-preview", "1:1", "512"));
  CHECK_FALSE(image_dimensions("gemini-3-pro-image-preview", "1:4", "1K"));
  CHECK_FALSE(image_dimensions("gemini-9", "1:1", "1K"));
  CHECK(image_size_table().at("models").at("gemini-3.1-flash-image-preview").at("cell_provenance").contains("21:9@512"));
}

TEST_CASE("every model's aspect ratios and size tiers have dimensions", "[unit][contracts]") {
  for (const Contract* contract : all()) {
    for (const auto& id : contract->model_ids()) {
      const json& model = *contract->model(id);
      const json* schema = contract->model_request_schema(id) ? &model.at("request_schema") : nullptr;
      if (!schema || !schema->at("properties").contains("aspect_ratio") || !schema->at("properties").contains("image_size")) continue;
      for (const auto& ratio : schema->at("properties").at("aspect_ratio").at("enum")) {
        for (const auto& tier : schema->at("properties").at("image_size").at("enum")) {
          CAPTURE(contract->id(), id, ratio, tier);
          CHECK(image_dimensions(model.at("upstream").get<std::string>(), ratio.get<std::string>(), tier.get<std::string>()));
        }
      }
    }
  }
}
