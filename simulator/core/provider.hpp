#pragma once
// The seam between the provider-neutral core and one provider's wire format.
// A provider is one contract (contracts/providers/<id>.json) plus one adapter (simulator/providers/<id>.cpp)
// defining `std::unique_ptr<core::ProviderAdapter> nanosim::providers::make_<id>(core::ProviderContext&)`;
// the build generates the registry from the adapter files, so adding a provider touches no list elsewhere.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/http_message.hpp"
#include "nanosim/images.hpp"
#include "nanosim/simulator.hpp"

namespace nanosim::core {

using nlohmann::json;

/// Runs `wait` with the simulator's lock released, then takes the lock again. Adapters run under that lock; a
/// synchronous face that must wait for wall-clock time does it through this, so other requests go on meanwhile.
using UnlockedWait = std::function<void(const std::function<void()>& wait)>;

/// One request as an adapter sees it. The adapter fills `info` (operation, job) and may add journal notes.
struct ProviderCall {
  const HttpRequest& http;
  std::string path;      // relative to the provider's documented base: "/v1/queue/nano_banana_2"
  std::string base_url;  // absolute URL of the provider's base as the client reached it: "http://h:p/odirouter"
  std::string origin;    // "http://h:p"
  ExchangeInfo& info;
  std::vector<std::string>& notes;
  std::string api_key;  // set once authenticated
  /// The simulator's lock, held while the adapter runs; run_to_completion releases it while it waits on a real clock.
  std::unique_lock<std::mutex>* lock = nullptr;
};

/// A parsed JSON body, or the violation that stopped it (bad JSON, too deep, too large, not an object).
struct JsonBody {
  json value;
  std::optional<contracts::Violation> violation;
  std::string error_kind;  // catalog kind for the violation ("invalid_request" or "payload_too_large")
};

/// Services the core offers every adapter. Not thread-safe: used under the simulator's lock.
class ProviderContext {
 public:
  ProviderContext(Engine& engine, const contracts::Contract& contract, const Options& options,
                  images::Cache* image_cache = nullptr)
      : engine_(engine), contract_(contract), options_(options), image_cache_(image_cache) {}

  [[nodiscard]] Engine& engine() const { return engine_; }
  [[nodiscard]] const contracts::Contract& contract() const { return contract_; }
  [[nodiscard]] const Options& options() const { return options_; }
  /// The credit balances by API key, as of now. A provider that sells credits submits a priced job
  /// (JobSpec::unit_price, price_unit "credits") only when credits().covers() its price: the job's usage record
  /// spends it, and settles to 0 (a refund) if the job fails.
  [[nodiscard]] CreditLedger& credits() const { return engine_.credits(); }

  /// The API key of the request by the contract's auth schemes; nullopt when missing or not accepted.
  [[nodiscard]] std::optional<std::string> authenticate(const HttpRequest& request) const;
  /// True when the request carries a credential in one of the contract's schemes (accepted or not).
  [[nodiscard]] bool has_credential(const HttpRequest& request) const;
  /// True when the key may use the model (Options::models_per_key; a key not listed may use every model).
  [[nodiscard]] bool model_enabled(const std::string& api_key, std::string_view model_id) const;
  /// Authenticates a call by the contract's schemes and records the key on it (call.api_key, info.api_key);
  /// the catalog's auth error ("missing" or "invalid") when it fails.
  std::optional<HttpResponse> sign_in(ProviderCall& call);
  /// The catalog kind for a request that failed authenticate(): the contract's "missing" or "invalid".
  [[nodiscard]] std::string auth_error(const HttpRequest& request) const;
  /// Parses the body as a JSON object within the size and nesting limits.
  [[nodiscard]] JsonBody parse_json(const HttpRequest& request) const;

  /// A fresh seeded id for error bodies and request ids: prefix + token.
  std::string new_id(std::string_view purpose, std::string_view prefix, std::size_t length);
  /// Renders a catalog error; adds a "request_id" placeholder value when the caller gave none.
  HttpResponse error(std::string_view kind, std::map<std::string, std::string> vars = {});
  /// Renders the first violation as the catalog kind for invalid requests.
  HttpResponse invalid(const contracts::Violation& violation, std::string_view kind = "invalid_request");

  /// The model's run time, drawn (seeded per job sequence) from its contract timing for the size tier.
  [[nodiscard]] Millis draw_run_time(const json& model, std::string_view size_tier) const;
  /// How long the provider's queue takes to hand a job to a free worker (contract "timing.dispatch_ms").
  [[nodiscard]] Millis dispatch_delay(const json& model) const;
  /// For synchronous operations: waits until the job ends or `deadline` of simulated time passes, and returns its
  /// view then (not terminal = the deadline passed; whether the job goes on or is cancelled is the caller's);
  /// nullopt at the deadline when the job vanished (lost by a fault scenario, or forgotten by a reset).
  /// A manual clock is advanced through the job's pool events to its end, at once and for every job alike: the
  /// call takes simulated time, as the real call takes real time. A real clock is waited on with call.lock
  /// released, in naps of at most 100 ms of wall time, so other requests go on meanwhile.
  std::optional<JobView> run_to_completion(ProviderCall& call, const std::string& job_id, Millis deadline);
  /// The encoded bytes of a produced image (for providers that inline images), through the simulator's image
  /// cache, rendered with call.lock released.
  std::shared_ptr<const std::string> image_bytes(ProviderCall& call, const images::ImageSpec& spec);
  /// The fate of the next job (Options::fate_policy, or success).
  [[nodiscard]] JobFate fate_for(const JobSpec& spec) const;
  /// Output dimensions from the contracts' one table; nullopt when undocumented.
  [[nodiscard]] static std::optional<std::pair<int, int>> dimensions(std::string_view upstream,
                                                                     std::string_view aspect_ratio,
                                                                     std::string_view size_tier);

  /// Absolute URL of a produced file.
  [[nodiscard]] static std::string file_url(std::string_view origin, const OutputFile& file);
  /// Unix milliseconds of a simulated time.
  [[nodiscard]] std::int64_t unix_ms(Millis at) const { return options_.epoch_unix_ms + at.count(); }
  /// ISO 8601 UTC ("2026-01-01T00:00:05.250Z") of a simulated time.
  [[nodiscard]] std::string iso8601(Millis at) const;

 private:
  Engine& engine_;
  const contracts::Contract& contract_;
  const Options& options_;
  images::Cache* image_cache_;  // the simulator's; null: render each time
};

/// A JSON response with the given status.
HttpResponse json_response(int status, const json& body);

class ProviderAdapter {
 public:
  virtual ~ProviderAdapter() = default;
  /// Answers one request addressed to this provider. Never throws for client input.
  virtual HttpResponse handle(ProviderCall& call) = 0;
};

using AdapterFactory = std::unique_ptr<ProviderAdapter> (*)(ProviderContext&);

/// Every adapter compiled in: (provider id, factory), in id order. Generated by the build.
const std::vector<std::pair<std::string_view, AdapterFactory>>& adapter_factories();

}  // namespace nanosim::core
