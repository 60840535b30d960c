#include "nanosim/testkit/testkit.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/scenario.hpp"

namespace nanosim::testkit {
namespace {

std::atomic<std::size_t> checked_count{0};
std::atomic<std::size_t> failed_count{0};

std::string describe_exchange(const HttpRequest& request, const HttpResponse& response,
                              const std::vector<std::string>& problems) {
  std::ostringstream out;
  out << "off-contract response to " << request.method << " " << request.path << " (HTTP " << response.status
      << "): ";
  for (std::size_t i = 0; i < problems.size(); ++i) out << (i ? "; " : "") << problems[i];
  out << "\nbody: " << response.body.substr(0, 2000);
  return out.str();
}

}  // namespace

std::vector<std::string> contract_problems(const HttpRequest&, const HttpResponse& response,
                                           const ExchangeInfo& info) {
  std::vector<std::string> problems;
  if (!info.wire_fault.empty() || info.scenario_answer) return problems;  // a scenario made it so on purpose
  if (info.operation == "file") {
    if (response.status == 200 && !response.body.empty()) {
      const auto image = images::probe(response.body);
      if (!image) problems.push_back("file: body is not a PNG, JPEG or WebP image");
      else if (images::mime_type(image->format) != response.content_type())
        problems.push_back("file: Content-Type " + response.content_type() + " does not match the image");
    }
    return problems;
  }
  if (info.provider.empty() || info.operation == "admin") return problems;
  const contracts::Contract* contract = contracts::find(info.provider);
  if (contract == nullptr) return {"no contract for provider " + info.provider};
  std::vector<contracts::Violation> violations;
  if (!info.operation.empty()) {
    violations = contract->validate_response(contract->operation(info.operation), response);
  } else {
    violations = contract->validate_error_response(response);
  }
  for (const auto& v : violations) problems.push_back(contracts::to_string(v));
  return problems;
}

void install_contract_check(Simulator& simulator) {
  simulator.set_response_observer([](const HttpRequest& request, HttpResponse& response, const ExchangeInfo& info) {
    ++checked_count;
    const auto problems = contract_problems(request, response, info);
    if (problems.empty()) return;
    ++failed_count;
    const std::string text = describe_exchange(request, response, problems);
    std::cerr << "nanosim testkit: " << text << "\n";
    HttpResponse replaced;
    replaced.status = contract_violation_status;
    replaced.set_header("Content-Type", "application/json");
    replaced.body = json{{"nanosim_contract_violation", problems}, {"original_status", response.status},
                         {"original_body", response.body}}
                        .dump();
    response = std::move(replaced);
  });
}

CheckCounts contract_check_counts() { return {checked_count.load(), failed_count.load()}; }

Options deterministic_options(std::uint64_t seed) {
  Options options;
  options.seed = seed;
  options.clock = std::make_shared<ManualClock>();
  options.reveal_keys = true;  // the test owns the process: admin answers show keys in full, as the C++ API does
  return options;
}

Options one_worker(Options base) {
  base.workers = 1;
  return base;
}

Options with_fate(JobFate fate, Options base) {
  base.fate_policy = [fate = std::move(fate)](const JobSpec&, std::uint64_t) { return fate; };
  return base;
}

ScopedSimulator::ScopedSimulator(Options options) : simulator_(std::make_unique<Simulator>(std::move(options))) {
  install_contract_check(*simulator_);
}

HttpResponse ScopedSimulator::handle(const HttpRequest& request) {
  HttpResponse response = simulator_->handle(request);
  if (response.status == contract_violation_status) throw ContractViolation{response.body};
  return response;
}

void ScopedSimulator::advance(Millis dt) {
  if (!simulator_->advance(dt)) throw std::logic_error("ScopedSimulator::advance: the clock is not manual");
}

namespace {
/// The reference client's clock on a simulator's manual clock: sleeping moves simulated time.
class SimulatedClientClock final : public client::ClientClock {
 public:
  explicit SimulatedClientClock(Simulator& simulator) : simulator_(simulator) {}
  std::chrono::milliseconds now() override { return simulator_.clock().now(); }
  void sleep_for(std::chrono::milliseconds duration) override {
    if (duration.count() > 0) simulator_.advance(duration);
  }
  std::chrono::system_clock::time_point wall_now() override {
    return std::chrono::system_clock::time_point(
        std::chrono::milliseconds(simulator_.options().epoch_unix_ms + simulator_.clock().now().count()));
  }

