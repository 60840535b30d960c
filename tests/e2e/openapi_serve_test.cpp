// OpenAPI documents as a user fetches them: each provider's export names the simulator (as reached) before the
// real provider in `servers`, and the admin API serves its own document.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "e2e_http.hpp"
#include "serve_process.hpp"

using namespace nanosim;
using nlohmann::json;

TEST_CASE("A provider's OpenAPI export lists the simulator as reached first, then the documented base URL",
          "[e2e][openapi]") {
  e2e::ServeProcess serve({"--clock", "manual", "--quiet"});
  const json api = json::parse(e2e::send(serve.base_url(), "GET", "/__nanosim/contracts/gemini/openapi").body);
  REQUIRE(api.at("servers").size() == 2);
  CHECK(api.at("servers").at(0).at("url") == serve.base_url() + "/gemini");
  CHECK(api.at("servers").at(1).at("url") == "https://generativelanguage.googleapis.com");
}

TEST_CASE("The admin API serves its own OpenAPI document, its server being the host it was reached on",
          "[e2e][openapi]") {
  e2e::ServeProcess serve({"--clock", "manual", "--quiet"});
  const json api = json::parse(e2e::send(serve.base_url(), "GET", "/__nanosim/openapi").body);
  CHECK(api.at("openapi") == "3.1.0");
  CHECK(api.at("servers") == json::array({{{"url", serve.base_url()}, {"description", "nanosim"}}}));
  for (const char* path : {"/__nanosim/journal", "/__nanosim/clock/advance", "/__nanosim/scenarios", "/__nanosim/verify"}) {
    CHECK(api.at("paths").contains(path));
  }
}

TEST_CASE("contracts export --openapi names the simulator at --server, http://127.0.0.1:8080 by default",
          "[e2e][openapi]") {
  const auto first_server = [](const std::string& arguments) {
    const e2e::ProgramRun run = e2e::run_program(arguments);
    REQUIRE(run.exit_code == 0);
    return json::parse(run.output).at("servers").at(0).at("url").get<std::string>();
  };
  CHECK(first_server("contracts export toapis --openapi") == "http://127.0.0.1:8080/toapis");
  CHECK(first_server("contracts export toapis --openapi --server=http://sim.test:9000") == "http://sim.test:9000/toapis");
}
