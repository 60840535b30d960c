// Result files over a real socket: what a downloader that sizes a file with HEAD before a GET sees.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "nanosim/server.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "e2e_http.hpp"

using namespace nanosim;
using nlohmann::json;

TEST_CASE("HEAD on a result file announces the length and type a GET then delivers", "[e2e][files]") {
  Options options = testkit::deterministic_options();
  Simulator simulator(options);
  Server server(simulator);
  server.start();
  const std::string base = server.base_url();
  const HttpResponse created = e2e::send(base, "POST", "/odirouter/v1/queue/nano_banana_2", R"({"prompt":"An apple"})");
  REQUIRE(created.status == 200);
  const std::string id = json::parse(created.body).at("request_id").get<std::string>();
  simulator.advance(Millis{120'000});
  const HttpResponse result = e2e::send(base, "GET", "/odirouter/v1/queue/nano_banana_2/requests/" + id + "/response");
  REQUIRE(result.status == 200);
  const std::string url = json::parse(result.body).at("outputs").at(0).at("url").get<std::string>();
  const std::string path = url.substr(url.find("/__nanosim/files/"));

  const HttpResponse head = e2e::send(base, "HEAD", path);
  const HttpResponse get = e2e::send(base, "GET", path);
  REQUIRE(get.status == 200);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(get.body.size() > 1000);
  CHECK(head.header("Content-Length") == std::optional<std::string>(std::to_string(get.body.size())));
  CHECK(head.header("Content-Type") == get.header("Content-Type"));
  CHECK(get.header("Content-Type") == std::optional<std::string>("image/png"));
}
