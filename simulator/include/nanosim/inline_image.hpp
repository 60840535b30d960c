#pragma once
// Images sent inline as text: data: URIs (RFC 2397) and raw base64, checked as real images (nanosim/images.hpp
// decoders) the same way for every provider that takes them, before anything is charged or queued.

#include <optional>
#include <string>
#include <string_view>

#include "nanosim/images.hpp"

namespace nanosim::images {

/// A data URI in its base64 form (RFC 2397): "data:image/png;base64,iVBOR..." -> {"image/png", "iVBOR..."}.
struct DataUri {
  std::string mime;         // as declared; may be empty ("data:;base64,...")
  std::string_view base64;  // a view into the URI
};
/// nullopt when the text is not a base64 data URI (case-insensitive "data:" and ";base64").
[[nodiscard]] std::optional<DataUri> split_data_uri(std::string_view text);
/// True when the text is made only of base64 characters (and line breaks): raw base64 image data, as some
/// gateways take beside URLs.
[[nodiscard]] bool looks_like_base64(std::string_view text);

/// Why inline image data is no image.
enum class InlineImageFault {
  not_base64,  // does not decode as base64 (or decodes to nothing)
  not_image,   // decodes, but not to a PNG, JPEG or WebP image (every pixel is read)
};
/// Checks base64 `base64` declared as `mime` (empty: undeclared) before anything is charged or queued. On success
/// `description` says what it is ("image/png 640x480"). A declared type the simulator cannot decode (HEIC, HEIF)
/// is taken as sent once it is base64, as Gemini's own check does (research/providers.md §3).
[[nodiscard]] std::optional<InlineImageFault> check_inline_image(std::string_view mime, std::string_view base64,
                                                                 std::string& description);

}  // namespace nanosim::images
