#pragma once
// nanosim::Simulator: the whole server without sockets. handle() takes a plain HttpRequest and returns the
// provider's answer; the HTTP skin (nanosim/server.hpp) and in-process clients both call it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nanosim/clock.hpp"
#include "nanosim/http_message.hpp"
#include "nanosim/job.hpp"
#include "nanosim/journal.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/usage.hpp"

namespace nanosim {

/// Decides a job's fate when it is submitted. The default: every job succeeds.
using FatePolicy = std::function<JobFate(const JobSpec&, std::uint64_t job_sequence)>;

struct Options {
  std::uint64_t seed = 1;
  /// Null: a ManualClock starting at 0. The program uses a RealClock unless --clock manual.
  std::shared_ptr<Clock> clock;
  /// Providers served (contract ids); empty = every provider with a contract.
  std::vector<std::string> providers;
  /// Workers per provider (the default for providers not named in workers_per_provider).
  int workers = 4;
  std::map<std::string, int> workers_per_provider;
  /// Accepted API keys; empty = any non-empty key is accepted.
  std::vector<std::string> api_keys;
  /// Models each key may use (the provider's model ids); a key not listed may use every model.
  std::map<std::string, std::vector<std::string>> models_per_key;
  /// Credit balances by API key, for providers that sell credits (bananapro); every other key starts at
  /// default_credits; a balance is that less what the key spent in credits (usage()). A request a balance cannot
  /// cover is refused; no balance ever goes below 0.
  std::map<std::string, std::int64_t> credits;
  std::int64_t default_credits = 500;  // one 4-credit image leaves bananapro's documented remaining_credits 496
  /// Base used for absolute URLs when a request carries no Host header (in-process calls).
  std::string public_origin = "http://nanosim.local";
  /// Wall-clock time (Unix ms) of simulated time 0; timestamps in bodies are epoch + clock.now().
  std::int64_t epoch_unix_ms = 1767225600000;  // 2026-01-01T00:00:00Z: fixed, so runs are byte-identical
  std::size_t journal_capacity = 10'000;
  std::size_t journal_body_limit = 4'096;
  std::size_t finished_job_retention = 100'000;  // finished jobs kept for lookup; oldest forgotten first
  std::size_t image_cache_bytes = 256u << 20;
  std::size_t usage_capacity = 100'000;  // usage records kept; older ones only count in the totals
  std::size_t max_body_bytes = 32u << 20;
  /// Admin answers over HTTP (journal, jobs, usage, credits) show API keys in full; otherwise masked ("sk-…3f9a").
  /// The in-process API (journal(), jobs(), usage()) always has them in full.
  bool reveal_keys = false;
  int max_json_depth = 64;
  /// Refuse every undocumented request field, whatever the provider does with one (contract "unknown_fields":
  /// providers that ignore them are made to refuse them, with the error their schema rule gives).
  bool strict_fields = false;
  FatePolicy fate_policy;
  /// Providers whose requests the validating proxy sends to a real upstream (serve --proxy): id -> upstream URL.
  /// Shown by /__nanosim/health, so a check knows the admin API does not reach them.
  std::map<std::string, std::string> proxied;
  /// Failure scenarios installed from the start (see nanosim/scenario.hpp); fates compose with fate_policy.
  std::vector<Scenario> scenarios;
};

/// What the simulator knew about an exchange, beside the wire response (for journals and contract checks).
struct ExchangeInfo {
  std::string provider;   // contract id, empty for admin and unknown paths
  std::string operation;  // contract operation name, or "admin", "file", ""
  std::string job_id;
  std::string api_key;  // the authenticated key, if any
  std::string request_id;  // the id the provider gives this exchange (contract "request_id"), as its headers send it
  std::string job_state;   // canonical state of the job the exchange was about, after it ("queued", ...)
  /// A connection or body fault a scenario injected on purpose ("truncated_json", ...): the answer is meant to
  /// be off-contract, so contract checks skip it.
  std::string wire_fault;
  Millis latency{0};  // simulated latency scenarios added to the answer
  /// The answer was made or edited by hand by a scenario (effects respond, patch_response): whatever it says is
  /// meant, so contract checks skip it.
  bool scenario_answer = false;
  Millis at{0};           // simulated time the request arrived
  Millis answered_at{0};  // simulated time of the answer (a synchronous call waits for its job)
  std::vector<std::string> rules;  // scenario rules that fired, "SCENARIO/RULE"
};

/// Sees every exchange after it is journaled and before the response is written; may rewrite the response
/// (the test kit turns an off-contract answer into a loud failure this way).
using ResponseObserver = std::function<void(const HttpRequest&, HttpResponse&, const ExchangeInfo&)>;

class Simulator {
 public:
  explicit Simulator(Options options = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /// Answers one request. Thread-safe; never throws for anything a client sends.
  HttpResponse handle(const HttpRequest& request);
  /// The same, and says what the exchange was (provider, operation, times, scenario rules that fired).
  HttpResponse handle(const HttpRequest& request, ExchangeInfo& about);

  /// Shutting down: synchronous calls waiting for their job stop waiting and drop their connection (the job goes
  /// on), and nothing waits on a real clock any more. For a bounded drain; not undone.
  void interrupt_waits();
  [[nodiscard]] bool waits_interrupted() const;

  [[nodiscard]] Clock& clock() const;
  /// Moves a manual clock forward; false for a real clock.
  bool advance(Millis dt);
  /// Forgets every job, file and journal entry and restores the configured credits; a manual clock returns
  /// to 0. The seed stays.
  void reset();

  [[nodiscard]] const Options& options() const;
  /// Providers served, in id order.
  [[nodiscard]] std::vector<std::string> provider_ids() const;
  /// True when a single provider is served, so its paths also answer at the root.
  [[nodiscard]] bool serves_root() const;

  [[nodiscard]] const Journal& journal() const;
  /// Every job known, computed at the clock's now.
  [[nodiscard]] std::vector<JobView> jobs() const;
  [[nodiscard]] std::optional<JobView> job(const std::string& id) const;
  /// Usage records at the clock's now, oldest first; only the key's when api_key is not empty.
  [[nodiscard]] std::vector<UsageEntry> usage(const std::string& api_key = {}) const;
  /// What a key spent in a unit ("USD", "credits"), held and settled amounts together.
  [[nodiscard]] double spend(const std::string& api_key, const std::string& unit = "USD") const;

  /// Installs a failure scenario (replacing one of the same name, its counters restarted).
  void install_scenario(Scenario scenario);
  /// Removes an installed scenario; false when none has the name.
  bool remove_scenario(const std::string& name);
  /// Installed scenarios, in installation order.
  [[nodiscard]] std::vector<Scenario> scenarios() const;

  /// An API key's credit balance at the clock's now (refunds of jobs that failed by now included).
  [[nodiscard]] std::int64_t credits(const std::string& api_key) const;
  /// Every balance that was configured or has moved, by key.
  [[nodiscard]] std::map<std::string, std::int64_t> credit_balances() const;
  /// Replaces a key's balance; throws std::invalid_argument for a negative one.
  void set_credits(const std::string& api_key, std::int64_t balance);

  /// Journals an exchange something else answered (the validating proxy forwards to a real provider): `details`
  /// gives provider, operation, api_key, notes, upstream and drift; the request line, status and bodies (cut to
  /// journal_body_limit) and the time (the clock's now) are filled in here. Returns the entry's sequence.
  std::uint64_t record_exchange(const HttpRequest& request, const HttpResponse& response, JournalEntry details);

  /// Called after every exchange with the response about to be written (the test kit checks contracts here).
  void set_response_observer(ResponseObserver observer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nanosim
