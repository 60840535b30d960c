// Decoding and probing untrusted bytes: real images are recognised, anything else is nullopt, never a crash.

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nanosim/images.hpp"

using nanosim::images::decode;
using nanosim::images::DecodedImage;
using nanosim::images::Format;
using nanosim::images::ImageSpec;
using nanosim::images::probe;
using nanosim::images::render;

namespace {

// Generated once with libjpeg-turbo (jpeg_simple_progression, quality 50, no JFIF header): 20x12, 3 components.
const std::string kProgressiveJpeg(
    "\xff\xd8\xff\xdb\x00\x43\x00\x10\x0b\x0c\x0e\x0c\x0a\x10\x0e\x0d\x0e\x12\x11\x10\x13\x18\x28\x1a"
    "\x18\x16\x16\x18\x31\x23\x25\x1d\x28\x3a\x33\x3d\x3c\x39\x33\x38\x37\x40\x48\x5c\x4e\x40\x44\x57"
    "\x45\x37\x38\x50\x6d\x51\x57\x5f\x62\x67\x68\x67\x3e\x4d\x71\x79\x70\x64\x78\x5c\x65\x67\x63\xff"
    "\xdb\x00\x43\x01\x11\x12\x12\x18\x15\x18\x2f\x1a\x1a\x2f\x63\x42\x38\x42\x63\x63\x63\x63\x63\x63"
    "\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63"
    "\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\xff\xc2\x00\x11"
    "\x08\x00\x0c\x00\x14\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xc4\x00\x17\x00\x00\x03\x01\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x04\x05\xff\xc4\x00\x16\x01\x01\x01\x01"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x01\x04\xff\xda\x00\x0c\x03\x01\x00\x02"
    "\x10\x03\x10\x00\x00\x01\x81\xf6\xbe\x94\x26\xa0\x3b\xff\x00\xff\xc4\x00\x18\x10\x01\x01\x01\x01"
    "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x03\x11\x13\xff\xda\x00\x08\x01\x01\x00"
    "\x01\x05\x02\x33\x8c\xef\x38\x08\x0b\x85\xff\xc4\x00\x17\x11\x00\x03\x01\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x03\x13\xff\xda\x00\x08\x01\x03\x01\x01\x3f\x01\x8d\x99\xb3"
    "\x3f\xff\xc4\x00\x18\x11\x00\x02\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
    "\x02\x03\x13\xff\xda\x00\x08\x01\x02\x01\x01\x3f\x01\x95\xac\xd5\x9f\xff\xc4\x00\x14\x10\x01\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\xff\xda\x00\x08\x01\x01\x00\x06\x3f"
    "\x02\x5f\xff\xc4\x00\x1a\x10\x00\x02\x02\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x01\x10\x61\x11\x21\x31\xff\xda\x00\x08\x01\x01\x00\x01\x3f\x21\xac\xac\x5a\xf2\x76\x58\x8f\xff"
    "\xda\x00\x0c\x03\x01\x00\x02\x00\x03\x00\x00\x00\x10\x03\x3f\xff\xc4\x00\x17\x11\x01\x00\x03\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x11\x21\xff\xda\x00\x08\x01\x03\x01\x01"
    "\x3f\x10\xc4\x8a\x9f\xff\xc4\x00\x14\x11\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x10\xff\xda\x00\x08\x01\x02\x01\x01\x3f\x10\x15\xff\xc4\x00\x17\x10\x01\x01\x01\x01\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x51\x10\x41\xff\xda\x00\x08\x01\x01\x00\x01\x3f"
    "\x10\xd0\x02\x24\x4e\x23\xff\xd9",
    560);

// Hand-built (Python zlib): 5x3 8-bit greyscale, Adam7-interlaced.
const std::string kInterlacedPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x05\x00\x00\x00\x03"
    "\x08\x00\x00\x00\x01\x09\x5a\xaa\xb2\x00\x00\x00\x1e\x49\x44\x41\x54\x78\xda\x63\x60\x60\x38\xc1"
    "\x90\xc2\x60\xb3\x80\x85\xc1\x68\x1a\x43\xde\x25\x06\xb9\x80\xa6\x2d\xcf\x00\x38\xe4\x06\x9f\x06"
    "\xc2\xab\xb1\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    87);

// Raw mt19937_64 output is the same on every standard library (distributions are not), so the cases are too.
std::string random_bytes(std::mt19937_64& rng, std::size_t length) {
  std::string bytes(length, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
  return bytes;
}

bool same(const std::optional<DecodedImage>& image, Format format, int width, int height) {
  return image && image->format == format && image->width == width && image->height == height;
}

}  // namespace

TEST_CASE("Empty input neither decodes nor probes", "[unit][images]") {
  CHECK_FALSE(decode("").has_value());
  CHECK_FALSE(probe("").has_value());
}

TEST_CASE("Text and other formats neither decode nor probe", "[unit][images]") {
  for (const std::string& text : std::vector<std::string>{
           "hello", "GIF89a\x01\x00\x01\x00", "{\"error\":\"no\"}", "BM\x3a\x00\x00\x00", std::string(100, '\0'),
        std::string("\x89PNG\r\n\x1a\n", 8), std::string("\xff\xd8\xff", 3), std::string("RIFF\0\0\0\0WEBP", 12),
        std::string("RIFF\x10\0\0\0WAVEfmt ", 16)}) {
    INFO("input of " << text.size() << " bytes");
    CHECK_FALSE(decode(text).has_value());
    CHECK_FALSE(probe(text).has_value());
  }
}

TEST_CASE("Every truncation of a valid image fails to decode", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  const std::string bytes = render({96, 64, format, 80, 9});
  REQUIRE(same(decode(bytes), format, 96, 64));
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    INFO(nanosim::images::to_string(format) << " cut to " << length << " of " << bytes.size() << " bytes");
    CHECK_FALSE(decode(std::string_view(bytes).substr(0, length)).has_value());
  }
}

