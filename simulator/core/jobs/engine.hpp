#pragma once
// The core engine: jobs, per-provider FIFO schedulers, produced files, usage records and credit balances.
// Pure: no sockets, time from the Clock.
//
// Threading: Engine is not thread-safe by itself; Simulator serialises every call under its mutex.
// State is a function of the clock: every public call first catches the schedulers up to clock.now(),
// replaying worker hand-overs in time order, so a ManualClock moves every job at once.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include "credits.hpp"
#include "nanosim/simulator.hpp"
#include "../random.hpp"
#include "record.hpp"
#include "usage.hpp"

namespace nanosim::core {

enum class CancelOutcome { cancelled, already_terminal, not_found };

class Engine {
 public:
  explicit Engine(const Options& options, std::shared_ptr<Clock> clock);

  [[nodiscard]] Clock& clock() const { return *clock_; }
  [[nodiscard]] Millis now() const { return clock_->now(); }
  [[nodiscard]] std::uint64_t seed() const { return options_.seed; }

  /// Creates a job in the provider's pool; its id is `id_prefix` + a seeded token of `id_length` characters.
  /// `dispatch_delay` is how long the queue takes to hand a job to a free worker (so a fresh job is IN_QUEUE).
  const JobView& submit(JobSpec spec, JobFate fate, Millis run_time, Millis dispatch_delay, const std::string& id_prefix,
                        std::size_t id_length);
  /// Current view of a job, or null when unknown (never submitted or forgotten).
  [[nodiscard]] const JobView* find(const std::string& id);
  CancelOutcome cancel(const std::string& id);
  /// The next simulated time after now at which the job may move on: its end when running, the next event of its
  /// pool (a worker freed, a stalled job ready) when queued; nullopt when the job is unknown or terminal.
  /// A synchronous operation (ProviderContext::run_synchronously) steps the clock through these times until its job
  /// ends.
  [[nodiscard]] std::optional<Millis> next_change(const std::string& id);
  /// Usage records (billing), caught up to now.
  [[nodiscard]] const UsageLedger& usage();
  /// Every known job, at now.
  [[nodiscard]] std::vector<JobView> all_jobs();
  /// One page of jobs in submission order, at now: those after sequence `after` that `keep` accepts, at most
  /// `limit`, looking at no more than `max_scan` jobs. `next_after` is the last sequence looked at when more may
  /// follow (0 when the listing is complete).
  struct JobPage {
    std::vector<JobView> jobs;
    std::uint64_t next_after = 0;
  };
  template <typename Keep>
  JobPage jobs_page(std::uint64_t after, std::size_t limit, std::size_t max_scan, Keep keep) {
    catch_up();
    JobPage page;
    std::size_t scanned = 0;
    auto it = id_by_sequence_.upper_bound(after);
    for (; it != id_by_sequence_.end() && page.jobs.size() < limit && scanned < max_scan; ++it, ++scanned) {
      const JobView& view = peek(it->second);
      if (keep(view)) page.jobs.push_back(view);
    }
    if (it != id_by_sequence_.end()) page.next_after = std::prev(it)->first;
    return page;
  }
  /// A file produced by a job; nullopt when unknown. `expired` tells whether its retention has passed.
  struct FileLookup {
    OutputFile file;
    bool expired = false;
    std::optional<Millis> expires_at;  // none: kept for as long as the job is
    std::string job_id;
    std::string provider;
    JobState job_state = JobState::succeeded;
  };
  [[nodiscard]] std::optional<FileLookup> find_file(const std::string& token);
  /// Sets how long a provider keeps produced files after the job ends (none = forever).
  void set_file_retention(const std::string& provider, std::optional<Millis> retention);

  /// Credit balances by key, as of now: what each key was given less what usage() says it spent in credits
  /// (a job that failed by now has been settled to 0).
  [[nodiscard]] CreditLedger& credits();

  /// A seeded random stream for a purpose (e.g. "request-id"), advancing a per-purpose counter.
  Random stream(std::string_view purpose);
  [[nodiscard]] std::uint64_t jobs_submitted() const { return next_sequence_ - 1; }

  /// Forgets every job and file, and restores the configured credits.
  void reset();

