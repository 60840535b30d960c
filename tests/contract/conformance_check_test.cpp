// The conformance suite (nanosim::conformance, what `nanosim check` runs) against nanosim served over HTTP:
// every rule passes for every provider, the budget and the rule filters hold, and the rules do fail on answers
// that break the contract.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>


#include "nanosim/conformance/conformance.hpp"
#include "nanosim/proxy.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace {

using nanosim::conformance::CheckOptions;
using nanosim::conformance::Report;
using nanosim::conformance::Verdict;

std::string table(const Report& report) {
  std::ostringstream out;
  nanosim::conformance::print_table({report}, out);
  return out.str();
}

CheckOptions options_for(const nanosim::testkit::ScopedServer& server, const std::string& provider) {
  CheckOptions options;
  options.provider = provider;
  options.base_url = server.base_url() + "/" + provider;
  return options;
}

nlohmann::json gemini_body() {
  nlohmann::json part = nlohmann::json::object();
  part["text"] = "A red apple";
  nlohmann::json content = nlohmann::json::object();
  content["parts"] = nlohmann::json::array({part});
  nlohmann::json body = nlohmann::json::object();
  body["contents"] = nlohmann::json::array({content});
  return body;
}

bool has_rule(const Report& report, const std::string& id) {
  return std::any_of(report.rules.begin(), report.rules.end(), [&](const auto& rule) { return rule.id == id; });
}

}  // namespace

TEST_CASE("Every conformance rule passes against nanosim for every provider", "[conformance]") {
  const std::string provider = GENERATE(from_range(nanosim::client::Client::providers()));
  nanosim::testkit::ScopedServer server;
  const Report report = nanosim::conformance::run_check(options_for(server, provider));
  INFO(table(report));
  CHECK(report.nanosim);
  CHECK(report.count(Verdict::failed) == 0);
  CHECK(report.count(Verdict::skipped) == 0);
  CHECK(report.rules.size() >= 12);
  CHECK(report.generations >= 2);
  for (const char* id : {"auth.missing", "auth.invalid", "route.unknown", "submit.answer", "result.answer", "file.content",
                         "error.rate_limited", "failure.generation_failed"}) {
    INFO(id);
    CHECK(has_rule(report, id));
  }
  for (const auto& rule : report.rules) {
    INFO(rule.id);
    CHECK_FALSE(rule.provenance.is_null());
  }
  // Free probes come before anything that costs.
  bool costly_seen = false;
  for (const auto& rule : report.rules) {
    if (rule.cost != "free") costly_seen = true;
    else CHECK_FALSE(costly_seen);
  }
}

TEST_CASE("A budget of 0 starts no generation and reports the paid rules skipped", "[conformance]") {
  nanosim::testkit::ScopedServer server;
  CheckOptions options = options_for(server, "odirouter");
  options.budget = 0;
  const Report report = nanosim::conformance::run_check(options);
  INFO(table(report));
  CHECK(report.generations == 0);
  CHECK(server.simulator().jobs().empty());
  CHECK(report.count(Verdict::failed) == 0);
  for (const auto& rule : report.rules) {
    INFO(rule.id);
    if (rule.id == "submit.answer" || rule.id == "cancel.cancelled" || rule.id == "file.expired") {
      CHECK(rule.verdict == Verdict::skipped);
      CHECK(rule.reason.find("budget") != std::string::npos);
    }
  }
}

TEST_CASE("A budget of 1 lets the shared generation run and skips the rest", "[conformance]") {
  nanosim::testkit::ScopedServer server;
  CheckOptions options = options_for(server, "odirouter");
  options.budget = 1;
  const Report report = nanosim::conformance::run_check(options);
  INFO(table(report));
  CHECK(report.generations == 1);
  CHECK(server.simulator().jobs().size() == 1);
  CHECK(report.count(Verdict::failed) == 0);
  CHECK(report.count(Verdict::skipped) >= 2);  // the failed job, the expired file, the cancel
}

