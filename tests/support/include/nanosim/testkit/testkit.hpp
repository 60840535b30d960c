#pragma once
// nanosim::testkit: what a test needs to drive the simulator, for this project's tests and for users'.
// Every response a test-kit simulator gives is checked against its provider's contract automatically:
// in process, an off-contract answer throws ContractViolation out of handle(); over HTTP it is replaced by
// a 599 response that names the problems, so no test can miss it.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/client/client.hpp"
#include "nanosim/http_message.hpp"
#include "nanosim/server.hpp"
#include "nanosim/simulator.hpp"

namespace nanosim::testkit {

using nlohmann::json;

/// Thrown (deliberately not a std::exception, so client code that catches those cannot swallow it) when the
/// simulator answers outside its contract.
struct ContractViolation {
  std::string message;
};

/// The status an off-contract response is replaced with when it cannot be thrown (HTTP servers).
inline constexpr int contract_violation_status = 599;

/// Problems of one exchange against the provider's contract (empty when on contract or not a provider answer).
std::vector<std::string> contract_problems(const HttpRequest& request, const HttpResponse& response,
                                           const ExchangeInfo& info);
/// Installs the automatic contract check on a simulator.
void install_contract_check(Simulator& simulator);

/// Process-wide counts of checked exchanges and of failures (tests assert the check really ran).
struct CheckCounts {
  std::size_t checked = 0;
  std::size_t failed = 0;
};
CheckCounts contract_check_counts();

/// Options for deterministic tests: a manual clock at 0, a fixed seed, API keys shown in full in admin answers.
Options deterministic_options(std::uint64_t seed = 42);
/// `base` with one worker per provider: jobs run one after another, so queue positions are predictable.
Options one_worker(Options base = deterministic_options());
/// `base` with a fate policy that gives every job `fate` (to make jobs fail, stall or run for a set time).
Options with_fate(JobFate fate, Options base = deterministic_options());

/// An in-process simulator with a manual clock and the contract check.
class ScopedSimulator {
 public:
  explicit ScopedSimulator(Options options = deterministic_options());
  /// Answers a request; throws ContractViolation for an off-contract answer.
  HttpResponse handle(const HttpRequest& request);
  void advance(Millis dt);
  [[nodiscard]] Simulator& simulator() { return *simulator_; }
  [[nodiscard]] Millis now() const { return simulator_->clock().now(); }

  /// A transport into this simulator (through the contract check), under the provider's prefix.
  [[nodiscard]] std::unique_ptr<client::Transport> transport(const std::string& provider_id);
  /// A reference client on that transport whose waits advance this simulator's manual clock.
  [[nodiscard]] client::Client client(const std::string& provider_id, std::string api_key = "test-key");
  /// A ClientClock on the simulator's manual clock: sleep_for advances it.
  [[nodiscard]] std::shared_ptr<client::ClientClock> client_clock();

 private:
  std::unique_ptr<Simulator> simulator_;
};

/// A simulator served on 127.0.0.1 at a free port, stopped and joined when the scope ends.
class ScopedServer {
 public:
  explicit ScopedServer(Options options = deterministic_options(), ServerConfig config = {});
  ~ScopedServer();
  [[nodiscard]] Simulator& simulator() { return *simulator_; }
  [[nodiscard]] std::string base_url() const { return server_->base_url(); }
  [[nodiscard]] int port() const { return server_->port(); }

 private:
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<Server> server_;
};

/// Request builders. `key` goes in as "Authorization: Bearer <key>" unless empty.
HttpRequest request(std::string method, std::string path, std::string key = "test-key");
HttpRequest json_request(std::string method, std::string path, const json& body, std::string key = "test-key");
/// Splits "path?query" into path and decoded query parameters.
HttpRequest with_target(HttpRequest request, std::string_view target);

/// The response body as JSON (discarded value when it is not JSON).
json body_json(const HttpResponse& response);

/// A fresh, empty directory under the system's temporary directory (named after `name` and the process), removed with
/// everything in it at scope end: for recordings, reports and other files a test writes.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Why the scenario loader refuses a document: the ScenarioError's message (it names the field and the rule), or
/// empty when the document is a valid scenario.
std::string scenario_refusal(const json& document);

/// The path (and query) of an absolute URL the simulator gave out, e.g. a result file's URL, ready to pass to
/// request(). `origin` is the simulator's Options::public_origin; the one-argument form takes the default one,
/// which a ScopedSimulator keeps. Throws std::invalid_argument when the URL does not start with the origin.
std::string path_of(const std::string& url, const std::string& origin);
std::string path_of(const std::string& url);

/// A fixture file's text / JSON, by path relative to the fixtures folder ("odirouter/submit-request.json").
std::string fixture_text(std::string_view relative_path);
json fixture_json(std::string_view relative_path);
/// A documented response example as a response: the fixture's text as a JSON body with `status`, ready for
/// contracts::Contract::validate_response.
HttpResponse fixture_response(std::string_view relative_path, int status = 200);

/// A provider with a model the reference client and every catalog scenario can use on it.
struct ProviderModel {
  const char* provider;
  const char* model;
};
/// Every provider, each with such a model (tests that go over all providers).
const std::vector<ProviderModel>& provider_models();
/// The fixtures folder: the NANOSIM_FIXTURES environment variable, else the package's own (the source checkout's
/// in its build tree, <prefix>/share/nanosim/fixtures once installed; CMake's nanosim::testkit says which).
std::string fixtures_dir();

namespace detail {
/// Records the package's fixtures folder; every program using the test kit does it once, at start-up.
bool set_default_fixtures_dir(const char* dir);
#ifdef NANOSIM_TESTKIT_FIXTURES_DIR
inline const bool default_fixtures_dir_set = set_default_fixtures_dir(NANOSIM_TESTKIT_FIXTURES_DIR);
#endif
}  // namespace detail

}  // namespace nanosim::testkit
