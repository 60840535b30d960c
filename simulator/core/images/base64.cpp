// Base64, RFC 4648 section 4 (standard alphabet, '=' padding). Used for inline image data in JSON bodies.

#include <array>
#include <cstdint>

#include "nanosim/images.hpp"

namespace nanosim::images {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xFF;
constexpr std::uint8_t kPadding = 0xFE;
constexpr std::uint8_t kWhitespace = 0xFD;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  table['='] = kPadding;
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f', '\v'}) table[c] = kWhitespace;
  return table;
}
constexpr auto kDecodeTable = make_decode_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&bytes](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t triple = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[triple >> 18 & 63];
    out += kAlphabet[triple >> 12 & 63];
    out += kAlphabet[triple >> 6 & 63];
    out += kAlphabet[triple & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t triple = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[triple >> 18 & 63];
    out += kAlphabet[triple >> 12 & 63];
    out += rest == 2 ? kAlphabet[triple >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict on structure: after whitespace is dropped, the text must be whole quads, '=' may only end the last quad
// (one or two of them), and anything outside the alphabet is rejected (including the URL-safe '-' and '_').
// Lenient on one point RFC 4648 section 3.5 leaves open: non-zero bits under the padding are discarded, not rejected.
std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t quad = 0;   // sextets collected so far in the current quad
  int sextets = 0;          // 0..3 data characters in the current quad
  int padding = 0;          // '=' seen; once non-zero only '=' and whitespace may follow
  for (const char c : text) {
    const std::uint8_t v = kDecodeTable[static_cast<unsigned char>(c)];
    if (v == kWhitespace) continue;
    if (v == kInvalid) return std::nullopt;
    if (v == kPadding) {
      // "xx==" or "xxx=": padding only after two or three data characters of a quad.
      if (padding == 0 && sextets < 2) return std::nullopt;
      if (++padding > 2 || sextets + padding > 4) return std::nullopt;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    quad = quad << 6 | v;
    if (++sextets == 4) {
      out += static_cast<char>(quad >> 16 & 0xFF);
      out += static_cast<char>(quad >> 8 & 0xFF);
      out += static_cast<char>(quad & 0xFF);
      quad = 0;
      sextets = 0;
    }
  }
  if (sextets == 0 && padding == 0) return out;
  if (sextets + padding != 4) return std::nullopt;  // a partial quad, with or without padding, is a bad length
  if (sextets == 2) {
    out += static_cast<char>(quad >> 4 & 0xFF);
  } else {  // three sextets
    out += static_cast<char>(quad >> 10 & 0xFF);
    out += static_cast<char>(quad >> 2 & 0xFF);
  }
  return out;
}

}  // namespace nanosim::images
