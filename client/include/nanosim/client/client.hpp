#pragma once
// nanosim::client::Client: one interface over every provider. A provider-neutral request in,
// a provider-neutral result or a typed Error out.
//
//   Client client(std::make_unique<HttpTransport>("http://127.0.0.1:8080/odirouter"), "odirouter",
//                 ClientOptions().with_api_key("sk-test"));
//   auto result = client.generate(GenerateRequest().with_model("nano_banana_2").with_prompt("A red apple"),
//                                 WaitOptions().with_deadline(std::chrono::minutes(2)));
//   if (!result) std::cerr << to_string(result.error()) << '\n';

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nanosim/client/clock.hpp"
#include "nanosim/client/error.hpp"
#include "nanosim/client/transport.hpp"
#include "nanosim/client/types.hpp"

namespace nanosim::client {

namespace detail {
class ProviderProtocol;
}

struct ClientOptions {
  std::string api_key;                 // sent in the provider's scheme (odirouter: "Authorization: Bearer <key>")
  std::shared_ptr<ClientClock> clock;  // null: SteadyClientClock
  std::string user_agent = "nanosim-client/0.1";

  ClientOptions& with_api_key(std::string key) { api_key = std::move(key); return *this; }
  ClientOptions& with_clock(std::shared_ptr<ClientClock> c) { clock = std::move(c); return *this; }
  ClientOptions& with_user_agent(std::string agent) { user_agent = std::move(agent); return *this; }
};

/// How wait() and generate() poll. Every retry and sleep stays inside the deadline.
struct WaitOptions {
  std::chrono::milliseconds poll_interval{500};  // first delay between status polls
  double backoff_factor = 1.5;                   // each delay is the previous one times this...
  std::chrono::milliseconds max_interval{5'000};  // ...capped here
  std::chrono::milliseconds deadline{300'000};    // overall limit, counted from the start of the call
  bool cancel_on_deadline = true;                 // on timed_out, ask the provider to cancel the job
  bool honour_retry_after = true;                 // never come back sooner than Retry-After says

  WaitOptions& with_poll_interval(std::chrono::milliseconds v) { poll_interval = v; return *this; }
  WaitOptions& with_backoff(double factor, std::chrono::milliseconds cap) {
    backoff_factor = factor;
    max_interval = cap;
    return *this;
  }
  WaitOptions& with_deadline(std::chrono::milliseconds v) { deadline = v; return *this; }
  WaitOptions& with_cancel_on_deadline(bool v) { cancel_on_deadline = v; return *this; }
  WaitOptions& with_honour_retry_after(bool v) { honour_retry_after = v; return *this; }
};

/// Not thread-safe for concurrent calls on one Client; use one Client per thread (they may share nothing).
class Client {
 public:
  /// Throws std::invalid_argument when no provider part is registered under provider_id
  /// (see providers()) or transport is null: both are programming errors, not wire failures.
  Client(std::unique_ptr<Transport> transport, std::string provider_id, ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  /// Ids of the provider parts linked into this library, sorted ("odirouter", ...).
  static std::vector<std::string> providers();

  [[nodiscard]] const std::string& provider_id() const { return provider_id_; }
  /// True when the provider answers the generation in the submit response itself (no polling).
  [[nodiscard]] bool synchronous() const;
  /// True when the provider documents a cancel operation.
  [[nodiscard]] bool cancellable() const;

  /// One submit request; no retries (a retried submit could pay twice).
  Result<Submission> submit(const GenerateRequest& request);
  /// The same, telling the server how long the client waits for the answer (X-Server-Timeout, in seconds):
  /// for synchronous providers, whose submit answer is the generation itself.
  Result<Submission> submit(const GenerateRequest& request, std::chrono::milliseconds wait_at_most);
  /// One status request. A failed or cancelled job is a JobStatus (with .error), not an Error.
  Result<JobStatus> status(const Submission& job);
  /// One result request; ErrorKind::not_ready while the job runs, the job's own error once it failed or was
  /// cancelled (ErrorKind::cancelled). Where the provider's result answer does not say how the job ended
  /// (odirouter), one status request more finds out.
  Result<GenerationResult> result(const Submission& job);
  /// One cancel request.
  Result<CancelOutcome> cancel(const Submission& job);

  /// Polls status until the job ends or the deadline passes. Succeeded: the final JobStatus.
  /// Failed/cancelled: the job's error. Deadline: timed_out (after a cancel, if asked for).
  /// Retryable errors (transport, 429, 5xx) are retried with backoff until the deadline.
  Result<JobStatus> wait(const Submission& job, const WaitOptions& options = {});
  /// submit + wait + result, all within options.deadline. Submit is retried on rate_limited and 503 only.
  Result<GenerationResult> generate(const GenerateRequest& request, const WaitOptions& options = {});

 private:
  Result<Submission> submit(const GenerateRequest& request, std::optional<std::chrono::milliseconds> wait_at_most);
  Result<HttpResponse> exchange(HttpRequest request);
  /// Points the request at a URL the provider returned, when it lies under the transport's base.
  HttpRequest with_followed_url(HttpRequest request, const std::string& returned_url) const;
  template <class T>
  Result<T> with_retry_after(Result<T> parsed, const HttpResponse& response) const;
  ClientClock& clock() const;

  std::unique_ptr<Transport> transport_;
  std::string provider_id_;
  ClientOptions options_;
  std::unique_ptr<detail::ProviderProtocol> protocol_;
};

}  // namespace nanosim::client
