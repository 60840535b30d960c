// Base64 as RFC 4648 defines it (section 4 alphabet, '=' padding), with the section 10 test vectors.

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "nanosim/images.hpp"

using nanosim::images::base64_decode;
using nanosim::images::base64_encode;

TEST_CASE("Base64 encodes the RFC 4648 test vectors", "[unit][images]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("Base64 decodes the RFC 4648 test vectors", "[unit][images]") {
  CHECK(base64_decode("") == std::string(""));
  CHECK(base64_decode("Zg==") == std::string("f"));
  CHECK(base64_decode("Zm8=") == std::string("fo"));
  CHECK(base64_decode("Zm9v") == std::string("foo"));
  CHECK(base64_decode("Zm9vYg==") == std::string("foob"));
  CHECK(base64_decode("Zm9vYmE=") == std::string("fooba"));
  CHECK(base64_decode("Zm9vYmFy") == std::string("foobar"));
}

TEST_CASE("Base64 round-trips every byte value and binary strings of every short length", "[unit][images]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64_decode(base64_encode(all)) == all);
  CHECK(base64_encode(all).find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == std::string::npos);

  std::mt19937_64 rng(99);
  for (std::size_t length = 0; length < 300; ++length) {
    std::string bytes(length, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    const std::string text = base64_encode(bytes);
    INFO("length " << length);
    CHECK(text.size() == (length + 2) / 3 * 4);
    CHECK(base64_decode(text) == bytes);
  }
}

TEST_CASE("Base64 round-trips a rendered image", "[unit][images]") {
  const std::string png = nanosim::images::render({100, 60, nanosim::images::Format::png, 90, 1});
  CHECK(base64_decode(base64_encode(png)) == png);
}

TEST_CASE("Base64 decoding ignores whitespace anywhere", "[unit][images]") {
  CHECK(base64_decode("Zm9v\r\nYmFy") == std::string("foobar"));
  CHECK(base64_decode(" Zm 9v\tYm\fE\v= \n") == std::string("fooba"));
  CHECK(base64_decode("Zg=\n=") == std::string("f"));
  CHECK(base64_decode(" \n\t") == std::string(""));
}

TEST_CASE("Base64 decoding rejects lengths that are not whole quads", "[unit][images]") {
  for (const char* text : {"Z", "Zm", "Zm9", "Zm9vY", "Zm9vYm", "Zm9vYmF", "Zg=", "Zm8"}) {
    INFO(text);
    CHECK_FALSE(base64_decode(text).has_value());
  }
}

TEST_CASE("Base64 decoding rejects misplaced padding", "[unit][images]") {
  for (const char* text : {"=", "==", "====", "Z===", "=Zg=", "Zg==Zg==", "Zg=a", "Zm9v=", "Zm9v====", "Zg===",
                           "Z=g="}) {
    INFO(text);
    CHECK_FALSE(base64_decode(text).has_value());
  }
}

TEST_CASE("Base64 decoding rejects characters outside the standard alphabet", "[unit][images]") {
  for (const std::string& text : std::vector<std::string>{"Zm9v!mFy", "Zm-v", "Zm_v", "Zm9v.", std::string("Zm\0v", 4), "Zm9v\xc3\xa9==",
                                 "Zm9\x80"}) {
    INFO(text);
    CHECK_FALSE(base64_decode(text).has_value());
  }
}

TEST_CASE("Base64 decoding discards non-zero bits under the padding", "[unit][images]") {
  // RFC 4648 section 3.5 lets a decoder reject these; like most decoders, this one accepts them.
  CHECK(base64_decode("Zh==") == std::string("f"));
  CHECK(base64_decode("Zm9=") == std::string("fo"));
}
