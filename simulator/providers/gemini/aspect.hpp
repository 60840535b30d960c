#pragma once
// Gemini's default aspect ratio for an edit (research/providers.md §3; Google's image-generation documentation:
// with no aspectRatio the model matches the size of the input image, else answers 1:1). Google's own API
// (../gemini.cpp) and the gateways' Gemini-native entries apply it alike.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nanosim::providers::gemini {

/// The documented ratio of `upstream_model` (contracts/shared/image-sizes.json) nearest to the first inline image
/// of `contents` (a request's contents[]); nullopt when there is none or it cannot be read.
std::optional<std::string> ratio_of_input_image(const nlohmann::json& contents, std::string_view upstream_model);

}  // namespace nanosim::providers::gemini
