#pragma once
// Internal state of nanosim::Simulator, shared by simulator.cpp (routing), admin/ (the admin API, journal, verify,
// drift) and scenarios/ (dispatch and the scenario API).

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "jobs/engine.hpp"
#include "scenarios/faults.hpp"
#include "nanosim/images.hpp"
#include "nanosim/simulator.hpp"
#include "provider.hpp"

namespace nanosim {

struct Simulator::Impl {
  explicit Impl(Options options);

  Options options;
  std::shared_ptr<Clock> clock;
  Journal journal;
  images::Cache image_cache;

  mutable AdaptiveMutex mutex;  // guards engine, contexts, adapters, observer
  core::Engine engine;
  std::map<std::string, std::unique_ptr<core::ProviderContext>, std::less<>> contexts;
  std::map<std::string, std::unique_ptr<core::ProviderAdapter>, std::less<>> adapters;
  ResponseObserver observer;
  std::atomic<bool> has_observer{false};  // read without the lock: most simulators have none
  core::FaultEngine faults{options.seed};  // scenarios (guarded by mutex)

  /// Routes and answers; fills info and notes. Called without the lock held.
  HttpResponse dispatch(const HttpRequest& request, ExchangeInfo& info, std::vector<std::string>& notes);
  HttpResponse serve_file(const HttpRequest& request, std::string_view name, ExchangeInfo& info,
                          std::vector<std::string>& notes);
  HttpResponse admin(const HttpRequest& request, std::string_view path, ExchangeInfo& info);
  // Paged, filtered listings (admin/routes.cpp): the lock is held while one page is gathered, the JSON built after.
  HttpResponse journal_listing(const HttpRequest& request) const;
  HttpResponse jobs_listing(const HttpRequest& request);
  HttpResponse usage_listing(const HttpRequest& request);
  /// The provider's own 500 body (or the simulator's) for a request that hit a bug.
  HttpResponse internal_error(const ExchangeInfo& info);
  /// The answer to a request the HTTP skin found broken (HttpRequest::framing): the provider's own error.
  HttpResponse framing_error(const FramingViolation& violation, const std::string& provider_id);
  void reset();

  // Scenarios (scenarios/dispatch.cpp, scenarios/admin.cpp).
  /// Runs the provider's adapter for a routed request, with the fault engine around it. Takes the lock.
  HttpResponse handle_provider(const std::string& provider_id, core::ProviderCall& call);
  /// The fault engine's verdict on a file download (under the lock).
  void file_faults(const core::Engine::FileLookup& lookup, const HttpRequest& request, ExchangeInfo& info,
                   std::vector<std::string>& notes, core::FaultDecision& decision);
  /// Scenario fields of a journal entry (latency, Retry-After, job state, fault).
  void describe_exchange(const HttpResponse& response, const ExchangeInfo& info, JournalEntry& entry);
  /// Scenario latency on a manual clock: moves the clock before the request is handled (never sleeps).
  void consume_latency(const core::FaultDecision& decision);
  /// Installs Options::scenarios and composes the fate policy with the fault engine's.
  void install_configured_scenarios();
  /// /__nanosim/scenarios and /__nanosim/verify; nullopt when the path is neither.
  std::optional<HttpResponse> scenario_admin(const HttpRequest& request, std::string_view path);
};

/// "http://host:port" from the Host header, or the configured origin for in-process calls.
std::string request_origin(const HttpRequest& request, const Options& options);
/// A plain JSON error of the simulator itself (admin API, unknown provider): {"error":{"code","message"}}.
HttpResponse simulator_error(int status, std::string_view code, std::string_view message);
/// GET /__nanosim/drift[?provider=ID]: the proxied exchanges whose answers broke the contract (admin/drift.cpp).
HttpResponse drift_report(const std::vector<JournalEntry>& entries, const HttpRequest& request);
/// Job as admin JSON.
nlohmann::json job_to_json(const JobView& job, bool reveal_keys);
/// An API key as admin answers show it: masked (mask_key, nanosim/journal.hpp) unless Options::reveal_keys.
std::string shown_key(std::string_view key, bool reveal);

}  // namespace nanosim
