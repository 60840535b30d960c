#pragma once
// A reference model of odirouter's queue, written from the documented semantics rather than from the engine:
// one FIFO pool per provider with N workers; a job may be taken by a worker `dispatch` after submission, so a
// fresh job is always IN_QUEUE; queue_position = queued jobs ahead; a running job ends after its run time
// (a failing one after a fraction of it); a cancel ends a live job at once and frees its worker.
//
// When the test scripts every job's run time (through Options::fate_policy), the model predicts every answer
// exactly. When the simulator draws run times itself, the model cannot know when jobs end; the properties then
// rely on the observation history (HistoryChecker) and on invariants of the simulator's own job views
// (check_pool_invariants), which hold whatever the run times.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/client/types.hpp"
#include "nanosim/job.hpp"

namespace nanosim::property {

/// How a submitted job is told to end (becomes the simulator's JobFate).
struct ScriptedFate {
  std::optional<Millis> run_time;  // nullopt: the simulator draws it (seeded log-normal from the contract timing)
  bool succeeds = true;
  std::string failure_kind;        // a key of the contract's failure_kinds, when !succeeds
  int fail_at_quarters = 4;        // a failing job ends after this many quarters of its run time
  std::string failure_message;     // replaces the contract's text when not empty

  [[nodiscard]] JobFate to_fate() const;
};

struct ModelJob {
  nlohmann::json body;  // the wire body submitted
  ScriptedFate fate;
  Millis submitted_at{0};
  std::optional<Millis> started_at;
  std::optional<Millis> finished_at;
  JobState state = JobState::queued;

  /// When a running job ends (scripted run times only).
  [[nodiscard]] Millis ends_at() const;
};

/// What a status request must answer.
struct ExpectedStatus {
  JobState state = JobState::queued;
  std::optional<std::int64_t> queue_position;  // when queued
  std::string error_type;                      // failed or cancelled: the contract's wire error_type
  std::string error;                           // and its error text (or the scripted message)
};

struct QueueModel {
  int workers = 1;
  Millis dispatch{0};
  bool scripted = true;  // every run time is scripted: the model predicts states and times exactly
  Millis now{0};
  std::vector<ModelJob> jobs;

  void submit(ModelJob job);
  /// Cancels a live job at `now` (a freed worker takes the next ready job at once). False when terminal.
  bool cancel(std::size_t index);
  /// Replays worker hand-overs and endings up to `until`, in time order.
  void advance_to(Millis until);

  [[nodiscard]] std::int64_t queue_position(std::size_t index) const;
  [[nodiscard]] ExpectedStatus expected_status(std::size_t index) const;
};

/// The contract's wire words for a failure kind ({"error_type": ..., "error": ...}).
[[nodiscard]] nlohmann::json failure_wire(const std::string& failure_kind);
/// The contract's error kind for GET /response of a job that ended in that failure kind.
[[nodiscard]] std::string failure_result_error(const std::string& failure_kind);

/// 0 queued, 1 running, 2 terminal: states only ever move up.
[[nodiscard]] int rank(JobState state);

/// What the client saw of one job so far; check() fails the property on an impossible new observation.
struct JobHistory {
  std::optional<JobState> state;
  std::optional<std::int64_t> queue_position;
  std::string terminal_error;  // "error_type: error" once failed or cancelled
  bool cancel_requested = false;
  std::optional<std::string> result;  // the first successful result, rendered for comparison
};

/// Checks a new status observation against the job's history (legal, never backwards, terminal final, queue
/// position never rising, cancelled only after a cancel was asked for) and records it.
void observe_status(JobHistory& history, const client::JobStatus& status);
/// Checks the simulator's own views of every job: queue positions, worker limit, FIFO start order, no idle
/// worker beside a ready job, no job running past its run time, timestamps consistent.
void check_pool_invariants(const std::vector<JobView>& views, Millis now, int workers, Millis dispatch);

}  // namespace nanosim::property
