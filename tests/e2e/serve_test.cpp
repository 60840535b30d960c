// End to end: `nanosim serve` started as a process and driven over real sockets.
#include <catch2/catch.hpp>

#include <random>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e_http.hpp"
#include "nanosim/client/client.hpp"
#include "nanosim/images.hpp"
#include "serve_process.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

using e2e::advance_clock;
using e2e::send;

/// The client's clock, driving the server's manual clock over the admin API.
class AdminClock final : public client::ClientClock {
 public:
  explicit AdminClock(std::string base_url) : base_url_(std::move(base_url)) {}
  std::chrono::milliseconds now() override { return now_; }
  void sleep_for(std::chrono::milliseconds d) override {
    advance_clock(base_url_, static_cast<int>(d.count()));
    now_ += d;
  }

 private:
  std::string base_url_;
  std::chrono::milliseconds now_{0};
};

}  // namespace

TEST_CASE("nanosim serve prints each provider's base URL and its listening line", "[e2e]") {
  e2e::ServeProcess server({"--clock", "manual"});
  CHECK(server.banner().find("odirouter  " + server.base_url() + "/odirouter") != std::string::npos);
  CHECK(server.base_url().rfind("http://127.0.0.1:", 0) == 0);
  const json health = json::parse(send(server.base_url(), "GET", "/__nanosim/health").body);
  CHECK(health.at("status") == "ok");
  CHECK(server.stop() == 0);  // SIGTERM: clean exit
}

TEST_CASE("The seed's curl example gets a documented answer over a real socket", "[e2e]") {
  e2e::ServeProcess server({"--clock", "manual"});
  const std::string body = R"({ "prompt": "A red apple on a white table, clean studio lighting, simple background.", "image_urls": [ "https://example.com/reference-image.webp" ] })";
  const HttpResponse response = send(server.base_url(), "POST", "/odirouter/v1/queue/nano_banana_2", body);
  REQUIRE(response.status == 200);
  const json answer = json::parse(response.body);
  CHECK(answer.at("queue_position") == 0);
  CHECK(answer.at("status_url").get<std::string>().rfind(server.base_url() + "/odirouter/v1/queue/nano_banana_2/requests/", 0) == 0);
}

TEST_CASE("With one worker and a manual clock the reference client walks three jobs to real images", "[e2e]") {
  e2e::ServeProcess server({"--clock", "manual", "--workers", "1", "--provider", "odirouter"});
  client::ClientOptions options;
  options.api_key = "sk-e2e";
  options.clock = std::make_shared<AdminClock>(server.base_url());
  client::Client odirouter(std::make_unique<client::HttpTransport>(server.base_url() + "/odirouter"), "odirouter", options);

  std::vector<client::Submission> jobs;
  for (int i = 0; i < 3; ++i) {
    auto submitted = odirouter.submit(client::GenerateRequest{}
                                          .with_model("nano_banana_2")
                                          .with_prompt("job " + std::to_string(i))
                                          .with_aspect_ratio("3:2")
                                          .with_size_tier("512"));
    REQUIRE(submitted);
    CHECK(submitted->queue_position == i);
    jobs.push_back(*submitted);
  }
  for (const auto& job : jobs) {
    auto status = odirouter.status(job);
    REQUIRE(status);
    CHECK(status->state == client::JobState::queued);
  }
  for (const auto& job : jobs) {
    auto done = odirouter.wait(job, client::WaitOptions{}.with_poll_interval(std::chrono::milliseconds(500)));
    REQUIRE(done);
    CHECK(done->state == client::JobState::succeeded);
    auto result = odirouter.result(job);
    REQUIRE(result);
    REQUIRE(result->images.size() == 1);
    const auto& image = result->images[0];
    CHECK(image.width == 632);
    CHECK(image.height == 424);
    const auto path = client::path_within_base(image.url, server.base_url());
    REQUIRE(path);
    const HttpResponse file = send(server.base_url(), "GET", *path);
    REQUIRE(file.status == 200);
    const auto decoded = images::decode(file.body);
    REQUIRE(decoded);
    CHECK(decoded->width == 632);
    CHECK(decoded->height == 424);
  }
}

