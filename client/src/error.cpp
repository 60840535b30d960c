#include "nanosim/client/error.hpp"

#include "nanosim/client/types.hpp"

namespace nanosim::client {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::transport: return "transport";
    case ErrorKind::unauthorized: return "unauthorized";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::invalid_request: return "invalid_request";
    case ErrorKind::rate_limited: return "rate_limited";
    case ErrorKind::insufficient_credits: return "insufficient_credits";
    case ErrorKind::content_blocked: return "content_blocked";
    case ErrorKind::generation_failed: return "generation_failed";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::timed_out: return "timed_out";
    case ErrorKind::not_ready: return "not_ready";
    case ErrorKind::server_error: return "server_error";
    case ErrorKind::protocol: return "protocol";
  }
  return "unknown";
}

bool Error::retryable() const {
  switch (kind) {
    case ErrorKind::transport:
    case ErrorKind::rate_limited: return true;
    case ErrorKind::server_error: return http_status != 501;  // 501: will never be implemented
    default: return false;
  }
}

std::string to_string(const Error& error) {
  std::string text(to_string(error.kind));
  if (error.http_status != 0) text += " (HTTP " + std::to_string(error.http_status) + ")";
  text += ": " + error.message;
  if (!error.field.empty()) {
    text += " [field " + error.field;
    if (!error.rule.empty()) text += ", rule " + error.rule;
    text += "]";
  }
  if (!error.provider_code.empty()) text += " [" + error.provider_code + "]";
  if (error.retry_after) text += " [retry after " + std::to_string(error.retry_after->count()) + " ms]";
  return text;
}

std::string_view to_string(CancelOutcome outcome) {
  switch (outcome) {
    case CancelOutcome::requested: return "requested";
    case CancelOutcome::already_completed: return "already_completed";
    case CancelOutcome::not_found: return "not_found";
  }
  return "unknown";
}

std::string normalize_size_tier(std::string_view tier) {
  if (tier == "0.5K" || tier == "0.5k") return "512";
  return std::string(tier);
}

}  // namespace nanosim::client
