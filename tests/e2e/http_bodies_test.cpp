// Request bodies over a real socket, as curl and the SDKs send them: the HTTP layer reads bytes and parses nothing,
// so whatever arrives gets the provider's own answer.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "nanosim/images.hpp"
#include "nanosim/server.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

HttpResponse post(const std::string& base, const std::string& path, const std::string& content_type,
                  std::string body) {
  client::HttpTransport transport(base);
  HttpRequest request;
  request.method = "POST";
  request.path = path;
  request.headers.emplace("Authorization", "Bearer sk-test");
  request.headers.emplace("Content-Type", content_type);
  request.body = std::move(body);
  auto response = transport.send(request);
  REQUIRE(response);
  return *response;
}

}  // namespace

TEST_CASE("A JSON body over 8 KB sent as curl -d sends it, form-urlencoded, reaches the provider", "[e2e][http]") {
  Simulator simulator(testkit::deterministic_options());
  Server server(simulator);
  server.start();
  const std::string prompt(9'000, 'x');
  const json body = {{"model", "nano-banana-2"}, {"prompt", prompt}};
  const HttpResponse answer =
      post(server.base_url(), "/crazyrouter/v1/images/generations", "application/x-www-form-urlencoded", body.dump());
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body).at("data").size() == 1);
  // The journal holds the request as sent, not as form fields.
  CHECK(simulator.journal().entries().back().request_body.rfind("{\"model\":\"nano-banana-2\"", 0) == 0);
}

TEST_CASE("A multipart body with broken framing gets the provider's own 400, not an empty one", "[e2e][http]") {
  Simulator simulator(testkit::deterministic_options());
  Server server(simulator);
  server.start();
  const HttpResponse answer = post(server.base_url(), "/nanoseries/v1/images/edits", "multipart/form-data; boundary=XX",
                                   "--XX\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhello\r\n--X");
  CHECK(answer.status == 400);
  const json error = json::parse(answer.body).at("error");
  CHECK(error.at("type") == "invalid_request_error");
  CHECK(error.at("message").get<std::string>().find("multipart/form-data") != std::string::npos);
  CHECK(simulator.jobs().empty());
}

TEST_CASE("A well-formed multipart edit arrives with every part, files byte for byte", "[e2e][http]") {
  Simulator simulator(testkit::deterministic_options());
  Server server(simulator);
  server.start();
  const std::string png = images::render({64, 64, images::Format::png, 90, 7});
  const std::string body = "--B0undary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nNanoBanana\r\n"
                           "--B0undary\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nMake it blue\r\n"
                           "--B0undary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                           "Content-Type: image/png\r\n\r\n" + png + "\r\n--B0undary--\r\n";
  const HttpResponse answer =
      post(server.base_url(), "/nanoseries/v1/images/edits", "multipart/form-data; boundary=B0undary", body);
  INFO(answer.body);
  CHECK(answer.status == 200);
  REQUIRE(simulator.jobs().size() == 1);
  CHECK(simulator.jobs()[0].spec.prompt == "Make it blue");
  CHECK(simulator.jobs()[0].spec.reference_images.size() == 1);
}
