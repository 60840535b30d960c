// Images sent inline as text (data: URIs, raw base64): read and decoded as real images, the same way for every
// provider (Gemini's inlineData, the gateways' image_urls / image_input / image entries).
#include <algorithm>
#include <cctype>

#include "nanosim/inline_image.hpp"

namespace nanosim::images {
namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
}

}  // namespace

std::optional<DataUri> split_data_uri(std::string_view text) {
  // RFC 2397: data:[<mediatype>][;base64],<data>. Only the base64 form carries image bytes here.
  if (!starts_with_ignoring_case(text, "data:")) return std::nullopt;
  const std::size_t comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  std::string_view header = text.substr(5, comma - 5);
  constexpr std::string_view base64_marker = ";base64";
  if (header.size() < base64_marker.size() ||
      !starts_with_ignoring_case(header.substr(header.size() - base64_marker.size()), base64_marker)) {
    return std::nullopt;
  }
  header.remove_suffix(base64_marker.size());
  return DataUri{std::string(header.substr(0, header.find(';'))), text.substr(comma + 1)};
}

bool looks_like_base64(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r';
  });
}

std::optional<InlineImageFault> check_inline_image(std::string_view mime, std::string_view base64,
                                                   std::string& description) {
  const auto bytes = base64_decode(base64);
  if (!bytes || bytes->empty()) return InlineImageFault::not_base64;
  if (!mime.empty() && !parse_format(mime)) {  // HEIC / HEIF and the like: taken as sent, they cannot be decoded here
    description = std::string(mime) + " " + std::to_string(bytes->size()) + " bytes";
    return std::nullopt;
  }
  const auto image = decode(*bytes);
  if (!image) return InlineImageFault::not_image;
  description = std::string(mime_type(image->format)) + " " + std::to_string(image->width) + "x" +
                std::to_string(image->height);
  return std::nullopt;
}

}  // namespace nanosim::images
