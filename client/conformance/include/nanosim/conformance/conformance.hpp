#pragma once
// nanosim::conformance: the rules `nanosim check` runs against any base URL (nanosim, a live provider, or a
// recording), derived from the provider's contract and run through the reference client. The validating proxy
// checks each exchange it forwards with the same functions.
//
//   nanosim::conformance::CheckOptions options;
//   options.provider = "odirouter";
//   options.base_url = "http://127.0.0.1:8080/odirouter";
//   const auto report = nanosim::conformance::run_check(options);
//   nanosim::conformance::print_table({report}, std::cout);

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim::conformance {

using nlohmann::json;

/// One way an exchange broke its contract.
struct Breach {
  std::string rule;              // the check or JSON Schema keyword that failed ("required", "enum", "http_status")
  std::string contract_pointer;  // RFC 6901 pointer into the contract ("/operations/status/responses/200/schema")
  std::string field_pointer;     // pointer into the answer ("/data/status"; "" the whole body; "header X" a header)
  std::string message;           // one sentence
  json provenance;               // where the broken rule comes from (seed + section, public source, or inferred)

  [[nodiscard]] json to_json() const;
};
/// "enum at /operations/status/responses/202/schema, /status: status: must be one of ... [seed 000 §...]".
std::string to_string(const Breach& breach);

/// The answer to a request (path relative to the provider's base) against the operation the request matches:
/// its status and body shape, or one of the catalog's error shapes with the catalog's headers. A request no
/// operation matches must be answered with one of the catalog's errors.
std::vector<Breach> check_response(const contracts::Contract& contract, const HttpRequest& request,
                                   const HttpResponse& response);
/// A request (path relative to the provider's base) against the operation it matches: its body and query.
std::vector<Breach> check_request(const contracts::Contract& contract, const HttpRequest& request);
/// An answer that must be the catalog's error `kind` (its status, body shape and headers).
std::vector<Breach> check_error(const contracts::Contract& contract, std::string_view kind,
                                const HttpResponse& response);
/// The provenance of the schema node a field of an instance is checked by ("a.b[2]", the Violation form),
/// the nearest ancestor's when the node has none; null when the schema has none on the way.
json provenance_at(const contracts::Contract& contract, const json& schema, std::string_view field);
/// "a.b[2]" -> "/a/b/2".
std::string field_to_pointer(std::string_view field);

/// One request sent and what came back.
struct Exchange {
  HttpRequest request;  // path relative to `base`
  std::string base;     // the base URL the request was sent under
  std::optional<HttpResponse> response;
  std::string transport_error;  // when no answer came

  /// Request line, headers (credentials redacted) and a body excerpt, and the answer's status and excerpt.
  [[nodiscard]] json to_json(std::size_t excerpt = 400) const;
};

enum class Verdict { passed, failed, skipped };
std::string_view to_string(Verdict verdict);

/// What running one rule found.
struct RuleResult {
  std::string id;     // "auth.missing", "request.required.prompt", "status.lifecycle", "error.rate_limited"
  std::string title;  // what the contract promises
  std::string cost;   // "free", "generation" (starts a paid job), "nanosim" (needs nanosim's admin API)
  Verdict verdict = Verdict::passed;
  std::string reason;  // why it was skipped, or a summary of the failure
  std::string contract_pointer;
  json provenance;
  int generations = 0;  // jobs this rule started
  std::vector<Breach> breaches;
  std::vector<Exchange> evidence;  // the exchanges behind a failure
  double seconds = 0;

  [[nodiscard]] json to_json() const;
};

struct Report {
  std::string provider;
  std::string target;  // the base URL, or the recording's directory
  bool nanosim = false;  // the target answered /__nanosim/health as nanosim
  std::optional<int> budget;  // generations allowed; nullopt = unlimited
  int generations = 0;        // generations started
  std::vector<RuleResult> rules;

  [[nodiscard]] bool passed() const;
  [[nodiscard]] std::size_t count(Verdict verdict) const;
  [[nodiscard]] json to_json() const;
};

struct CheckOptions {
  std::string provider;
  std::string base_url;  // the provider's base: "http://127.0.0.1:8080/odirouter", "https://odirouter.ai/model"
  std::string api_key;   // empty: "nanosim-check-key" against nanosim; elsewhere the rules that need one are skipped
  /// Generations the run may start; nullopt = unlimited against a loopback URL, 0 elsewhere.
  std::optional<int> budget;
  std::vector<std::string> only;  // rule ids or prefixes ending in '*'; empty = every rule
  std::vector<std::string> skip;
  std::chrono::milliseconds timeout{300'000};  // the longest a generation is waited for
  std::string model;  // empty: the contract's first model
};

/// Runs every rule the contract gives for the provider against options.base_url: free probes first, then the
/// rules that need nanosim's admin API (only when the target is nanosim), then those that start generations
/// (within the budget). Throws std::invalid_argument for an unknown provider or an unusable URL.
Report run_check(const CheckOptions& options);
/// Validates a recording (a directory in the fixtures/<id>/ format with index.json, or a directory of such
/// directories) against today's contracts, offline: one rule per recorded request and response.
/// Throws std::invalid_argument when the directory holds no recording.
std::vector<Report> check_recorded(const std::filesystem::path& directory);

/// `nanosim check` without its argument parsing: a live run (options) or a replay (recorded), the table on out,
/// the JUnit and JSON reports written where asked.
struct CheckCommand {
  CheckOptions options;
  std::string recorded;    // a recording's directory: replay it instead of running against options.base_url
  std::string junit_file;  // empty: none
  std::string json_file;
};
/// Runs the command; returns the exit status: 0 when no rule failed, 1 otherwise. Throws std::invalid_argument
/// for a usage error (unknown provider, unusable URL, no recording, an unwritable report file).
int check_command(const CheckCommand& command, std::ostream& out);

/// True when a rule id is selected by only/skip patterns (exact ids, or prefixes ending in '*').
bool selected(std::string_view id, const std::vector<std::string>& only, const std::vector<std::string>& skip);

/// The human table: one line per rule, and the evidence of each failure.
void print_table(const std::vector<Report>& reports, std::ostream& out);
/// JUnit XML: one testsuite per report, one testcase per rule (failure / skipped elements).
std::string to_junit(const std::vector<Report>& reports);
json to_json(const std::vector<Report>& reports);
bool all_passed(const std::vector<Report>& reports);

}  // namespace nanosim::conformance