TEST_CASE("Probing reads only the header, so a cut file still probes but does not decode", "[unit][images]") {
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  const std::string bytes = render({300, 200, format, 80, 9});
  const std::string_view head = std::string_view(bytes).substr(0, 400);
  CHECK(same(probe(head), format, 300, 200));
  CHECK_FALSE(decode(head).has_value());
}

TEST_CASE("Random byte strings neither decode nor probe", "[unit][images]") {
  std::mt19937_64 rng(20240611);
  const std::string prefixes[] = {"", std::string("\x89PNG\r\n\x1a\n", 8), std::string("\xff\xd8\xff", 3),
                                  std::string("RIFF\x40\0\0\0WEBPVP8 ", 16)};
  for (int i = 0; i < 500; ++i) {
    const std::string bytes = prefixes[i % 4] + random_bytes(rng, rng() % 2048);
    INFO("case " << i);
    CHECK_FALSE(decode(bytes).has_value());
  }
}

TEST_CASE("Corrupted images never crash the decoder or the prober", "[unit][images]") {
  // Flipped bytes may still decode (a changed pixel is still a picture): only survival is asserted, and that a
  // successful decode agrees with the probe when both succeed. Run under ASan to also catch leaks.
  const Format format = GENERATE(Format::png, Format::jpeg, Format::webp);
  const std::string original = render({80, 48, format, 70, 4});
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xFF);
    const auto decoded = decode(bytes);
    const auto probed = probe(bytes);
    if (decoded && probed) {
      INFO("case " << i);
      CHECK(decoded->format == probed->format);
    }
  }
}

TEST_CASE("A progressive JPEG decodes to its dimensions and its truncations do not", "[unit][images]") {
  CHECK(same(decode(kProgressiveJpeg), Format::jpeg, 20, 12));
  CHECK(same(probe(kProgressiveJpeg), Format::jpeg, 20, 12));
  for (std::size_t length = 0; length < kProgressiveJpeg.size(); ++length) {
    INFO("cut to " << length);
    CHECK_FALSE(decode(std::string_view(kProgressiveJpeg).substr(0, length)).has_value());
  }
}

TEST_CASE("An interlaced PNG decodes to its dimensions and its truncations do not", "[unit][images]") {
  CHECK(same(decode(kInterlacedPng), Format::png, 5, 3));
  CHECK(same(probe(kInterlacedPng), Format::png, 5, 3));
  for (std::size_t length = 0; length < kInterlacedPng.size(); ++length) {
    INFO("cut to " << length);
    CHECK_FALSE(decode(std::string_view(kInterlacedPng).substr(0, length)).has_value());
  }
}

TEST_CASE("A PNG whose IDAT checksum is wrong does not decode", "[unit][images]") {
  std::string bytes = kInterlacedPng;
  bytes[bytes.size() - 13] = static_cast<char>(bytes[bytes.size() - 13] ^ 0x01);  // last byte of the IDAT CRC
  CHECK(same(probe(bytes), Format::png, 5, 3));
  CHECK_FALSE(decode(bytes).has_value());
}

TEST_CASE("Probing rejects headers that state impossible dimensions", "[unit][images]") {
  std::string png = kInterlacedPng;
  png[16] = png[17] = png[18] = png[19] = '\0';  // IHDR width 0
  CHECK_FALSE(probe(png).has_value());
  CHECK_FALSE(decode(png).has_value());

  std::string jpeg = kProgressiveJpeg;
  const auto sof = jpeg.find("\xff\xc2", 0, 2);
  REQUIRE(sof != std::string::npos);
  jpeg[sof + 5] = jpeg[sof + 6] = '\0';  // SOF height 0 (a DNL-deferred height): not supported
  CHECK_FALSE(probe(jpeg).has_value());
  CHECK_FALSE(decode(jpeg).has_value());
}
