#include "odirouter_queue_model.hpp"

#include <algorithm>

#include <rapidcheck.h>

#include "odirouter_support.hpp"

namespace nanosim::property {

JobFate ScriptedFate::to_fate() const {
  JobFate fate;
  fate.succeeds = succeeds;
  fate.failure_kind = failure_kind;
  fate.failure_message = failure_message;
  fate.fail_at_fraction = fail_at_quarters / 4.0;
  if (run_time) fate.run_time_override = *run_time;
  return fate;
}

Millis ModelJob::ends_at() const {
  const std::int64_t run = fate.run_time.value_or(Millis{0}).count();
  return *started_at + Millis{fate.succeeds ? run : run * fate.fail_at_quarters / 4};
}

void QueueModel::submit(ModelJob job) {
  job.submitted_at = now;
  jobs.push_back(std::move(job));
  advance_to(now);
}

bool QueueModel::cancel(std::size_t index) {
  ModelJob& job = jobs.at(index);
  if (is_terminal(job.state)) return false;
  job.state = JobState::cancelled;
  job.finished_at = now;
  advance_to(now);
  return true;
}

void QueueModel::advance_to(Millis until) {
  while (scripted) {
    // The next event: a running job ending, or (with a worker free) the first queued job becoming ready.
    std::optional<Millis> next;
    int running = 0;
    for (const ModelJob& job : jobs) {
      if (job.state != JobState::running) continue;
      ++running;
      next = std::min(next.value_or(job.ends_at()), job.ends_at());
    }
    const auto first_queued = std::find_if(jobs.begin(), jobs.end(), [](const ModelJob& j) { return j.state == JobState::queued; });
    if (running < workers && first_queued != jobs.end()) {
      const Millis ready = first_queued->submitted_at + dispatch;
      next = std::min(next.value_or(ready), ready);
    }
    if (!next || *next > until) break;
    now = std::max(now, *next);
    for (ModelJob& job : jobs) {
      if (job.state != JobState::running || job.ends_at() > now) continue;
      job.state = job.fate.succeeds ? JobState::succeeded : JobState::failed;
      job.finished_at = job.ends_at();
      --running;
    }
    for (ModelJob& job : jobs) {  // FIFO: the earliest submitted ready jobs take the free workers
      if (running >= workers) break;
      if (job.state != JobState::queued) continue;
      if (job.submitted_at + dispatch > now) break;
      job.state = JobState::running;
      job.started_at = now;
      ++running;
    }
  }
  now = std::max(now, until);
}

std::int64_t QueueModel::queue_position(std::size_t index) const {
  return std::count_if(jobs.begin(), jobs.begin() + static_cast<std::ptrdiff_t>(index),
                       [](const ModelJob& j) { return j.state == JobState::queued; });
}

nlohmann::json failure_wire(const std::string& failure_kind) {
  return contract().failure_kind(failure_kind).at("wire");
}

std::string failure_result_error(const std::string& failure_kind) {
  return contract().failure_kind(failure_kind).at("error").get<std::string>();
}

ExpectedStatus QueueModel::expected_status(std::size_t index) const {
  const ModelJob& job = jobs.at(index);
  ExpectedStatus out;
  out.state = job.state;
  if (job.state == JobState::queued) out.queue_position = queue_position(index);
  if (job.state == JobState::failed || job.state == JobState::cancelled) {
    const nlohmann::json wire =
        failure_wire(job.state == JobState::cancelled ? std::string(failure::cancelled) : job.fate.failure_kind);
    out.error_type = wire.at("error_type").get<std::string>();
    out.error = job.state == JobState::failed && !job.fate.failure_message.empty() ? job.fate.failure_message
                                                                                    : wire.at("error").get<std::string>();
  }
  return out;
}

int rank(JobState state) { return is_terminal(state) ? 2 : state == JobState::running ? 1 : 0; }

void observe_status(JobHistory& history, const client::JobStatus& status) {
  const JobState now = status.state;
  const std::string error = status.error ? status.error->provider_code + ": " + status.error->message : "";
  if (history.state) {
    RC_ASSERT(rank(now) >= rank(*history.state));  // never backwards
    if (is_terminal(*history.state)) {
      RC_ASSERT(now == *history.state);  // terminal states are final, with the same error
      RC_ASSERT(error == history.terminal_error);
    }
    if (now == JobState::queued && history.queue_position && status.queue_position) {
      RC_ASSERT(*status.queue_position <= *history.queue_position);  // nobody overtakes a queued job
    }
  }
  RC_ASSERT((now == JobState::cancelled) == history.cancel_requested);  // cancelled exactly when asked to
  RC_ASSERT(status.error.has_value() == (now == JobState::failed || now == JobState::cancelled));
  RC_ASSERT(status.queue_position.has_value() == (now == JobState::queued));
  history.state = now;
  history.queue_position = status.queue_position;
  if (is_terminal(now)) history.terminal_error = error;
}

void check_pool_invariants(const std::vector<JobView>& views, Millis now, int workers, Millis dispatch) {
  int running = 0;
  bool ready_job_waits = false;
  std::optional<std::uint64_t> first_queued;
  std::optional<Millis> last_start_time;
  std::int64_t queued_ahead = 0;
  for (const JobView& job : views) {  // in submission order
    const auto ends = [&] {
      const auto run = job.run_time.count();
      const double fraction = job.fate.succeeds ? 1.0 : std::clamp(job.fate.fail_at_fraction, 0.0, 1.0);
      return *job.started_at + Millis{static_cast<std::int64_t>(static_cast<double>(run) * fraction)};
    };
    RC_ASSERT(job.queue_position.has_value() == (job.state == JobState::queued));
    if (job.state == JobState::queued) {
      RC_ASSERT(!job.started_at.has_value());
      RC_ASSERT(*job.queue_position == queued_ahead);
      ++queued_ahead;
      if (!first_queued) first_queued = job.sequence;
      if (job.submitted_at + dispatch <= now) ready_job_waits = true;
      continue;
    }
    if (job.started_at) {
      RC_ASSERT(*job.started_at >= job.submitted_at + dispatch);  // a fresh job is always IN_QUEUE first
      RC_ASSERT(!last_start_time || *job.started_at >= *last_start_time);  // FIFO: started in submission order
      RC_ASSERT(!first_queued);  // nobody started while an earlier job still waits
      last_start_time = job.started_at;
    }
    if (job.state == JobState::running) {
      ++running;
      RC_ASSERT(ends() > now);  // a job past its run time has ended
      RC_ASSERT(!job.finished_at.has_value());
    } else {
      RC_ASSERT(job.finished_at.has_value());
      RC_ASSERT(*job.finished_at <= now);
      if (job.state == JobState::succeeded || job.state == JobState::failed) RC_ASSERT(*job.finished_at == ends());
      RC_ASSERT(job.outputs.empty() == (job.state != JobState::succeeded));
    }
  }
  RC_ASSERT(running <= workers);
  if (ready_job_waits) RC_ASSERT(running == workers);  // no worker idles beside a ready job
}

}  // namespace nanosim::property
