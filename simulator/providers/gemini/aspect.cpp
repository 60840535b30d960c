#include "aspect.hpp"

#include <cmath>
#include <limits>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"

namespace nanosim::providers::gemini {
namespace {

std::optional<std::pair<int, int>> first_inline_size(const nlohmann::json& contents) {
  if (!contents.is_array()) return std::nullopt;
  for (const auto& content : contents) {
    for (const auto& part : content.value("parts", nlohmann::json::array())) {
      const auto data = part.find("inlineData");
      if (data == part.end() || !data->is_object() || !data->contains("data") || !data->at("data").is_string()) continue;
      const auto bytes = images::base64_decode(data->at("data").get_ref<const std::string&>());
      const auto image = bytes ? images::probe(*bytes) : std::nullopt;
      if (!image || image->width <= 0 || image->height <= 0) return std::nullopt;
      return std::make_pair(image->width, image->height);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ratio_of_input_image(const nlohmann::json& contents, std::string_view upstream_model) {
  const auto size = first_inline_size(contents);
  const auto& models = contracts::image_size_table().at("models");
  const auto model = models.find(std::string(upstream_model));
  if (!size || model == models.end()) return std::nullopt;
  const double wanted = std::log(static_cast<double>(size->first) / size->second);
  std::optional<std::string> best;
  double best_distance = std::numeric_limits<double>::max();
  for (const auto& [ratio, unused] : model->at("dimensions").items()) {
    const auto colon = ratio.find(':');
    const double w = std::stod(ratio.substr(0, colon));
    const double h = std::stod(ratio.substr(colon + 1));
    const double distance = std::abs(std::log(w / h) - wanted);
    if (distance < best_distance) {
      best_distance = distance;
      best = ratio;
    }
  }
  return best;
}

}  // namespace nanosim::providers::gemini
