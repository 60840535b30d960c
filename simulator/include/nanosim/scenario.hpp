#pragma once
// Failure scenarios: named rules, each a trigger (which requests or jobs) and an effect (what goes wrong).
// The format is JSON, described by fixtures/scenarios/scenario.schema.json; the catalog of ready-made
// scenarios (fixtures/scenarios/*.json) is embedded at build time. Which request an effect hits depends only
// on the seed and the order of requests, so a run replays exactly.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/clock.hpp"

namespace nanosim {

/// A scenario that breaks the format; the message names the field and the rule ("rules[1] (window).effect...").
struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The one pattern mechanism of every trigger: RE2 syntax (https://github.com/google/re2/wiki/Syntax), searched
/// anywhere in the text unless anchored with ^ / $. Compiled once when the scenario loads; a match runs in time
/// linear in the text's length and never recurses, whatever the pattern and the input.
class Pattern {
 public:
  Pattern() = default;
  /// Compiles `source`; throws ScenarioError "<field>: is not a valid pattern (<why>)".
  static Pattern compile(const std::string& source, const std::string& field);
  /// True when no pattern was given (matches nothing by itself; triggers skip an empty pattern).
  [[nodiscard]] bool empty() const { return impl_ == nullptr; }
  [[nodiscard]] const std::string& source() const;
  /// True when the pattern occurs in the text.
  [[nodiscard]] bool search(std::string_view text) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// A header trigger: the request has the header and one of its values matches.
struct HeaderMatch {
  std::string name;
  Pattern value;
};

/// A body trigger: the value at a JSON pointer equals a JSON value, or is a string the pattern matches.
struct BodyMatch {
  std::string pointer;
  std::optional<nlohmann::json> equals;
  Pattern matches;
};

/// Which requests (or jobs, for fate effects) a rule hits. Every field set must match; none set = always.
struct Trigger {
  std::vector<std::string> providers;   // contract ids
  std::vector<std::string> operations;  // contract operation names, or "file" (result downloads)
  std::vector<std::string> models;
  Pattern prompt_pattern;  // searched in the prompt (absent prompt: no match)
  std::vector<std::string> api_keys;
  std::vector<std::string> methods;   // HTTP methods ("GET", "POST", ...)
  Pattern path;                       // searched in the request's path (no query string)
  std::vector<HeaderMatch> headers;   // all must match
  std::vector<BodyMatch> body;        // all must match (a JSON body, or a form's plain fields)
  std::optional<Millis> from;   // simulated-time window [from, until)
  std::optional<Millis> until;
  // Counting over the requests the filters above let through (1-based):
  std::uint64_t nth = 0;     // only the n-th
  std::uint64_t every = 0;   // every n-th (n, 2n, ...)
  std::uint64_t after = 0;   // every one after the first n
  std::uint64_t times = 0;   // fires at most this many times (0 = unbounded)
  std::optional<double> probability;  // drawn from (seed, scenario, rule, count)
};

enum class EffectType { error, rate_limit, latency, fault, fate, background_jobs, credits, respond, patch_response };

/// An answer made by hand (effect "respond"). Header values, the text body and the string values of the JSON body
/// are templates: "{{job_id}}" and the like are filled from the request (see README, "Templates").
struct HandMadeAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  enum class Body { none, text, json, base64 } body_form = Body::none;
  std::string body;        // text, or the decoded bytes of body_base64
  nlohmann::json body_json;
};

/// An edit of the answer that goes out (effect "patch_response"), applied in this order: status, move, remove,
/// set (pointer order), headers. JSON pointers edit JSON bodies only; string values of `set` are templates.
struct AnswerPatch {
  std::optional<int> status;
  std::vector<std::pair<std::string, std::string>> move;  // from -> to
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, nlohmann::json>> set;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;  // nullopt: remove the header
  [[nodiscard]] bool edits_body() const { return !move.empty() || !remove.empty() || !set.empty(); }
};

/// What happens when the trigger fires. Only the fields of `type` are meaningful.
struct Effect {
  EffectType type = EffectType::error;
  // error: the first catalog kind the provider has ("@auth.invalid"/"@auth.missing" = the contract's auth kinds).
  std::vector<std::string> error_kinds;
  std::string message;                     // fills a "{message}" placeholder of the kind's body
  std::optional<std::int64_t> retry_after_s;
  // rate_limit: a fixed window of simulated time, counted per API key (or for everyone).
  std::int64_t limit = 0;
  Millis window{0};
  bool per_key = true;
  // latency: fixed, uniform [min, max] or log-normal (median, sigma); simulated milliseconds.
  Millis latency_fixed{-1};
  Millis latency_min{0}, latency_max{0};
  double latency_median_ms = 0, latency_sigma = 0;
  // fault: "reset_before_response", "close_mid_body", "truncated_json", "malformed_json", "slow_body".
  std::string fault;
  Millis trickle_interval{200};
  // fate (of the job a matching request creates)
  std::string fail_kind;  // failure::* ; empty = the job does not fail
  std::string fail_message;
  double fail_at_fraction = 0.5;
  Millis stall{0};
  int missing_results = 0;
  Millis lose_after{-1};           // the job is forgotten this long after submission
  Millis files_expire_after{-1};   // result files expire this long after the job ends
  Millis run_time{-1};
  // background_jobs: jobs of other tenants queued ahead
  int background_count = 0;
  Millis background_run_time{10'000};
  // credits: the requesting key's balance from now on (the credit ledger; bananapro charges from it)
  std::int64_t credits_balance = 0;
  // respond / patch_response
  HandMadeAnswer respond;
  AnswerPatch patch;
};

struct ScenarioRule {
  std::string name;
  Trigger trigger;
  Effect effect;
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<ScenarioRule> rules;
  nlohmann::json document;  // as written (for listing and export)
};

/// Largest scenario document accepted, and its deepest nesting: checked before any parse or schema walk.
inline constexpr std::size_t max_scenario_bytes = 4u << 20;
inline constexpr int max_scenario_depth = 32;

/// Parses and checks a scenario document (JSON Schema, then what the schema cannot say: regexes, windows).
/// Throws ScenarioError.
Scenario parse_scenario(const nlohmann::json& document);
/// Refuses (ScenarioError) a text over max_scenario_bytes or nesting deeper than max_scenario_depth, unparsed.
void check_scenario_text(std::string_view text);
/// Parses JSON text; throws ScenarioError (bad JSON included).
Scenario parse_scenario_text(const std::string& text);
/// A catalog entry by name, or a file path (anything with a '/' or ending in ".json"). Throws ScenarioError.
Scenario load_scenario(const std::string& file_or_name);

/// Names of the embedded catalog, sorted.
std::vector<std::string> scenario_catalog();
/// A catalog entry; nullopt when unknown.
std::optional<Scenario> catalog_scenario(const std::string& name);
/// The scenario format's JSON Schema, as embedded.
const nlohmann::json& scenario_format_schema();

/// Header naming scenarios (comma-separated) applied to one request only. A name that is neither installed nor in
/// the catalog gets nanosim's own 400 {"error":{"code":"unknown_scenario",...}} and changes nothing.
inline constexpr const char* scenario_header = "X-Nanosim-Scenario";

}  // namespace nanosim
