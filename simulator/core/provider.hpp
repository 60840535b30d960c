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
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/adaptive_mutex.hpp"

#include "jobs/engine.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/http_message.hpp"
#include "nanosim/images.hpp"
#include "nanosim/json_limits.hpp"
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
  /// The simulator's lock, held while the adapter runs; run_synchronously and image_bytes release it while they wait.
  std::unique_lock<AdaptiveMutex>* lock = nullptr;
  /// The request's route when the simulator already matched it (for scenario triggers): routing happens once.
  std::optional<contracts::RouteMatch> route;
};

/// A reference image as a request names it: where it sits in the body and what was sent there.
struct ImageReference {
  std::string field;  // "image_urls[1]", "image", "contents[0].parts[2].fileData.fileUri"
  std::string value;  // a URL, a data URI or base64, as sent
};

/// How long the client says it will wait for a synchronous answer before it hangs up.
struct ClientTimeout {
  std::string header;  // the header that said so
  Millis after;
};
/// The client's own timeout from its request headers: X-Server-Timeout (Google APIs; @google/genai) or
/// X-Stainless-Timeout (the openai SDKs), in seconds. nullopt when absent or unreadable.
std::optional<ClientTimeout> client_timeout_of(const HttpRequest& request);

/// How a synchronous call ended: the job as it ended (terminal), or the answer the provider gives when the job did
/// not end within the operation's limit (its timeout error).
using SyncOutcome = std::variant<JobView, HttpResponse>;

/// The JSON gate's limits (nanosim/json_limits.hpp) from the simulator's options: every JSON text a request carries
/// (provider and admin bodies, scenario documents) is refused past Options::max_body_bytes / max_json_depth.
inline JsonLimits json_limits(const Options& options) { return {options.max_body_bytes, options.max_json_depth}; }

/// A parsed JSON body, or the violation that stopped it (bad JSON, too deep, too large, not an object).
struct JsonBody {
  json value;
  std::optional<contracts::Violation> violation;
  std::string error_kind;  // catalog kind for the violation ("invalid_request" or "payload_too_large")
};

/// One of the contract's auth schemes ("auth.schemes[]"), read once when the provider is set up.
struct AuthScheme {
  bool in_query = false;
  std::string name;    // the header or query parameter
  std::string prefix;  // "Bearer ", "Key ", or empty
  std::optional<std::vector<std::string>> operations;  // the operations it serves; none: every one
};

/// Services the core offers every adapter. Not thread-safe: used under the simulator's lock. What it reads of the
/// contract on every request (auth schemes, id format) is looked up once, when it is made.
class ProviderContext {
 public:
  ProviderContext(Engine& engine, const contracts::Contract& contract, const Options& options,
                  images::Cache* image_cache = nullptr);

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

  /// Checks a body against the operation's schema (and the model's) under the contract's unknown-field policy
  /// ("unknown_fields" of the operation, else of the contract): "refuse" reports an undocumented field like any
  /// other violation; "ignore" removes it from `body` and notes it in the journal, as the provider drops it.
  /// Options::strict_fields refuses them everywhere.
  std::vector<contracts::Violation> validate_request(const ProviderCall& call, const contracts::Operation& op, json& body,
                                                    std::string_view model_id = {}) const;
  /// The policy for undocumented fields of an operation: "refuse" or "ignore" (see validate_request).
  [[nodiscard]] std::string unknown_fields_policy(const contracts::Operation& op) const;
  /// A fresh seeded id for error bodies and request ids: prefix + token.
  std::string new_id(std::string_view purpose, std::string_view prefix, std::size_t length);
  /// Gives the call its request id before anything answers it, in the contract's "request_id" format: the id
  /// new-api gateways put in X-Oneapi-Request-Id and quote in errors, fal's x-fal-request-id (the request's own
  /// id), a prefixed token. `job_id` is the job the request names, if any. Error bodies quote it ({request_id}).
  void begin_request(ProviderCall& call, std::string_view job_id);
  /// Sends the call's request id in the contract's request_id.headers (a "job" id: the job the call created, once
  /// known) and records it on the call.
  void finish_request(ProviderCall& call, HttpResponse& response);
  /// The id of the call being answered (begin_request).
  [[nodiscard]] const std::string& request_id() const { return request_id_; }
  /// Renders a catalog error; its "request_id" is the call's request id when the caller gave none.
  HttpResponse error(std::string_view kind, std::map<std::string, std::string> vars = {});
  /// Renders the first violation as the catalog kind for invalid requests.
  HttpResponse invalid(const contracts::Violation& violation, std::string_view kind = "invalid_request");

