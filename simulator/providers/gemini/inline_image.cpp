#include "inline_image.hpp"

#include "nanosim/inline_image.hpp"

namespace nanosim::providers::gemini {

std::optional<InlineImageFault> check_inline_image(const std::string& mime, const std::string& data,
                                                   const std::string& field, std::string& note) {
  const auto fault = images::check_inline_image(mime, data, note);
  if (!fault) return std::nullopt;
  if (*fault == images::InlineImageFault::not_base64) {
    return InlineImageFault{"invalid_base64", "Invalid value at '" + field + "' (TYPE_BYTES), Base64 decoding failed"};
  }
  return InlineImageFault{"invalid_image", field + ": Unable to process input image"};
}

std::optional<InlineImageFault> check_image_bytes(const std::string& bytes, const std::string& field) {
  if (images::decode(bytes)) return std::nullopt;
  return InlineImageFault{"invalid_image", field + ": is not an image (PNG, JPEG or WebP)"};
}

}  // namespace nanosim::providers::gemini