TEST_CASE("Only and skip select rules by id or prefix", "[conformance]") {
  nanosim::testkit::ScopedServer server;
  CheckOptions options = options_for(server, "toapis");
  options.only = {"auth.*", "route.unknown"};
  options.skip = {"auth.invalid"};
  const Report report = nanosim::conformance::run_check(options);
  REQUIRE(report.rules.size() == 2);
  CHECK(report.rules[0].id == "auth.missing");
  CHECK(report.rules[1].id == "route.unknown");
  CHECK(nanosim::conformance::selected("error.rate_limited", {"error.*"}, {}));
  CHECK_FALSE(nanosim::conformance::selected("error.rate_limited", {}, {"error.*"}));
}

TEST_CASE("A server that is not nanosim gets no admin call and the nanosim rules are skipped", "[conformance]") {
  // A provider served through the proxy is the upstream's: the proxy's health says so.
  nanosim::testkit::ScopedServer upstream;
  nanosim::Options options = nanosim::testkit::deterministic_options();
  options.proxied = {{"bananapro", upstream.base_url() + "/bananapro"}};
  nanosim::testkit::ScopedServer front(options);
  CheckOptions check = options_for(front, "bananapro");
  check.only = {"error.*", "auth.*"};
  const Report report = nanosim::conformance::run_check(check);
  INFO(table(report));
  CHECK_FALSE(report.nanosim);
  CHECK(report.budget == std::nullopt);  // both loopback
  for (const auto& rule : report.rules) {
    if (rule.cost == "nanosim") CHECK(rule.verdict == Verdict::skipped);
  }
  CHECK(front.simulator().scenarios().empty());
}

TEST_CASE("An unknown provider or a URL that is not one is a usage error", "[conformance]") {
  CheckOptions options;
  options.provider = "nope";
  options.base_url = "http://127.0.0.1:1";
  CHECK_THROWS_AS(nanosim::conformance::run_check(options), std::invalid_argument);
  options.provider = "gemini";
  options.base_url = "not a url";
  CHECK_THROWS_AS(nanosim::conformance::run_check(options), std::invalid_argument);
}

TEST_CASE("check_response names the contract rule, its pointer and its provenance", "[conformance]") {
  const auto& contract = nanosim::contracts::get("odirouter");
  nanosim::HttpRequest request;
  request.path = "/v1/queue/nano_banana_2/requests/abc/status";
  nanosim::HttpResponse response;
  response.status = 202;
  response.set_header("Content-Type", "application/json");
  nlohmann::json body = {{"status", "IN_QUEUE"}, {"request_id", "abc"}, {"queue_position", 0},
                        {"response_url", "http://x/r"}, {"status_url", "http://x/s"}, {"cancel_url", "http://x/c"}};
  response.body = body.dump();
  CHECK(nanosim::conformance::check_response(contract, request, response).empty());
  body["status"] = "WAITING";
  response.body = body.dump();
  const auto breaches = nanosim::conformance::check_response(contract, request, response);
  REQUIRE_FALSE(breaches.empty());
  INFO(nanosim::conformance::to_string(breaches.front()));
  CHECK(breaches.front().contract_pointer == "/operations/status/responses/202/schema");
  CHECK_FALSE(breaches.front().provenance.is_null());
  response.status = 418;
  const auto undocumented = nanosim::conformance::check_response(contract, request, response);
  REQUIRE_FALSE(undocumented.empty());
  CHECK(undocumented.front().rule == "status");
  CHECK(nanosim::conformance::field_to_pointer("data.images[2].url") == "/data/images/2/url");
}

TEST_CASE("Image headers give the type and dimensions of PNG files nanosim serves", "[conformance]") {
  nanosim::testkit::ScopedServer server;
  CheckOptions options = options_for(server, "crazyrouter");
  options.only = {"file.content"};
  const Report report = nanosim::conformance::run_check(options);
  REQUIRE(report.rules.size() == 1);
  CHECK(report.rules.front().verdict == Verdict::passed);
}

