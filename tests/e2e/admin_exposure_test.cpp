// The admin API when the server is reachable from other machines: off without a token, behind
// "Authorization: Bearer TOKEN" with one (result files stay open), and API keys masked in admin answers.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "nanosim/server.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "raw_socket.hpp"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

nanosim::e2e::RawAnswer get(int port, const std::string& path, const std::string& headers = {}) {
  const int fd = nanosim::e2e::connect_loopback(port);
  REQUIRE(fd >= 0);
  REQUIRE(nanosim::e2e::send_all(fd, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n"));
  std::string buffer;
  auto answer = nanosim::e2e::read_answer(fd, 10s, buffer);
  ::close(fd);
  REQUIRE(answer);
  return *answer;
}

nanosim::ServerConfig exposed(std::string token) {
  nanosim::ServerConfig config;
  config.host = "0.0.0.0";  // every address; the test still connects through 127.0.0.1 only
  config.admin_token = std::move(token);
  return config;
}

}  // namespace

TEST_CASE("Loopback addresses are told from addresses other machines reach", "[e2e][admin]") {
  CHECK(nanosim::is_loopback_host("127.0.0.1"));
  CHECK(nanosim::is_loopback_host("127.3.2.1"));
  CHECK(nanosim::is_loopback_host("::1"));
  CHECK(nanosim::is_loopback_host("localhost"));
  CHECK_FALSE(nanosim::is_loopback_host("0.0.0.0"));
  CHECK_FALSE(nanosim::is_loopback_host("::"));
  CHECK_FALSE(nanosim::is_loopback_host("192.168.1.10"));
  CHECK_FALSE(nanosim::is_loopback_host("example.com"));
}

TEST_CASE("On an exposed address without a token the admin API is off and the providers still answer", "[e2e][admin]") {
  nanosim::Simulator simulator(nanosim::testkit::deterministic_options());
  nanosim::Server server(simulator, exposed(""));
  server.start();
  CHECK(server.exposure_warning().find("0.0.0.0") != std::string::npos);
  CHECK(server.exposure_warning().find("OFF") != std::string::npos);
  const auto admin = get(server.port(), "/__nanosim/health");
  CHECK(admin.status == 403);
  CHECK(json::parse(admin.body).at("error").at("code") == "admin_disabled");
  CHECK(get(server.port(), "/odirouter/v1/queue/nano_banana_2/requests/nope/status",
            "Authorization: Bearer k\r\n").status == 404);
}

TEST_CASE("With an admin token the admin API needs it as a Bearer token and result files stay open", "[e2e][admin]") {
  nanosim::Simulator simulator(nanosim::testkit::deterministic_options());
  nanosim::Server server(simulator, exposed("s3cret-token"));
  server.start();
  CHECK(server.exposure_warning().find("Bearer") != std::string::npos);
  CHECK(get(server.port(), "/__nanosim/health").status == 401);
  CHECK(get(server.port(), "/__nanosim/health", "Authorization: Bearer wrong\r\n").status == 401);
  CHECK(get(server.port(), "/__nanosim/health", "Authorization: Bearer s3cret-token\r\n").status == 200);
  const auto reset = [&](const std::string& headers) {
    const int fd = nanosim::e2e::connect_loopback(server.port());
    nanosim::e2e::send_all(fd, "POST /__nanosim/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n" + headers + "\r\n");
    std::string buffer;
    auto answer = nanosim::e2e::read_answer(fd, 10s, buffer);
    ::close(fd);
    return answer ? answer->status : 0;
  };
  CHECK(reset("") == 401);
  CHECK(reset("Authorization: Bearer s3cret-token\r\n") == 200);
  // A result file is read without the token (SDKs download it as any URL); an unknown one is the files route's 404.
  CHECK(get(server.port(), "/__nanosim/files/none-0.png").status == 404);
  // A loopback server with a token asks for it too.
  nanosim::ServerConfig local;
  local.admin_token = "t";
  nanosim::Server guarded(simulator, local);
  guarded.start();
  CHECK(guarded.exposure_warning().empty());
  CHECK(get(guarded.port(), "/__nanosim/clock").status == 401);
  CHECK(get(guarded.port(), "/__nanosim/clock", "Authorization: Bearer t\r\n").status == 200);
}

TEST_CASE("Admin answers mask API keys unless the operator asks for them in full", "[e2e][admin]") {
  for (const bool reveal : {false, true}) {
    auto options = nanosim::testkit::deterministic_options();
    options.reveal_keys = reveal;
    nanosim::testkit::ScopedServer server(options);
    const int fd = nanosim::e2e::connect_loopback(server.port());
    const std::string body = R"({"prompt":"A red apple"})";
    nanosim::e2e::send_all(fd, "POST /odirouter/v1/queue/nano_banana_2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                               "sk-live-0123456789abcdef3f9a\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n" + body);
    std::string buffer;
    REQUIRE(nanosim::e2e::read_answer(fd, 10s, buffer));
    ::close(fd);
    const std::string shown = reveal ? "sk-live-0123456789abcdef3f9a" : "sk-…3f9a";
    const json journal = json::parse(get(server.port(), "/__nanosim/journal").body);
    CHECK(journal.at("entries").at(0).at("api_key") == shown);
    const json jobs = json::parse(get(server.port(), "/__nanosim/jobs").body);
    CHECK(jobs.at("jobs").at(0).at("api_key") == shown);
    const json usage = json::parse(get(server.port(), "/__nanosim/usage").body);
    for (const auto& entry : usage.at("entries")) CHECK(entry.at("api_key") == shown);
    const std::string everything = journal.dump() + jobs.dump() + usage.dump();
    CHECK((everything.find("0123456789abcdef") != std::string::npos) == reveal);
    // Gemini's ?key= is masked in the journal's query too.
    (void)get(server.port(), "/gemini/v1beta/models/unknown-model:generateContent?key=sk-live-0123456789abcdef3f9a");
    const json gemini = json::parse(get(server.port(), "/__nanosim/journal?provider=gemini").body);
    REQUIRE(gemini.at("entries").size() == 1);
    CHECK(gemini.at("entries").at(0).at("query") == "key=" + shown);
    // The in-process API always has the key in full.
    CHECK(server.simulator().journal().entries().at(0).api_key == "sk-live-0123456789abcdef3f9a");
  }
}