TEST_CASE("Random garbage bodies never crash the server", "[e2e]") {
  e2e::ServeProcess server({"--clock", "manual"});
  std::mt19937_64 random(20261121);
  const std::vector<std::string> paths = {"/odirouter/v1/queue/nano_banana_2", "/odirouter/v1/queue/nano_banana_2/requests/x/cancel",
                                          "/__nanosim/clock/advance", "/nope"};
  for (int i = 0; i < 200; ++i) {
    std::string body(random() % 2048, '\0');
    for (char& c : body) c = static_cast<char>(random() % 256);
    if (i % 3 == 0) body = std::string(random() % 5000, '[');
    const std::string& path = paths[random() % paths.size()];
    const HttpResponse response = send(server.base_url(), i % 2 ? "POST" : "PUT", path, body);
    INFO(path);
    CHECK(response.status >= 400);
    CHECK(response.status < 500);
  }
  CHECK(json::parse(send(server.base_url(), "GET", "/__nanosim/health").body).at("status") == "ok");
  CHECK(server.stop() == 0);
}

TEST_CASE("bananapro over a real socket: the seed's example, --credits, a 402, a task walked to a WebP", "[e2e]") {
  e2e::ServeProcess server({"--clock", "manual", "--credits", "sk-your-api-key=500", "--credits", "sk-poor=3"});
  CHECK(server.banner().find("bananapro  " + server.base_url() + "/bananapro") != std::string::npos);
  const std::string example = R"({
"model": "nano-banana",
"prompt": "A futuristic city at night with neon lights",
"aspect_ratio": "16:9"
})";
  const HttpResponse created = send(server.base_url(), "POST", "/bananapro/api/v1/images/generate", example, "sk-your-api-key");
  REQUIRE(created.status == 200);
  const json data = json::parse(created.body).at("data");
  CHECK(data.at("remaining_credits") == 496);
  CHECK(send(server.base_url(), "POST", "/bananapro/api/v1/images/generate", example, "sk-poor").status == 402);
  const json credits = json::parse(send(server.base_url(), "GET", "/__nanosim/credits", {}, "").body);
  // nanosim serve shows keys masked in admin answers (--reveal-keys shows them in full); each still reads its own.
  CHECK(credits.at("balances") == json{{"…or", 3}, {"sk-…-key", 496}});
  CHECK(json::parse(send(server.base_url(), "GET", "/__nanosim/credits/sk-poor", {}, "").body).at("balance") == 3);

  advance_clock(server.base_url(), 120'000);
  const std::string task_path = "/bananapro/api/v1/images/" + data.at("task_id").get<std::string>();
  const json task = json::parse(send(server.base_url(), "GET", task_path, {}, "sk-your-api-key").body).at("data");
  REQUIRE(task.at("status") == "completed");
  const auto path = client::path_within_base(task.at("primary_url").get<std::string>(), server.base_url());
  REQUIRE(path);
  const auto decoded = images::decode(send(server.base_url(), "GET", *path).body);
  REQUIRE(decoded);
  CHECK(decoded->format == images::Format::webp);
  CHECK(decoded->width == 1344);
  CHECK(decoded->height == 768);
  CHECK(server.stop() == 0);
}

namespace {

/// Sends raw bytes over a new TCP connection and returns everything the server sent back (it is asked to close).
std::string raw_exchange(const std::string& base_url, const std::string& request_text) {
  const auto colon = base_url.rfind(':');
  const int port = std::stoi(base_url.substr(colon + 1));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(write(fd, request_text.data(), request_text.size()) == static_cast<ssize_t>(request_text.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return answer;
}

}  // namespace

TEST_CASE("A bodyless PUT cancel and POST reset, as curl sends them (no Content-Length), are answered", "[e2e]") {
  e2e::ServeProcess server({"--clock", "manual"});
  const HttpResponse submitted = send(server.base_url(), "POST", "/odirouter/v1/queue/nano_banana_2", R"({"prompt":"x"})");
  const std::string id = json::parse(submitted.body).at("request_id");
  const std::string cancel = raw_exchange(server.base_url(),
                                          "PUT /odirouter/v1/queue/nano_banana_2/requests/" + id +
                                              "/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Authorization: Bearer YOUR_API_KEY\r\nConnection: close\r\n\r\n");
  CHECK(cancel.rfind("HTTP/1.1 202", 0) == 0);
  CHECK(cancel.find(R"({"status":"CANCELLATION_REQUESTED"})") != std::string::npos);
  const std::string reset =
      raw_exchange(server.base_url(), "POST /__nanosim/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(reset.rfind("HTTP/1.1 200", 0) == 0);
}
