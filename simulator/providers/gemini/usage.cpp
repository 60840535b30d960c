#include "usage.hpp"

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"

namespace nanosim::providers::gemini {
namespace {

using nlohmann::json;

int text_tokens(std::size_t characters) { return static_cast<int>((characters + 3) / 4); }

int input_image_tokens(const json& rule, std::pair<int, int> size) {
  if (rule.contains("per_image")) return rule.at("per_image").get<int>();
  const int per_tile = rule.value("per_tile", 258);
  const int tile = rule.value("tile", 768);
  const auto [width, height] = size;
  if (width <= rule.value("small_max", 384) && height <= rule.value("small_max", 384)) return per_tile;
  return per_tile * ((width + tile - 1) / tile) * ((height + tile - 1) / tile);
}

}  // namespace

std::vector<std::pair<int, int>> inline_image_sizes(const json& contents) {
  std::vector<std::pair<int, int>> out;
  if (!contents.is_array()) return out;
  for (const json& content : contents) {
    if (!content.is_object()) continue;
    for (const json& part : content.value("parts", json::array())) {
      const auto data = part.find("inlineData");
      if (data == part.end() || !data->is_object() || !data->contains("data") || !data->at("data").is_string()) continue;
      const auto bytes = images::base64_decode(data->at("data").get_ref<const std::string&>());
      const auto image = bytes ? images::probe(*bytes) : std::nullopt;
      if (image) out.emplace_back(image->width, image->height);
    }
  }
  return out;
}

json usage_metadata(const Usage& usage) {
  const json& models = contracts::image_size_table().at("models");
  const auto model = models.find(std::string(usage.upstream_model));
  const json rule = model != models.end() ? model->value("input_image_tokens", json::object()) : json::object();
  int image_in = 0;
  for (const auto& size : usage.input_images) image_in += input_image_tokens(rule, size);
  const int text_in = text_tokens(usage.prompt_characters);
  json prompt_details = json::array({{{"modality", "TEXT"}, {"tokenCount", text_in}}});
  if (image_in > 0) prompt_details.push_back({{"modality", "IMAGE"}, {"tokenCount", image_in}});
  json out = {{"promptTokenCount", text_in + image_in}, {"promptTokensDetails", prompt_details}};

  const int per_image = model != models.end() ? model->at("tokens_per_image").value(std::string(usage.size_tier), 0) : 0;
  const int image_out = per_image * static_cast<int>(usage.images_out);
  const int text_out = usage.text_out_characters > 0 ? text_tokens(usage.text_out_characters) : 0;
  json candidate_details = json::array();
  if (text_out > 0) candidate_details.push_back({{"modality", "TEXT"}, {"tokenCount", text_out}});
  if (image_out > 0) candidate_details.push_back({{"modality", "IMAGE"}, {"tokenCount", image_out}});
  if (text_out + image_out > 0) {
    out["candidatesTokenCount"] = text_out + image_out;
    out["candidatesTokensDetails"] = std::move(candidate_details);
  }
  out["totalTokenCount"] = text_in + image_in + text_out + image_out;
  return out;
}

}  // namespace nanosim::providers::gemini
