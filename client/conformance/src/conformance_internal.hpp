#pragma once
// Internals of nanosim::conformance shared by its files: the session a check runs in (transports, the reference
// client, nanosim's admin API and clock, the budget) and the rule table.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nanosim/client/client.hpp"
#include "nanosim/conformance/conformance.hpp"
#include "provider_protocol.hpp"

namespace nanosim::conformance {

/// A contract entry by RFC 6901 pointer; null when absent.
json contract_entry(const contracts::Contract& contract, const std::string& pointer);

/// What a rule's run reports back.
class Outcome {
 public:
  void fail(std::string reason, std::vector<Breach> breaches = {}, std::optional<Exchange> evidence = std::nullopt);
  /// Fails with the breaches when there are any (the reason names what was checked).
  bool expect_clean(const std::string& what, std::vector<Breach> breaches, const Exchange& evidence);
  void skip(std::string reason);
  RuleResult& result() { return result_; }

 private:
  RuleResult result_;
};

/// The keys the check sends; against nanosim, scenarios installed for the run key their effects on these.
namespace keys {
inline constexpr const char* invalid = "nanosim-check-invalid-key";
inline constexpr const char* fails = "nanosim-check-fails";
inline constexpr const char* expired = "nanosim-check-expired";
inline std::string error(const std::string& kind) { return "nanosim-check-error-" + kind; }
}  // namespace keys

/// A generation followed to its end: every exchange on the way, in order.
struct GenerationRun {
  std::optional<client::Submission> submission;
  std::optional<Exchange> submit;
  std::vector<std::pair<Exchange, client::Result<client::JobStatus>>> polls;  // async providers only
  std::optional<client::JobState> final_state;
  std::vector<Exchange> result_exchanges;
  std::optional<client::GenerationResult> result;
  std::optional<client::Error> error;  // the first call that failed, if any
  std::vector<Exchange> downloads;     // one per image with a URL
};

class Session {
 public:
  explicit Session(const CheckOptions& options);
  ~Session();

  const contracts::Contract& contract;
  const CheckOptions& options;
  std::unique_ptr<client::detail::ProviderProtocol> protocol;
  bool nanosim = false;
  bool manual_clock = false;
  std::optional<int> budget;
  int generations = 0;
  std::string api_key;
  client::GenerateRequest request;  // what generations ask for
  std::string size_tier;            // the tier the request gets (the model's default)

  /// One request as is (the path relative to the provider's base), with the key in the provider's scheme.
  Exchange send(HttpRequest wire, const std::string& key);
  /// GET of an absolute URL (a result file).
  Exchange download(const std::string& url);
  /// The client's submit request, as the reference client builds it.
  [[nodiscard]] std::optional<HttpRequest> submit_request() const;
  /// A path of an operation's template with the model and other parameters filled in.
  [[nodiscard]] std::string path_of(const contracts::Operation& op, const std::string& id) const;

  /// Starts a generation when the budget allows (counting it); false otherwise.
  bool take_generation();
  /// Submits with `key`, follows the job to its end (polls through the client, within the timeout) and reads its
  /// result; downloads the files when asked. Cancels the job when the wait runs out and the provider can cancel.
  GenerationRun generate(const std::string& key, bool download_files);
  /// The main generation (the default key), run once and shared by the rules that read it; null when the budget
  /// forbids it.
  GenerationRun* main_generation();
  /// A client over the provider's base whose exchanges land in `log`.
  client::Client make_client(const std::string& key, std::vector<Exchange>& log);
  client::ClientClock& clock() { return *clock_; }

  /// POSTs a scenario for this run to nanosim (never called unless the target is nanosim).
  bool install_scenario(const json& rules, std::string& error);
  void remove_scenario();
  [[nodiscard]] std::string scenario_name() const { return "nanosim-check-" + contract.id(); }

 private:
  std::string base_url_;
  std::string origin_;
  std::unique_ptr<client::Transport> transport_;
  std::unique_ptr<client::Transport> admin_;
  std::shared_ptr<client::ClientClock> clock_;
  std::optional<GenerationRun> main_;
  bool main_attempted_ = false;
  bool scenario_installed_ = false;
};

/// One rule of the suite: what it promises, what it costs, how it runs.
struct RuleSpec {
  std::string id;
  std::string title;
  std::string cost;  // "free", "nanosim", "generation"
  std::string contract_pointer;
  json provenance;
  std::function<void(Session&, Outcome&)> run;
};

/// The free probes: auth refusals, invalid bodies, unknown ids, wrong methods, unknown routes.
std::vector<RuleSpec> probe_rules(const Session& session);
/// The rules that need nanosim's admin API: each catalog error, a failed job, an expired file.
std::vector<RuleSpec> nanosim_rules(const Session& session);
/// The scenario rules nanosim_rules rely on.
json nanosim_scenario_rules(const contracts::Contract& contract);
/// The rules that start generations: submit, lifecycle, result, files, cancel.
std::vector<RuleSpec> generation_rules(const Session& session);

/// Width and height of a PNG, JPEG or WebP, and its MIME type by its magic bytes; nullopt when unreadable.
struct ImageInfo {
  std::string mime;
  int width = 0;
  int height = 0;
};
std::optional<ImageInfo> read_image_header(std::string_view bytes);

/// The schema node a field ("a.b[2]") of an instance is checked by; null when the schema does not say.
const json* schema_node_at(const contracts::Contract& contract, const json& schema, std::string_view field);

/// True when some object inside `value` holds every member of `pattern` (recursively, scalars equal).
bool contains_subset(const json& value, const json& pattern);

}  // namespace nanosim::conformance
