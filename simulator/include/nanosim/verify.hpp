#pragma once
// nanosim::verify: assertions over the request journal about how a client behaved. Each check returns a
// CheckResult (testable as a bool) whose failures name the journal entries that broke the rule.
//
//   auto entries = simulator.journal().entries();
//   REQUIRE(nanosim::verify::honoured_retry_after(entries));
//   REQUIRE(nanosim::verify::polled_no_faster_than(entries, std::chrono::seconds(1)));
//
// Times are simulated: a request "arrives" at entry.at and is answered at entry.at + entry.latency.
// A request follows the same key's previous call of that provider and operation about the same job; a call about
// no job (a refused submit) is followed by the next such call, whatever job that one creates. The same checks are
// served by the admin API (GET /__nanosim/verify?check=NAME&...).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/clock.hpp"
#include "nanosim/journal.hpp"

namespace nanosim::verify {

struct CheckResult {
  std::string check;
  std::vector<std::string> failures;  // one sentence each, naming journal sequences
  std::size_t examined = 0;           // how many exchanges the check looked at

  [[nodiscard]] bool passed() const { return failures.empty(); }
  explicit operator bool() const { return passed(); }
  [[nodiscard]] nlohmann::json to_json() const;
};

/// After an answer with Retry-After (or retry-after-ms), the same key's next request of that operation (and
/// job) came no sooner than the answer's time plus the delay.
CheckResult honoured_retry_after(const std::vector<JournalEntry>& entries);
/// Status polls of each job came at least `interval` apart (from one answer to the next request).
CheckResult polled_no_faster_than(const std::vector<JournalEntry>& entries, Millis interval);
/// After retryable failures (429, 5xx, injected faults) in a row, the pauses before each retry never shrank
/// and none was zero.
CheckResult backed_off(const std::vector<JournalEntry>& entries);
/// Every job still unfinished `deadline` after its submit was cancelled by deadline + grace, and nothing but
/// the cancel asked about it afterwards.
CheckResult cancelled_on_deadline(const std::vector<JournalEntry>& entries, Millis deadline, Millis grace = Millis{1000});
/// No submit repeated (same key, same body) one that had already created a job.
CheckResult no_duplicate_submits(const std::vector<JournalEntry>& entries);
/// Each result (the "result" operation answered 200) and each file was fetched successfully at most once.
CheckResult fetched_each_result_once(const std::vector<JournalEntry>& entries);

/// What the client was exercised against.
struct Coverage {
  std::map<std::string, std::size_t> states;    // job states seen in answers ("queued", "running", ...)
  std::map<std::string, std::size_t> effects;   // "scenario/rule: effect" -> count
  std::map<std::string, std::size_t> faults;    // injected wire faults
  std::map<int, std::size_t> statuses;          // HTTP statuses answered
  std::vector<std::string> states_missing;      // lifecycle states never seen
  std::map<std::string, std::size_t> drift;     // proxied answers off contract: "<provider> <pointer> <rule>" -> count
  std::size_t drifted_exchanges = 0;            // proxied exchanges with at least one drift

  [[nodiscard]] nlohmann::json to_json() const;
};
Coverage coverage(const std::vector<JournalEntry>& entries);

/// Runs a check by name with parameters as strings ("interval_ms", "deadline_ms", "grace_ms"), for the admin
/// API. nullopt when the name is unknown; a missing parameter is a failure of the check.
std::optional<CheckResult> run_check(const std::string& name, const std::vector<JournalEntry>& entries,
                                     const std::map<std::string, std::string>& params);
/// The names run_check knows.
std::vector<std::string> check_names();

}  // namespace nanosim::verify
