#include "inline_image.hpp"

#include "nanosim/images.hpp"

namespace nanosim::providers::gemini {

std::optional<InlineImageFault> check_inline_image(const std::string& mime, const std::string& data,
                                                   const std::string& field, std::string& note) {
  const auto bytes = images::base64_decode(data);
  if (!bytes || bytes->empty()) {
    return InlineImageFault{"invalid_base64", "Invalid value at '" + field + "' (TYPE_BYTES), Base64 decoding failed"};
  }
  if (!images::parse_format(mime)) {  // HEIC / HEIF: taken as sent, the simulator cannot decode them
    note = mime + " " + std::to_string(bytes->size()) + " bytes";
    return std::nullopt;
  }
  const auto decoded = images::decode(*bytes);
  if (!decoded) return InlineImageFault{"invalid_image", field + ": Unable to process input image"};
  note = mime + " " + std::to_string(decoded->width) + "x" + std::to_string(decoded->height);
  return std::nullopt;
}

std::optional<InlineImageFault> check_image_bytes(const std::string& bytes, const std::string& field) {
  if (images::decode(bytes)) return std::nullopt;
  return InlineImageFault{"invalid_image", field + ": is not an image (PNG, JPEG or WebP)"};
}

}  // namespace nanosim::providers::gemini
