#pragma once
// Errors as values: every client call returns a Result<T> that holds either a T or an Error.
// An Error keeps the kind, a sentence for humans, and the wire evidence (HTTP status, raw body).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace nanosim::client {

enum class ErrorKind {
  transport,             // no usable HTTP exchange: refused, reset, timed out, truncated or oversized body
  unauthorized,          // missing or wrong credentials (401)
  forbidden,             // credentials valid but not allowed (403)
  not_found,             // unknown model, route or job (404)
  invalid_request,       // the provider rejected the request (400/422); see Error::field and Error::rule
  rate_limited,          // 429; see Error::retry_after
  insufficient_credits,  // the account cannot pay (402, or the provider's own code)
  content_blocked,       // a safety system refused the prompt or the image
  generation_failed,     // the job ran and failed; see Error::provider_code (e.g. odirouter's error_type)
  cancelled,             // the job was cancelled
  timed_out,             // the client's own deadline passed (WaitOptions::deadline)
  not_ready,             // a result was asked for before the job finished
  server_error,          // 5xx
  protocol,              // a response the client cannot parse or that breaks the provider's contract
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::protocol;
  std::string message;        // one sentence, the provider's own words when it gave any
  int http_status = 0;        // 0 when no response was received (or the error arose in the client)
  std::string body;           // raw response body, verbatim
  std::string field;          // invalid_request: dotted path of the offending field ("image_urls[3]"), if known
  std::string rule;           // invalid_request: the rule that failed ("string_too_long", "enum"), if known
  std::string provider_code;  // the provider's own error code or error_type ("RATE_LIMIT_EXCEEDED")
  std::optional<std::chrono::milliseconds> retry_after;  // from retry-after-ms / Retry-After

  /// True for errors worth trying again unchanged: transport, rate_limited, server_error (except 501).
  [[nodiscard]] bool retryable() const;
};

/// "rate_limited (HTTP 429): Rate limit exceeded, please try again later [retry after 2000 ms]".
std::string to_string(const Error& error);

/// Either a value or an Error; testable as a bool, like httplib::Result.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT(implicit)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}    // NOLINT(implicit)

  explicit operator bool() const noexcept { return state_.index() == 0; }
  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }

  /// The value; throws std::bad_variant_access when this holds an error.
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
  /// The error; throws std::bad_variant_access when this holds a value.
  [[nodiscard]] const Error& error() const& { return std::get<1>(state_); }
  [[nodiscard]] Error&& error() && { return std::get<1>(std::move(state_)); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace nanosim::client
