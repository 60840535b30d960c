// Rendering: every format yields a real image of exactly the asked size, byte-for-byte reproducible for a spec.

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <png.h>
#include <webp/decode.h>

#include "nanosim/images.hpp"

using nanosim::images::decode;
using nanosim::images::Format;
using nanosim::images::ImageSpec;
using nanosim::images::probe;
using nanosim::images::render;

namespace {

void require_renders_as(const ImageSpec& spec) {
  INFO("format " << nanosim::images::to_string(spec.format) << ", " << spec.width << "x" << spec.height);
  const std::string bytes = render(spec);
  const auto decoded = decode(bytes);
  REQUIRE(decoded.has_value());
  CHECK(decoded->format == spec.format);
  CHECK(decoded->width == spec.width);
  CHECK(decoded->height == spec.height);
  const auto probed = probe(bytes);
  REQUIRE(probed.has_value());
  CHECK(probed->format == spec.format);
  CHECK(probed->width == spec.width);
  CHECK(probed->height == spec.height);
}

// The RGB pixels of a PNG, by libpng's simplified API.
std::vector<std::uint8_t> png_rgb(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()) != 0);
  image.format = PNG_FORMAT_RGB;
  std::vector<std::uint8_t> pixels(PNG_IMAGE_SIZE(image));
  const bool read = png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) != 0;
  png_image_free(&image);
  REQUIRE(read);
  return pixels;
}

}  // namespace

TEST_CASE("Every format renders an image that decodes to the exact requested dimensions", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  const auto size = GENERATE(std::pair{1024, 1024}, std::pair{1376, 768}, std::pair{768, 1376}, std::pair{1, 1},
                             std::pair{1, 97}, std::pair{97, 1}, std::pair{333, 17}, std::pair{192, 1536});
  require_renders_as({size.first, size.second, format, 90, 7});
}

TEST_CASE("Every format renders the largest aspect ratios at full size", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  require_renders_as({1536, 12288, format, 80, 3});
  require_renders_as({12288, 1536, format, 80, 3});
}

TEST_CASE("Every format renders the 16383 pixel maximum on either side", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  require_renders_as({16383, 8, format, 75, 11});
  require_renders_as({8, 16383, format, 75, 11});
}

TEST_CASE("The same spec renders the same bytes", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  const ImageSpec spec{640, 360, format, 85, 123456789};
  CHECK(render(spec) == render(spec));
}

TEST_CASE("Different seeds render different images", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  ImageSpec spec{256, 256, format, 90, 0};
  const std::string first = render(spec);
  for (std::uint64_t seed : {1ULL, 2ULL, 42ULL, 0xFFFFFFFFFFFFFFFFULL}) {
    spec.seed = seed;
    INFO("seed " << seed);
    CHECK(render(spec) != first);
  }
}

TEST_CASE("A PNG is an 8-bit palette image of at most 256 colours", "[unit][images]") {
  const auto size = GENERATE(std::pair{1024, 1024}, std::pair{1, 1}, std::pair{333, 17});
  const std::string bytes = render({size.first, size.second, Format::png, 90, 9});
  // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4) bit depth(1) colour type(1) ... (PNG spec 11.2.2).
  REQUIRE(bytes.size() > 33);
  CHECK(bytes.substr(12, 4) == "IHDR");
  CHECK(static_cast<int>(bytes[24]) == 8);  // bit depth
  CHECK(static_cast<int>(bytes[25]) == 3);  // colour type 3: indexed colour
  // PLTE follows IHDR (33 bytes in): 3 bytes a colour, 1 to 256 colours.
  const auto plte_length = static_cast<std::size_t>(static_cast<unsigned char>(bytes[33])) << 24 |
                           static_cast<std::size_t>(static_cast<unsigned char>(bytes[34])) << 16 |
                           static_cast<std::size_t>(static_cast<unsigned char>(bytes[35])) << 8 |
                           static_cast<std::size_t>(static_cast<unsigned char>(bytes[36]));
  CHECK(bytes.substr(37, 4) == "PLTE");
  CHECK(plte_length % 3 == 0);
  CHECK(plte_length >= 3);
  CHECK(plte_length <= 3 * 256);
}

TEST_CASE("A lower JPEG quality gives fewer bytes for the same picture", "[unit][images]") {
  ImageSpec spec{1024, 1024, Format::jpeg, 95, 5};
  const auto high = render(spec).size();
  spec.quality = 60;
  const auto medium = render(spec).size();
  spec.quality = 10;
  const auto low = render(spec).size();
  CHECK(high > medium);
  CHECK(medium > low);
}

