#include "models.hpp"

namespace nanosim::providers::newapi {

HttpResponse model_list(const core::ProviderContext& context, const core::ProviderCall& call) {
  nlohmann::json data = nlohmann::json::array();
  for (const std::string& id : context.contract().model_ids()) {
    if (!context.model_enabled(call.api_key, id)) continue;
    // new-api lists each model with the endpoint types its channels serve; image models: image generation.
    data.push_back({{"id", id},
                    {"object", "model"},
                    {"created", context.unix_ms(Millis{0}) / 1000},
                    {"owned_by", "custom"},
                    {"supported_endpoint_types", nlohmann::json::array({"image-generation"})}});
  }
  return core::json_response(200, {{"data", data}, {"object", "list"}, {"success", true}});
}

}  // namespace nanosim::providers::newapi
