// nanosim::HttpRequest/HttpResponse helpers: query strings, percent coding, multipart bodies, garbage.
#include <catch2/catch.hpp>

#include <random>

#include "nanosim/http_message.hpp"

using namespace nanosim;

TEST_CASE("header names are looked up case-insensitively", "[unit][contracts]") {
  HttpRequest request;
  request.headers.emplace("Authorization", "Bearer k");
  CHECK(request.header("authorization") == "Bearer k");
  CHECK(request.header("AUTHORIZATION") == "Bearer k");
  CHECK_FALSE(request.header("X-Missing"));
  CHECK(CaseInsensitiveLess{}("content-type", "Content-Typf"));
  CHECK_FALSE(CaseInsensitiveLess{}("Content-Type", "content-type"));
}

TEST_CASE("set_header replaces every earlier value of the header", "[unit][contracts]") {
  HttpResponse response;
  response.headers.emplace("Retry-After", "1");
  response.headers.emplace("retry-after", "2");
  response.set_header("RETRY-AFTER", "5");
  CHECK(response.headers.size() == 1);
  CHECK(response.header("Retry-After") == "5");
  response.set_header("Content-Type", "application/json");
  CHECK(response.content_type() == "application/json");
}

TEST_CASE("a query string is split into decoded pairs, keeping repeats", "[unit][contracts]") {
  auto query = parse_query_string("?logs=1&key=a%20b+c&flag&&empty=&logs=true");
  CHECK(query.count("logs") == 2);
  CHECK(query.find("key")->second == "a b c");
  CHECK(query.find("flag")->second.empty());
  CHECK(query.find("empty")->second.empty());
  HttpRequest request;
  request.query = query;
  CHECK(request.query_param("logs") == "1");
  CHECK_FALSE(request.query_param("missing"));
}

TEST_CASE("percent decoding keeps malformed escapes literally", "[unit][contracts]") {
  CHECK(percent_decode("a%2Fb%zz%4") == "a/b%zz%4");
  CHECK(percent_decode("%") == "%");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%E2%9C%93") == "\xE2\x9C\x93");
}

TEST_CASE("percent encoding leaves only unreserved characters and round-trips", "[unit][contracts]") {
  CHECK(percent_encode("a b/c~d-e.f_g") == "a%20b%2Fc~d-e.f_g");
  const std::string binary("\x00\xff:?#", 5);
  CHECK(percent_decode(percent_encode(binary)) == binary);
}

TEST_CASE("a multipart body is split into fields and files", "[unit][contracts]") {
  const std::string body =
      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nA red apple\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"a \\\"b\\\".png\"\r\n"
      "Content-Type: image/png\r\n\r\n\x89PNG\r\n--not the boundary\r\n"
      "--XyZ--\r\nepilogue";
  auto parts = parse_multipart("multipart/form-data; boundary=\"XyZ\"", body);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK(parts->at(0).name == "prompt");
  CHECK(parts->at(0).content == "A red apple");
  CHECK(parts->at(0).filename.empty());
  CHECK(parts->at(1).name == "image[]");
  CHECK(parts->at(1).filename == "a \"b\".png");
  CHECK(parts->at(1).content_type == "image/png");
  CHECK(parts->at(1).content == "\x89PNG\r\n--not the boundary");
}

TEST_CASE("malformed multipart bodies yield nullopt", "[unit][contracts]") {
  const std::string ct = "multipart/form-data; boundary=B";
  CHECK_FALSE(parse_multipart("application/json", "--B--"));
  CHECK_FALSE(parse_multipart("multipart/form-data", "--B--"));
  CHECK_FALSE(parse_multipart("multipart/form-data; boundary=\"B", "--B--"));
  CHECK_FALSE(parse_multipart(ct, ""));
  CHECK_FALSE(parse_multipart(ct, "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"));
  CHECK_FALSE(parse_multipart(ct, "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--"));
  CHECK_FALSE(parse_multipart(ct, "--B\r\nno header block\r\n--B--"));
  CHECK(parse_multipart(ct, "--B--")->empty());
}

TEST_CASE("parsing random garbage never crashes", "[unit][contracts]") {
  std::mt19937 random(20240611);
  const std::string alphabet = "-B\r\n\"=;:%+&?ab \x00\xff";
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int length = static_cast<int>(random() % 120);
    for (int i = 0; i < length; ++i) text.push_back(alphabet[random() % alphabet.size()]);
    CHECK_NOTHROW(parse_multipart("multipart/form-data; boundary=B", text));
    CHECK_NOTHROW(parse_multipart(text, text));
    CHECK_NOTHROW(parse_query_string(text));
    CHECK_NOTHROW(percent_decode(text, true));
  }
}