 private:
  Simulator& simulator_;
};
}  // namespace

std::unique_ptr<client::Transport> ScopedSimulator::transport(const std::string& provider_id) {
  return std::make_unique<client::InProcessTransport>([this](const HttpRequest& r) { return handle(r); },
                                                      simulator_->options().public_origin + "/" + provider_id);
}

std::shared_ptr<client::ClientClock> ScopedSimulator::client_clock() {
  return std::make_shared<SimulatedClientClock>(*simulator_);
}

client::Client ScopedSimulator::client(const std::string& provider_id, std::string api_key) {
  client::ClientOptions options;
  options.api_key = std::move(api_key);
  options.clock = client_clock();
  return client::Client(transport(provider_id), provider_id, std::move(options));
}

ScopedServer::ScopedServer(Options options, ServerConfig config)
    : simulator_(std::make_unique<Simulator>(std::move(options))) {
  install_contract_check(*simulator_);
  config.port = 0;  // never a fixed port in tests
  server_ = std::make_unique<Server>(*simulator_, config);
  server_->start();
}

ScopedServer::~ScopedServer() { server_->stop(); }

HttpRequest request(std::string method, std::string path, std::string key) {
  HttpRequest out;
  out.method = std::move(method);
  out = with_target(std::move(out), path);
  if (!key.empty()) out.headers.emplace("Authorization", "Bearer " + key);
  return out;
}

HttpRequest json_request(std::string method, std::string path, const json& body, std::string key) {
  HttpRequest out = request(std::move(method), std::move(path), std::move(key));
  out.headers.emplace("Content-Type", "application/json");
  out.body = body.dump();
  return out;
}

HttpRequest with_target(HttpRequest request, std::string_view target) {
  const auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  request.query.clear();
  if (question != std::string_view::npos) request.query = parse_query_string(target.substr(question + 1));
  return request;
}

json body_json(const HttpResponse& response) { return json::parse(response.body, nullptr, false); }

TempDir::TempDir(const std::string& name)
    : path_(std::filesystem::temp_directory_path() / ("nanosim-" + name + "-" + std::to_string(::getpid()))) {
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;  // a destructor does not throw: what cannot be removed stays
  std::filesystem::remove_all(path_, ignored);
}

std::string scenario_refusal(const json& document) {
  try {
    (void)parse_scenario(document);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

namespace {
std::string& default_fixtures_dir() {
  static std::string dir = "fixtures";
  return dir;
}

}  // namespace

bool detail::set_default_fixtures_dir(const char* dir) {
  default_fixtures_dir() = dir;
  return true;
}

std::string fixtures_dir() {
  if (const char* env = std::getenv("NANOSIM_FIXTURES")) return env;
  return default_fixtures_dir();
}

std::string fixture_text(std::string_view relative_path) {
  const std::string path = fixtures_dir() + "/" + std::string(relative_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string path_of(const std::string& url, const std::string& origin) {
  if (url.rfind(origin, 0) != 0) throw std::invalid_argument("URL " + url + " is not under the origin " + origin);
  return url.substr(origin.size());
}

std::string path_of(const std::string& url) {
  static const std::string default_origin = Options{}.public_origin;
  return path_of(url, default_origin);
}

const std::vector<ProviderModel>& provider_models() {
  static const std::vector<ProviderModel> models{{"odirouter", "nano_banana_2"},   {"bananapro", "nano-banana"},
                                                 {"toapis", "nano-banana-2"},      {"nanoseries", "NanoBanana2-1K"},
                                                 {"gemini", "gemini-3.1-flash-image-preview"}, {"crazyrouter", "nano-banana-2"}};
  return models;
}

HttpResponse fixture_response(std::string_view relative_path, int status) {
  HttpResponse response;
  response.status = status;
  response.body = fixture_text(relative_path);
  response.set_header("Content-Type", "application/json");
  return response;
}

json fixture_json(std::string_view relative_path) {
  json value = json::parse(fixture_text(relative_path), nullptr, false);
  if (value.is_discarded()) throw std::runtime_error("fixture is not JSON: " + std::string(relative_path));
  return value;
}

}  // namespace nanosim::testkit
