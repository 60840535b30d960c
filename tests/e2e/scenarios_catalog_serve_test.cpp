// Every catalog entry as a user meets it: `nanosim serve --scenario NAME` over real sockets, the reference client's
// HTTP transport on each provider. The program must reproduce exactly what the library does in process (same
// outcome, same statuses in the journal, the rule named in its notes).
#include <catch2/catch.hpp>

#include "nanosim/client/client.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "serve_process.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

HttpResponse admin(const std::string& base_url, const std::string& method, const std::string& path,
                   const std::string& body = {}) {
  client::HttpTransport transport(base_url);
  HttpRequest request;
  request.method = method;
  request.path = path;
  request.body = body;
  if (!body.empty()) request.headers.emplace("Content-Type", "application/json");
  auto response = transport.send(request);
  if (!response || response->status != 200) throw std::runtime_error("admin " + path + " failed");
  return *response;
}

/// The client's clock is the program's manual clock: a sleep advances it through the admin API.
class ServeClock final : public client::ClientClock {
 public:
  explicit ServeClock(std::string base_url) : base_url_(std::move(base_url)) {}
  [[nodiscard]] std::chrono::milliseconds now() override {
    return std::chrono::milliseconds{json::parse(admin(base_url_, "GET", "/__nanosim/clock").body).at("now_ms").get<std::int64_t>()};
  }
  void sleep_for(std::chrono::milliseconds duration) override {
    if (duration.count() > 0) admin(base_url_, "POST", "/__nanosim/clock/advance", json{{"ms", duration.count()}}.dump());
  }

 private:
  std::string base_url_;
};

struct Face {
  const char* provider;
  const char* model;
};
const Face faces[] = {{"odirouter", "nano_banana_2"},   {"bananapro", "nano-banana"},
                      {"toapis", "nano-banana-2"},      {"nanoseries", "NanoBanana2-1K"},
                      {"gemini", "gemini-3.1-flash-image-preview"}, {"crazyrouter", "nano-banana-2"}};

/// "ok 1" or "content_blocked 200": what a user's code would branch on.
std::string outcome(const client::Result<client::GenerationResult>& result) {
  if (result) return "ok " + std::to_string(result->images.size());
  return std::string(client::to_string(result.error().kind)) + " " + std::to_string(result.error().http_status);
}

client::GenerateRequest request_for(const std::string& scenario, const Face& face) {
  return client::GenerateRequest().with_model(face.model).with_prompt("A red apple").with_count(
      scenario == "partial-batch" ? 4 : 1);
}

client::WaitOptions wait_for(const std::string& scenario) {
  return client::WaitOptions().with_deadline(std::chrono::milliseconds{scenario == "queue-stalled" ? 30'000 : 120'000});
}

}  // namespace

TEST_CASE("serve --scenario NAME reproduces every catalog entry over real sockets as the library does in process",
          "[e2e][scenarios]") {
  for (const std::string& name : scenario_catalog()) {
    e2e::ServeProcess serve({"--clock", "manual", "--seed", "42", "--scenario", name});
    for (const Face& face : faces) {
      // slow-body trickles in wall time (64 bytes every 250 ms): one provider shows it.
      if (name == "slow-body" && std::string(face.provider) != "odirouter") continue;
      INFO(name << " on " << face.provider);
      admin(serve.base_url(), "POST", "/__nanosim/reset");  // jobs, journal, clock and the rules' counters
      client::Client over_http(std::make_unique<client::HttpTransport>(serve.base_url() + "/" + face.provider),
                               face.provider,
                               client::ClientOptions().with_api_key("test-key").with_clock(
                                   std::make_shared<ServeClock>(serve.base_url())));
      const std::string served = outcome(over_http.generate(request_for(name, face), wait_for(name)));
      const json journal = json::parse(admin(serve.base_url(), "GET", "/__nanosim/journal").body).at("entries");

      Options options = testkit::deterministic_options(42);
      options.scenarios.push_back(load_scenario(name));
      testkit::ScopedSimulator sim(std::move(options));
      auto in_process = sim.client(face.provider);
      CHECK(served == outcome(in_process.generate(request_for(name, face), wait_for(name))));

      std::vector<int> served_statuses;
      bool rule_named = false;
      for (const json& entry : journal) {
        served_statuses.push_back(entry.at("status").get<int>());
        for (const json& note : entry.value("notes", json::array())) {
          rule_named = rule_named || note.get<std::string>().rfind("scenario " + name + " rule ", 0) == 0;
        }
      }
      std::vector<int> library_statuses;
      bool library_fired = false;
      for (const JournalEntry& entry : sim.simulator().journal().entries()) {
        library_statuses.push_back(entry.status);
        for (const std::string& note : entry.notes) {
          library_fired = library_fired || note.rfind("scenario " + name + " rule ", 0) == 0;
        }
      }
      CHECK(served_statuses == library_statuses);
      CHECK(rule_named == library_fired);
    }
  }
}