  /// Creates the job of a checked request in the provider's queue: its fate (Options::fate_policy), a run time drawn
  /// from the model's timing, the model's dispatch delay and the contract's job id format ("ids.job"). Records the
  /// job on the call. The reference is valid until the engine next changes.
  const JobView& submit(ProviderCall& call, JobSpec spec, const json& model);
  /// The one synchronous mechanism (OpenAI Images, Gemini generateContent): submits the job like any task (same
  /// queue, journal and usage) and answers when it ends, as the provider does. Past the operation's
  /// synchronous.timeout_ms of simulated time since submission it gives up: the catalog's synchronous.timeout_error
  /// (else the failure kind generation_timeout's error), and the job is cancelled or left running as
  /// synchronous.on_timeout says. A job that vanishes meanwhile (lost by a scenario, forgotten by a reset) never
  /// ends: the call waits out its limit, as a real one would.
  /// A client that says when it will hang up (client_timeout_of) before that limit is answered at that moment with
  /// a dropped connection (journal status 499, fault "client_timeout"); the job meets the same on_timeout policy.
  /// Time: a manual clock is advanced through the job's pool events (the jobs ahead of it, then its own run) to
  /// its end, or to the limit, at once and for every job alike: the call takes simulated time, as the real call
  /// takes real time, so the answer, the job's state, its files and the clock agree. It never sleeps. A real
  /// clock is waited on with call.lock released, in naps of at most 100 ms of wall time, so other requests go on.
  SyncOutcome run_synchronously(ProviderCall& call, const contracts::Operation& op, JobSpec spec, const json& model);
  /// The catalog kind a synchronous operation answers for a job that failed with `failure_kind`: the contract's
  /// failure_kinds entry's error_by_operation for the operation, else its error.
  [[nodiscard]] std::string failure_error(const contracts::Operation& op, std::string_view failure_kind) const;
  /// Checks the reference images that point at the simulator's own files: a URL whose path ends in
  /// /__nanosim/files/<name>, on any host (the simulator cannot know every name it is reached by, its own
  /// base URL included). Such a file is resolved locally, never fetched: its bytes, through the image cache, must be
  /// an image; a file that is unknown or has expired is refused with the catalog's `kind` (variables message, field
  /// and rule) naming the field. An inline image (a data: URI, or raw base64 where the schema lets it through) is
  /// decoded as a real image (images::check_inline_image, as Gemini's inlineData): base64 that does not decode, or
  /// bytes that are no PNG, JPEG or WebP, are refused with `undecodable_kind` (default: `kind`), rule "image",
  /// naming the field and its index. Every other reference is the schema's business (form only): the simulator makes
  /// no outbound request, ever. The journal notes each file resolved. Changes no state: call it before any charge.
  std::optional<HttpResponse> check_references(ProviderCall& call, const std::vector<ImageReference>& references,
                                               std::string_view kind = "invalid_request",
                                               std::string_view undecodable_kind = {});
  /// The encoded bytes of a produced image (for providers that inline images), through the simulator's image
  /// cache, rendered with call.lock released.
  std::shared_ptr<const std::string> image_bytes(ProviderCall& call, const images::ImageSpec& spec);
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
  /// The model's run time, drawn (seeded per job sequence) from its contract timing for the size tier.
  [[nodiscard]] Millis draw_run_time(const json& model, std::string_view size_tier) const;
  /// How long the provider's queue takes to hand a job to a free worker (contract "timing.dispatch_ms").
  [[nodiscard]] Millis dispatch_delay(const json& model) const;
  /// The fate of the next job (Options::fate_policy, or success).
  [[nodiscard]] JobFate fate_for(const JobSpec& spec) const;
  /// check_references for one inline image: nullopt when it is not inline or decodes to an image.
  std::optional<HttpResponse> check_inline_reference(ProviderCall& call, const ImageReference& reference,
                                                     std::string_view kind);
  /// Waits (as run_synchronously says) until the job ends or `deadline_at`; its view then, nullopt when it vanished.
  std::optional<JobView> wait_for(ProviderCall& call, const std::string& job_id, Millis deadline_at);
  static HttpResponse shut_down(ProviderCall& call);

  Engine& engine_;
  const contracts::Contract& contract_;
  const Options& options_;
  images::Cache* image_cache_;  // the simulator's; null: render each time
  std::string request_id_;      // the call being answered (set again after every wait without the lock)
  std::vector<AuthScheme> auth_schemes_;
  std::string auth_missing_, auth_invalid_;  // the catalog kinds for a missing / refused credential
  std::string job_id_prefix_;
  std::size_t job_id_length_;
  /// The contract's "request_id" entry, read once: how a call's request id is made, and the headers that carry it.
  struct RequestIdFormat {
    enum class Kind { token, job, new_api } kind = Kind::token;
    std::string prefix;      // a new token's ("job": the job id's, for a call about no job)
    std::size_t length = 0;
    std::vector<std::string> headers;
  };
  static RequestIdFormat request_id_format_of(const contracts::Contract& contract);
  RequestIdFormat request_ids_;
};

/// Where the simulator serves produced files: <origin>/__nanosim/files/<token>.<extension>.
inline constexpr std::string_view files_path = "/__nanosim/files/";
/// The file name ("<token>.<extension>") of a URL that points at the simulator's own files: an http(s) URL whose
/// path ends in /__nanosim/files/<name>, whatever the host (and whatever prefix a proxy adds); nullopt otherwise.
std::optional<std::string> own_file_name(std::string_view url);
/// The token of a file name: what comes before the extension.
std::string file_token(std::string_view name);


/// A JSON response with the given status.
HttpResponse json_response(int status, const json& body);
/// A JSON answer whose body the caller writes (JsonObjectText): the Content-Type set, room for the body reserved.
HttpResponse json_response(int status);

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
