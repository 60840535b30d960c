// Fuzz target: inline image decoding, as every provider that takes images inline runs it: a data: URI or raw base64
// (images::split_data_uri, base64_decode, check_inline_image), and the bytes themselves through the decoders
// (images::decode: PNG, JPEG, WebP, every pixel) and the header probe (images::probe).
// Invariants: no crash, hang or sanitizer report; base64 round-trips (decode(encode(x)) == x); an image that decodes
// has the dimensions its header announces.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "nanosim/inline_image.hpp"

namespace {

using namespace nanosim;

void check_bytes(std::string_view bytes) {
  const auto decoded = images::decode(bytes);
  const auto probed = images::probe(bytes);
  if (decoded && !probed) fuzz::broken("an image decodes but its header does not probe");
  if (decoded && probed && (decoded->width != probed->width || decoded->height != probed->height)) {
    fuzz::broken("decoded " + std::to_string(decoded->width) + "x" + std::to_string(decoded->height) + " but the header says " +
                 std::to_string(probed->width) + "x" + std::to_string(probed->height));
  }
  const std::string encoded = images::base64_encode(bytes);
  const auto round_trip = images::base64_decode(encoded);
  if (!round_trip || *round_trip != bytes) fuzz::broken("base64 does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string description;
  if (const auto uri = images::split_data_uri(input)) {
    (void)images::check_inline_image(uri->mime, uri->base64, description);
    if (const auto bytes = images::base64_decode(uri->base64)) check_bytes(*bytes);
  } else if (images::looks_like_base64(input)) {
    (void)images::check_inline_image("", input, description);
  } else {
    check_bytes(input);
  }
  return 0;
}
