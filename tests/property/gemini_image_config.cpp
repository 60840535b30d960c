// Property: for any model and any imageConfig drawn from every value any model documents (plus values none
// does), generateContent answers 200 with an image of the table's size exactly when the model's own schema
// (read from the contract) lists both values, and otherwise 400 INVALID_ARGUMENT with no job.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <set>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

const json::json_pointer image_config_ptr("/properties/generationConfig/properties/imageConfig/properties");

std::vector<std::string> enum_of(const std::string& model, const std::string& field) {
  const auto& contract = contracts::get("gemini");
  return contract.model_request_schema(model)->document().at(image_config_ptr).at(field).at("enum");
}

/// Every value any model lists for the field, plus ones no model takes.
std::vector<std::string> all_values(const std::string& field, std::vector<std::string> extra) {
  std::set<std::string> values(extra.begin(), extra.end());
  for (const auto& model : contracts::get("gemini").model_ids()) {
    for (const auto& value : enum_of(model, field)) values.insert(value);
  }
  return {values.begin(), values.end()};
}

bool listed(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

TEST_CASE("Any model and imageConfig: an image of the table's size exactly when the model lists both values",
          "[property][gemini]") {
  const auto models = contracts::get("gemini").model_ids();
  // 4K is left out of the draw to keep each case cheap in debug builds; the contract tests render it.
  const auto ratios = all_values("aspectRatio", {"7:5", "16:10", "1:1 "});
  auto sizes = all_values("imageSize", {"2k", "0.5K", "8K"});
  sizes.erase(std::remove(sizes.begin(), sizes.end(), "4K"), sizes.end());

  rc::prop("imageConfig per model", [&] {
    const std::string model = *rc::gen::elementOf(models);
    const std::string ratio = *rc::gen::elementOf(ratios);
    const std::string size = *rc::gen::elementOf(sizes);
    testkit::ScopedSimulator sim;
    json body = {{"contents", {{{"parts", {{{"text", "A lighthouse"}}}}}}},
                 {"generationConfig", {{"responseModalities", {"IMAGE"}},
                                       {"imageConfig", {{"aspectRatio", ratio}, {"imageSize", size}}}}}};
    HttpRequest request = testkit::json_request("POST", "/gemini/v1beta/models/" + model + ":generateContent", body, "");
    request.headers.emplace("x-goog-api-key", "k");
    const HttpResponse response = sim.handle(request);
    const json answer = testkit::body_json(response);

    const bool documented = listed(enum_of(model, "aspectRatio"), ratio) && listed(enum_of(model, "imageSize"), size);
    if (!documented) {
      RC_ASSERT(response.status == 400);
      RC_ASSERT(answer.at("error").at("status") == "INVALID_ARGUMENT");
      RC_ASSERT(sim.simulator().jobs().empty());
      return;
    }
    RC_ASSERT(response.status == 200);
    const std::string upstream = contracts::get("gemini").model(model)->at("upstream");
    const auto expected = contracts::image_dimensions(upstream, ratio, size);
    RC_ASSERT(expected.has_value());
    const auto bytes = images::base64_decode(
        answer.at("candidates").at(0).at("content").at("parts").at(0).at("inlineData").at("data").get<std::string>());
    RC_ASSERT(bytes.has_value());
    const auto image = images::probe(*bytes);
    RC_ASSERT(image.has_value());
    RC_ASSERT(image->width == expected->first);
    RC_ASSERT(image->height == expected->second);
  });
}
