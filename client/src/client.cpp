// Client: single requests (submit, status, result, cancel). Polling lives in wait.cpp.
#include "nanosim/client/client.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "provider_protocol.hpp"
#include "wire.hpp"

namespace nanosim::client {

namespace {

Error client_side_error(ErrorKind kind, std::string message) {
  Error error;
  error.kind = kind;
  error.message = std::move(message);
  return error;
}

}  // namespace

Client::Client(std::unique_ptr<Transport> transport, std::string provider_id, ClientOptions options)
    : transport_(std::move(transport)), provider_id_(std::move(provider_id)), options_(std::move(options)) {
  if (!transport_) throw std::invalid_argument("nanosim::client::Client needs a transport");
  protocol_ = detail::make_protocol(provider_id_);
  if (!protocol_) throw std::invalid_argument("nanosim::client::Client: no provider part \"" + provider_id_ + "\"");
  if (!options_.clock) options_.clock = std::make_shared<SteadyClientClock>();
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

std::vector<std::string> Client::providers() {
  std::vector<std::string> ids;
  for (const auto& entry : detail::protocol_table()) ids.emplace_back(entry.id);
  return ids;
}

bool Client::synchronous() const { return protocol_->traits().synchronous; }
bool Client::cancellable() const { return protocol_->traits().cancellable; }

ClientClock& Client::clock() const { return *options_.clock; }

Result<HttpResponse> Client::exchange(HttpRequest request) {
  protocol_->authorize(request, options_.api_key);
  if (!options_.user_agent.empty() && !request.header("User-Agent")) {
    request.headers.emplace("User-Agent", options_.user_agent);
  }
  return transport_->send(request);
}

HttpRequest Client::with_followed_url(HttpRequest request, const std::string& returned_url) const {
  if (returned_url.empty()) return request;
  const auto target = path_within_base(returned_url, transport_->base_url());
  if (!target) return request;  // points elsewhere (e.g. the provider's public host): keep the documented path
  const auto question = target->find('?');
  request.path = percent_decode(std::string_view(*target).substr(0, question));
  if (question != std::string::npos) {
    QueryParams from_url = parse_query_string(std::string_view(*target).substr(question + 1));
    for (const auto& [name, value] : request.query) {
      if (from_url.find(name) == from_url.end()) from_url.emplace(name, value);
    }
    request.query = std::move(from_url);
  }
  return request;
}

template <class T>
Result<T> Client::with_retry_after(Result<T> parsed, const HttpResponse& response) const {
  if (parsed || parsed.error().http_status == 0 || parsed.error().retry_after) return parsed;
  Error error = std::move(parsed).error();
  error.retry_after = detail::retry_after(response, clock().wall_now());
  return error;
}

Result<Submission> Client::submit(const GenerateRequest& request) { return submit(request, std::nullopt); }

Result<Submission> Client::submit(const GenerateRequest& request, std::chrono::milliseconds wait_at_most) {
  return submit(request, std::optional<std::chrono::milliseconds>(wait_at_most));
}

Result<Submission> Client::submit(const GenerateRequest& request, std::optional<std::chrono::milliseconds> wait_at_most) {
  auto wire = protocol_->submit_request(request);
  if (!wire) return wire.error();
  if (wait_at_most) {  // whole seconds, with milliseconds as a decimal fraction where there are any: "29.5"
    const std::int64_t ms = std::max<std::int64_t>(wait_at_most->count(), 1);
    std::string seconds = std::to_string(ms / 1000);
    if (ms % 1000 != 0) {
      std::string fraction = std::to_string(1000 + ms % 1000).substr(1);  // "007"
      while (fraction.back() == '0') fraction.pop_back();
      seconds += "." + fraction;
    }
    wire->headers.emplace("X-Server-Timeout", std::move(seconds));
  }
  auto response = exchange(std::move(wire).value());
  if (!response) return response.error();
  return with_retry_after(protocol_->parse_submit(*response, request), *response);
}

Result<JobStatus> Client::status(const Submission& job) {
  if (job.completed_result) {
    JobStatus done;
    done.state = JobState::succeeded;
    return done;
  }
  auto response = exchange(with_followed_url(protocol_->status_request(job), job.status_url));
  if (!response) return response.error();
  return with_retry_after(protocol_->parse_status(*response), *response);
}

Result<GenerationResult> Client::result(const Submission& job) {
  if (job.completed_result) return *job.completed_result;
  auto response = exchange(with_followed_url(protocol_->result_request(job), job.result_url));
  if (!response) return response.error();
  auto polled = with_retry_after(protocol_->parse_result(*response, job), *response);
  if (!polled) {
    if (!protocol_->result_error_hides_outcome(polled.error())) return polled.error();
    // The status of an ended job says how it ended (cancelled, or failed and why); the error keeps the status
    // and body the result request was answered with. A status that shows no ended job changes nothing.
    auto ended = status(job);
    if (!ended || !is_terminal(ended->state) || !ended->error) return polled.error();
    Error error = *ended->error;
    error.http_status = polled.error().http_status;
    error.body = polled.error().body;
    return error;
  }
  if (auto* result = std::get_if<GenerationResult>(&polled.value())) {
    for (ImageOutput& image : result->images) detail::infer_content_type(image);
    return std::move(*result);
  }
  const auto& pending = std::get<JobStatus>(polled.value());
  if (pending.error) return *pending.error;
  Error not_ready = detail::error_with_response(
      ErrorKind::not_ready, "job " + job.job_id + " is " + std::string(to_string(pending.state)) + ", not finished",
      *response);
  return not_ready;
}

Result<CancelOutcome> Client::cancel(const Submission& job) {
  if (job.completed_result) return CancelOutcome::already_completed;
  if (!protocol_->traits().cancellable) {
    return client_side_error(ErrorKind::invalid_request, provider_id_ + " has no cancel operation");
  }
  auto response = exchange(with_followed_url(protocol_->cancel_request(job), job.cancel_url));
  if (!response) return response.error();
  return with_retry_after(protocol_->parse_cancel(*response), *response);
}

}  // namespace nanosim::client
