#pragma once
// Gemini's check of an inline image (research/providers.md §3): inlineData.data must be base64, and base64 of an
// image. Google's own API (../gemini.cpp) and the gateways that relay a body to it (../crazyrouter.cpp, the
// nanoseries faces) refuse the same data, each in its own error shape.

#include <optional>
#include <string>

namespace nanosim::providers::gemini {

/// Why some data is not an inline image: "invalid_base64" or "invalid_image", and Google's words for it.
struct InlineImageFault {
  std::string kind;
  std::string message;
};

/// Reads base64 `data` declared as `mime`; on success `note` is a short description ("image/png 640x480").
/// HEIC / HEIF are taken as sent: the simulator cannot decode them. `field` names the data in the message.
std::optional<InlineImageFault> check_inline_image(const std::string& mime, const std::string& data,
                                                   const std::string& field, std::string& note);

/// Raw bytes (a multipart upload): whether they decode to an image; `field` names the part in the message.
std::optional<InlineImageFault> check_image_bytes(const std::string& bytes, const std::string& field);

}  // namespace nanosim::providers::gemini
