#pragma once
// Helpers shared by the gemini contract tests.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace nanosim::gemini_test {

using nlohmann::json;

inline const std::string flash = "gemini-3.1-flash-image-preview";
inline const std::string pro = "gemini-3-pro-image-preview";
inline const std::string nano_banana = "gemini-2.5-flash-image";

inline std::string path_for(const std::string& model) { return "/gemini/v1beta/models/" + model + ":generateContent"; }

/// A generateContent request as @google/genai sends it (x-goog-api-key); no key when `key` is empty.
inline HttpRequest generate(const std::string& model, const json& body, const std::string& key = "test-key") {
  HttpRequest request = testkit::json_request("POST", path_for(model), body, "");
  if (!key.empty()) request.headers.emplace("x-goog-api-key", key);
  return request;
}

inline json text_body(const std::string& prompt, std::vector<std::string> modalities = {}) {
  json body = {{"contents", {{{"role", "user"}, {"parts", {{{"text", prompt}}}}}}}};
  if (!modalities.empty()) body["generationConfig"]["responseModalities"] = modalities;
  return body;
}

/// The width and height an inlineData part decodes to (0 x 0 when it does not decode).
inline std::pair<int, int> decoded_size(const json& part) {
  const auto bytes = images::base64_decode(part.at("inlineData").at("data").get<std::string>());
  if (!bytes) return {0, 0};
  const auto image = images::decode(*bytes);
  return image ? std::pair<int, int>{image->width, image->height} : std::pair<int, int>{0, 0};
}

inline std::string tiny_png_base64() {
  return images::base64_encode(images::render(images::ImageSpec{8, 8, images::Format::png, 90, 7}));
}

inline JobFate failing(std::string kind, double at_fraction = 0.5) {
  JobFate fate;
  fate.succeeds = false;
  fate.failure_kind = std::move(kind);
  fate.fail_at_fraction = at_fraction;
  return fate;
}

}  // namespace nanosim::gemini_test