TEST_CASE("The repository's own fixtures replay clean with check --recorded", "[conformance]") {
  const auto reports = nanosim::conformance::check_recorded(NANOSIM_FIXTURES_DIR);
  CHECK(reports.size() == 6);
  for (const auto& report : reports) {
    std::ostringstream out;
    nanosim::conformance::print_table({report}, out);
    INFO(out.str());
    CHECK(report.count(Verdict::failed) == 0);
    CHECK(report.count(Verdict::passed) >= 1);
  }
}

TEST_CASE("The proxy forwards only the providers named, answers untouched and journals drift with rule and provenance", "[conformance][proxy]") {
  nanosim::testkit::ScopedServer upstream;
  // The upstream drifts: its status polls say a word odirouter's contract does not have.
  upstream.simulator().set_response_observer([](const nanosim::HttpRequest&, nanosim::HttpResponse& response,
                                                const nanosim::ExchangeInfo& info) {
    if (info.provider != "odirouter" || info.operation != "status") return;
    auto body = nlohmann::json::parse(response.body);
    body["status"] = "WAITING";
    response.body = body.dump();
  });
  const nanosim::testkit::TempDir recorded("proxy-unit");
  const std::filesystem::path& recording = recorded.path();
  nanosim::Options options = nanosim::testkit::deterministic_options();
  options.proxied = {{"odirouter", upstream.base_url() + "/odirouter"}};
  nanosim::Simulator front(options);
  nanosim::Proxy proxy(front, nanosim::ProxyConfig{options.proxied, recording.string(), 60});
  nanosim::ServerConfig config;
  config.forward = proxy.hook();
  nanosim::Server server(front, config);
  server.start();

  nanosim::client::HttpTransport odirouter(server.base_url() + "/odirouter");
  const auto submitted = odirouter.send(nanosim::testkit::json_request("POST", "/v1/queue/nano_banana_2", {{"prompt", "A red apple"}}, "sk-secret-key"));
  REQUIRE(submitted);
  REQUIRE(submitted->status == 200);
  const auto id = nanosim::testkit::body_json(*submitted).at("request_id").get<std::string>();
  const auto polled = odirouter.send(nanosim::testkit::request("GET", "/v1/queue/nano_banana_2/requests/" + id + "/status", "sk-secret-key"));
  REQUIRE(polled);
  CHECK(nanosim::testkit::body_json(*polled).at("status") == "WAITING");  // untouched, drift and all
  // A provider not named is the simulator's own.
  nanosim::client::HttpTransport gemini(server.base_url() + "/gemini");
  nanosim::HttpRequest generate = nanosim::testkit::json_request("POST", "/v1beta/models/gemini-2.5-flash-image:generateContent",
                                                                 gemini_body(), "");
  generate.headers.emplace("x-goog-api-key", "k");
  REQUIRE(gemini.send(generate));
  CHECK(upstream.simulator().jobs().size() == 1);
  CHECK(front.jobs().size() == 1);
  CHECK(front.jobs().front().spec.provider == "gemini");

  const auto drift = nanosim::testkit::body_json(front.handle(nanosim::testkit::request("GET", "/__nanosim/drift", "")));
  INFO(drift.dump(2));
  REQUIRE(drift.at("exchanges") == 1);
  CHECK(drift.at("proxied") == 2);
  const auto& entry = drift.at("drift").at(0);
  CHECK(entry.at("operation") == "status");
  CHECK(entry.at("drift").at(0).at("contract_pointer") == "/operations/status/responses/202/schema");
  CHECK_FALSE(entry.at("drift").at(0).at("provenance").is_null());
  const auto coverage = nanosim::testkit::body_json(front.handle(nanosim::testkit::request("GET", "/__nanosim/verify/coverage", "")));
  CHECK(coverage.at("drifted_exchanges") == 1);
  server.stop();

  // The recording keeps the drift as a regression test, without the key.
  for (const auto& file : std::filesystem::directory_iterator(recording / "odirouter")) {
    std::ifstream in(file.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("sk-secret-key") == std::string::npos);
  }
  const auto replay = nanosim::conformance::check_recorded(recording);
  REQUIRE(replay.size() == 1);
  CHECK(replay.front().count(Verdict::failed) == 1);
  CHECK(replay.front().count(Verdict::passed) == 2);  // the submit's request and answer
}
