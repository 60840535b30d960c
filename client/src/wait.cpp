// Client::wait and Client::generate: polling with backoff, Retry-After and one overall deadline.
// Every pause goes through ClientClock::sleep_for, so tests run these loops in simulated time.
#include <algorithm>

#include "nanosim/client/client.hpp"

namespace nanosim::client {

namespace {

using std::chrono::milliseconds;

/// The pauses between attempts: a delay growing by backoff_factor up to max_interval, never shorter than a
/// Retry-After the server asked for, never past the deadline.
class Pacer {
 public:
  Pacer(ClientClock& clock, const WaitOptions& options)
      : clock_(clock), options_(options), deadline_at_(clock.now() + options.deadline) {
    reset_backoff();
  }

  /// Time left before the deadline (zero once it has passed).
  [[nodiscard]] milliseconds remaining() const { return std::max(deadline_at_ - clock_.now(), milliseconds{0}); }

  void reset_backoff() { next_delay_ = std::min(options_.poll_interval, options_.max_interval); }

  /// Sleeps before the next attempt. False when the deadline leaves no room for one: it has passed,
  /// or the server asked us to stay away until after it.
  bool pause(std::optional<milliseconds> retry_after) {
    milliseconds delay = next_delay_;
    const auto grown = std::chrono::duration<double, std::milli>(next_delay_) * options_.backoff_factor;
    next_delay_ = std::min(options_.max_interval, std::chrono::duration_cast<milliseconds>(grown));
    const bool floor_applies = options_.honour_retry_after && retry_after.has_value();
    if (floor_applies) delay = std::max(delay, *retry_after);
    const milliseconds now = clock_.now();
    if (now >= deadline_at_) return false;
    if (floor_applies && now + *retry_after > deadline_at_) return false;
    clock_.sleep_for(std::min(delay, deadline_at_ - now));  // the last poll happens at the deadline
    return true;
  }

 private:
  ClientClock& clock_;
  const WaitOptions& options_;
  milliseconds deadline_at_;
  milliseconds next_delay_{0};
};

Error timed_out(const Submission* job, const WaitOptions& options, const std::optional<Error>& last_error) {
  Error error;
  error.kind = ErrorKind::timed_out;
  error.message = (job != nullptr ? "job " + job->job_id : std::string("the request")) + " did not finish within " +
                  std::to_string(options.deadline.count()) + " ms";
  if (last_error) error.message += "; last error: " + to_string(*last_error);
  return error;
}

Error job_error(const Submission& job, const JobStatus& status) {
  if (status.error) return *status.error;
  Error error;
  error.kind = status.state == JobState::cancelled ? ErrorKind::cancelled : ErrorKind::generation_failed;
  error.message = "job " + job.job_id + " " + std::string(to_string(status.state));
  return error;
}

/// Repeats call() while it fails with an error should_retry accepts, pausing between attempts.
template <class T, class Call, class ShouldRetry>
Result<T> retrying(Pacer& pacer, const WaitOptions& options, const Submission* job, Call call,
                   ShouldRetry should_retry) {
  pacer.reset_backoff();
  for (;;) {
    Result<T> attempt = call();
    if (attempt || !should_retry(attempt.error())) return attempt;
    if (!pacer.pause(attempt.error().retry_after)) return timed_out(job, options, attempt.error());
  }
}

}  // namespace

namespace {

/// Polls until the job ends or the pacer's deadline passes; on the deadline, cancels if asked to.
Result<JobStatus> poll_until_done(Client& client, const Submission& job, Pacer& pacer, const WaitOptions& options) {
  pacer.reset_backoff();
  std::optional<Error> last_error;
  for (;;) {
    auto polled = client.status(job);
    std::optional<milliseconds> retry_after;
    if (polled) {
      if (polled->state == JobState::succeeded) return polled;
      if (is_terminal(polled->state)) return job_error(job, *polled);
    } else {
      if (!polled.error().retryable()) return polled.error();
      retry_after = polled.error().retry_after;
      last_error = polled.error();
    }
    if (!pacer.pause(retry_after)) break;
  }
  Error error = timed_out(&job, options, last_error);
  if (options.cancel_on_deadline && client.cancellable()) {
    const auto cancelled = client.cancel(job);
    error.message += cancelled ? "; cancel " + std::string(to_string(*cancelled))
                               : "; cancel failed: " + to_string(cancelled.error());
  }
  return error;
}

}  // namespace

Result<JobStatus> Client::wait(const Submission& job, const WaitOptions& options) {
  Pacer pacer(clock(), options);
  return poll_until_done(*this, job, pacer, options);
}

Result<GenerationResult> Client::generate(const GenerateRequest& request, const WaitOptions& options) {
  Pacer pacer(clock(), options);
  // A rejected submit (429, 503) created no job, so trying again cannot pay twice.
  // A synchronous provider answers the generation itself: the call says how long the client will wait for it, so a
  // server that honours it (Google's X-Server-Timeout) ends the call at the deadline instead of at its own limit.
  auto submitted = retrying<Submission>(
      pacer, options, nullptr,
      [&] { return synchronous() ? submit(request, pacer.remaining()) : submit(request); },
      [](const Error& e) { return e.kind == ErrorKind::rate_limited || e.http_status == 503; });
  if (!submitted) {
    // The connection dropped once the deadline had passed: the deadline, not the network, ended the call.
    if (submitted.error().kind == ErrorKind::transport && pacer.remaining() == milliseconds{0}) {
      return timed_out(nullptr, options, submitted.error());
    }
    return submitted.error();
  }
  const Submission& job = *submitted;
  if (job.completed_result) return *job.completed_result;

  auto finished = poll_until_done(*this, job, pacer, options);
  if (!finished) return finished.error();

  // The status said succeeded; a result endpoint that lags behind (not_ready) or fails transiently is retried.
  return retrying<GenerationResult>(
      pacer, options, &job, [&] { return result(job); },
      [](const Error& e) { return e.retryable() || e.kind == ErrorKind::not_ready; });
}

}  // namespace nanosim::client
