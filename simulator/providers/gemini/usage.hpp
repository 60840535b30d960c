#pragma once
// Gemini's usageMetadata (research/providers.md §3), one rule for Google's own API (../gemini.cpp) and the
// gateways' Gemini-native entries (../crazyrouter.cpp, ../nanoseries/gemini.cpp): prompt text at about four
// characters a token, input images as contracts/shared/image-sizes.json's input_image_tokens says for the model,
// the answer's text the same way and its images at tokens_per_image for their size tier. Counts and details agree:
// candidatesTokenCount includes the text part, and every modality has its *TokensDetails entry.

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nanosim::providers::gemini {

/// Width and height of every inline image of a request's contents[] that decodes (in order).
std::vector<std::pair<int, int>> inline_image_sizes(const nlohmann::json& contents);

/// What a generateContent exchange used.
struct Usage {
  std::string_view upstream_model;
  std::size_t prompt_characters = 0;
  std::vector<std::pair<int, int>> input_images;  // sizes; a reference the simulator cannot size counts as small
  std::size_t text_out_characters = 0;
  std::string_view size_tier;  // of the images produced
  std::size_t images_out = 0;
};

/// {promptTokenCount, candidatesTokenCount?, totalTokenCount, promptTokensDetails, candidatesTokensDetails?}.
nlohmann::json usage_metadata(const Usage& usage);

}  // namespace nanosim::providers::gemini