  /// Shutdown: waits on a real clock end at once (Simulator::interrupt_waits).
  void interrupt_waits() { interrupted_ = true; }
  [[nodiscard]] bool waits_interrupted() const { return interrupted_; }

 private:
  std::atomic<bool> interrupted_{false};
  /// Queue order: (ready time in ms, submission sequence). With the pool's constant dispatch delay this is FIFO;
  /// a stalled job takes its place when its stall ends. order_of_key = jobs ahead, in O(log n).
  using QueueKey = std::pair<std::int64_t, std::uint64_t>;
  using OrderedQueue = __gnu_pbds::tree<QueueKey, __gnu_pbds::null_type, std::less<>, __gnu_pbds::rb_tree_tag,
                                        __gnu_pbds::tree_order_statistics_node_update>;
  struct Running {
    Millis finishes_at;
    std::uint64_t sequence;
    bool operator>(const Running& o) const {
      return finishes_at != o.finishes_at ? finishes_at > o.finishes_at : sequence > o.sequence;
    }
  };
  struct Pool {
    int workers = 1;
    OrderedQueue queued;
    std::priority_queue<Running, std::vector<Running>, std::greater<>> running;  // may hold cancelled entries
    int busy = 0;                                  // running jobs not yet finished or cancelled
    Millis cursor{0};                              // the pool's state is exact as of this time
  };

  /// Where a job lives: in jobs_ (waiting, running, or finished among the last `hot_finished_capacity`), or packed
  /// in cold_ (an older finished job, retained for lookup).
  struct Slot {
    JobRecord* hot = nullptr;
    const std::pair<const std::string, std::string>* cold = nullptr;
  };
  /// Finished jobs kept whole: the ones clients still poll and download. Older ones are packed (record.hpp).
  static constexpr std::size_t hot_finished_capacity = 1024;

  /// The job's record, unpacked back into jobs_ when it was cold; null when unknown.
  JobRecord* record(const std::string& id);
  /// The job's view at now, for listings: a cold job is unpacked into a scratch record, not moved back.
  const JobView& peek(const Slot& slot);
  /// Packs the oldest finished jobs of jobs_ until at most hot_finished_capacity remain.
  void pack_cold_jobs();

  void catch_up();
  void catch_up(Pool& pool, Millis now);
  /// The pool's next event time (a running job ends, or an idle worker may take the queue's head); drops
  /// entries of jobs cancelled while running.
  std::optional<Millis> next_event(Pool& pool);
  /// Forgets jobs whose fate says they are lost by `until`, each at its own time (after catching its pool up).
  void lose_jobs(Millis until);
  /// Drops a job as if it never existed: out of its queue or off its worker.
  void forget(const std::string& id);
  void fill_idle_workers(Pool& pool);
  [[nodiscard]] static QueueKey queue_key(const JobRecord& job);
  void start(Pool& pool, JobRecord& job, Millis at);
  void finish(JobRecord& job, Millis at);
  void remember_finished(JobRecord& job);
  void hold_usage(const JobView& view);
  Pool& pool_for(const std::string& provider);
  void refresh_view(JobRecord& job, Millis now) const;

  Options options_;
  std::shared_ptr<Clock> clock_;
  std::map<std::string, Pool> pools_;
  std::unordered_map<std::string, JobRecord> jobs_;
  std::unordered_map<std::string, std::string> cold_;  // id -> pack(record): finished jobs out of the hot window
  std::map<std::uint64_t, Slot> id_by_sequence_;  // into jobs_ or cold_ (nodes: addresses stay valid); ordered:
                                                  // listings page by sequence
  std::deque<std::uint64_t> finished_order_;  // sequences, for retention, oldest first
  std::deque<std::uint64_t> hot_finished_;    // finished jobs in jobs_, in the order they got there (or came back)
  Interner interned_;                         // repeated strings of packed jobs
  JobRecord peeked_;                          // the cold job peek() last unpacked
  std::map<std::string, std::optional<Millis>> file_retention_;
  std::map<std::string, std::uint64_t, std::less<>> stream_counters_;
  UsageLedger usage_;
  CreditLedger credits_;  // reads usage_: declared after it
  std::uint64_t next_sequence_ = 1;
  std::multimap<Millis, std::string> lost_at_;  // jobs a scenario loses, by the time they are forgotten
};

}  // namespace nanosim::core
