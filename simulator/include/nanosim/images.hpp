#pragma once
// Real, decodable images (PNG via libpng, JPEG via libjpeg-turbo, lossless WebP written directly), deterministic for
// a seed.
// Rendering is lazy and cached: the cache is bounded in bytes and thread-safe.

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nanosim::images {

enum class Format { png, jpeg, webp };

[[nodiscard]] std::string_view to_string(Format f);       // "png", "jpeg", "webp"
[[nodiscard]] std::string_view mime_type(Format f);       // "image/png", ...
[[nodiscard]] std::string_view file_extension(Format f);  // "png", "jpg", "webp"
/// Accepts "png", "jpeg", "jpg", "webp" and the MIME types, case-insensitively.
[[nodiscard]] std::optional<Format> parse_format(std::string_view text);

struct ImageSpec {
  int width = 1024;
  int height = 1024;
  Format format = Format::png;
  int quality = 90;        // JPEG quality 0-100 (really applied; PNG and the lossless WebP have none)
  std::uint64_t seed = 0;  // picks colours and pattern; same spec => same bytes

  bool operator==(const ImageSpec&) const = default;
};

/// Encodes an image of the spec. Cheap even at 12288 px: simple content, streamed row by row where the codec allows.
/// Throws std::invalid_argument for dimensions outside 1..16383 (WebP's limit) or a bad quality.
[[nodiscard]] std::string render(const ImageSpec& spec);

/// What a byte string decodes to.
struct DecodedImage {
  Format format = Format::png;
  int width = 0;
  int height = 0;
};
/// Fully decodes the bytes (every pixel), returning nullopt when they are not a valid PNG, JPEG or WebP image.
[[nodiscard]] std::optional<DecodedImage> decode(std::string_view bytes);
/// Reads only the header: format and dimensions, nullopt when unrecognised.
[[nodiscard]] std::optional<DecodedImage> probe(std::string_view bytes);

/// A bounded, thread-safe cache of rendered images, least recently used evicted first.
class Cache {
 public:
  explicit Cache(std::size_t capacity_bytes = 256u << 20);
  /// Renders (outside the lock) or returns the cached bytes.
  std::shared_ptr<const std::string> get(const ImageSpec& spec);
  [[nodiscard]] std::size_t size_bytes() const;
  void clear();

 private:
  struct SpecHash {
    std::size_t operator()(const ImageSpec& s) const noexcept;
  };
  using Entry = std::pair<ImageSpec, std::shared_ptr<const std::string>>;
  mutable std::mutex mutex_;  // guards everything below
  std::size_t capacity_bytes_;
  std::size_t size_bytes_ = 0;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<ImageSpec, std::list<Entry>::iterator, SpecHash> index_;
};

/// Base64 (RFC 4648, with padding).
[[nodiscard]] std::string base64_encode(std::string_view bytes);
/// nullopt when the text is not valid base64 (whitespace is ignored).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace nanosim::images