TEST_CASE("A WebP is lossless: pixel for pixel the PNG of the same spec, whatever the quality", "[unit][images]") {
  const auto size = GENERATE(std::pair{1, 1}, std::pair{17, 5}, std::pair{1024, 1024}, std::pair{333, 17},
                             std::pair{97, 1}, std::pair{1, 97}, std::pair{5000, 40}, std::pair{16383, 3},
                             std::pair{40, 5000});
  const int quality = GENERATE(0, 90);
  const std::uint64_t seed = GENERATE(1, 77, 123456789);
  INFO(size.first << "x" << size.second << ", quality " << quality << ", seed " << seed);
  const std::string webp = render({size.first, size.second, Format::webp, quality, seed});
  const std::string png = render({size.first, size.second, Format::png, quality, seed});
  int width = 0, height = 0;
  std::unique_ptr<std::uint8_t, void (*)(void*)> decoded(
      WebPDecodeRGB(reinterpret_cast<const std::uint8_t*>(webp.data()), webp.size(), &width, &height), WebPFree);
  REQUIRE(decoded != nullptr);
  REQUIRE(width == size.first);
  REQUIRE(height == size.second);
  const std::vector<std::uint8_t> expected = png_rgb(png);
  REQUIRE(expected.size() == static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  CHECK(std::memcmp(decoded.get(), expected.data(), expected.size()) == 0);
}

TEST_CASE("Quality 0 and 100 are accepted", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  require_renders_as({64, 48, format, 0, 1});
  require_renders_as({64, 48, format, 100, 1});
}

TEST_CASE("Dimensions outside 1..16383 are rejected with a clear message", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  CHECK_THROWS_MATCHES(render({0, 10, format, 90, 0}), std::invalid_argument,
                       Catch::Message("image dimensions 0x10 are outside 1..16383"));
  CHECK_THROWS_MATCHES(render({10, -1, format, 90, 0}), std::invalid_argument,
                       Catch::Message("image dimensions 10x-1 are outside 1..16383"));
  CHECK_THROWS_MATCHES(render({16384, 10, format, 90, 0}), std::invalid_argument,
                       Catch::Message("image dimensions 16384x10 are outside 1..16383"));
  CHECK_THROWS_MATCHES(render({10, 16384, format, 90, 0}), std::invalid_argument,
                       Catch::Message("image dimensions 10x16384 are outside 1..16383"));
}

TEST_CASE("Quality outside 0..100 is rejected with a clear message", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  CHECK_THROWS_MATCHES(render({10, 10, format, -1, 0}), std::invalid_argument,
                       Catch::Message("image quality -1 is outside 0..100"));
  CHECK_THROWS_MATCHES(render({10, 10, format, 101, 0}), std::invalid_argument,
                       Catch::Message("image quality 101 is outside 0..100"));
}

TEST_CASE("Format names, MIME types and extensions match the wire conventions", "[unit][images]") {
  using namespace nanosim::images;
  CHECK(to_string(Format::png) == "png");
  CHECK(to_string(Format::jpeg) == "jpeg");
  CHECK(to_string(Format::webp) == "webp");
  CHECK(mime_type(Format::png) == "image/png");
  CHECK(mime_type(Format::jpeg) == "image/jpeg");
  CHECK(mime_type(Format::webp) == "image/webp");
  CHECK(file_extension(Format::png) == "png");
  CHECK(file_extension(Format::jpeg) == "jpg");
  CHECK(file_extension(Format::webp) == "webp");
}

TEST_CASE("Format names and MIME types parse case-insensitively", "[unit][images]") {
  using nanosim::images::parse_format;
  CHECK(parse_format("png") == Format::png);
  CHECK(parse_format("PNG") == Format::png);
  CHECK(parse_format("image/png") == Format::png);
  CHECK(parse_format("jpeg") == Format::jpeg);
  CHECK(parse_format("JPG") == Format::jpeg);
  CHECK(parse_format("image/jpeg") == Format::jpeg);
  CHECK(parse_format("Image/JPG") == Format::jpeg);
  CHECK(parse_format("webp") == Format::webp);
  CHECK(parse_format("IMAGE/WEBP") == Format::webp);
  CHECK_FALSE(parse_format("").has_value());
  CHECK_FALSE(parse_format("gif").has_value());
  CHECK_FALSE(parse_format("image/").has_value());
  CHECK_FALSE(parse_format(" png").has_value());
  CHECK_FALSE(parse_format("png/image").has_value());
  CHECK_FALSE(parse_format("image/image/png").has_value());
}
