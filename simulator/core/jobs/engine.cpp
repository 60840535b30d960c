#include "engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace nanosim::core {

std::string random_token(Random& random, std::size_t length) {
  static constexpr char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford base32, lowercase
  std::string token;
  token.reserve(length);
  for (std::size_t i = 0; i < length; ++i) token.push_back(alphabet[random.below(32)]);
  return token;
}

Engine::Engine(const Options& options, std::shared_ptr<Clock> clock)
    : options_(options),
      clock_(std::move(clock)),
      usage_(options.usage_capacity),
      credits_(options.credits, options.default_credits, usage_) {}

CreditLedger& Engine::credits() {
  catch_up();
  return credits_;
}

Random Engine::stream(std::string_view purpose) {
  auto it = stream_counters_.find(purpose);
  if (it == stream_counters_.end()) it = stream_counters_.emplace(std::string(purpose), 0).first;
  return Random(hash_combine(hash_text(purpose, options_.seed), it->second++));
}

Engine::Pool& Engine::pool_for(const std::string& provider) {
  auto [it, inserted] = pools_.try_emplace(provider);
  if (inserted) {
    const auto named = options_.workers_per_provider.find(provider);
    it->second.workers = std::max(1, named != options_.workers_per_provider.end() ? named->second : options_.workers);
    it->second.cursor = now();
  }
  return it->second;
}

const JobView& Engine::submit(JobSpec spec, JobFate fate, Millis run_time, Millis dispatch_delay,
                              const std::string& id_prefix, std::size_t id_length) {
  catch_up();
  const Millis at = now();
  Random ids = stream("job-id");
  std::string id = id_prefix + random_token(ids, id_length);
  while (jobs_.count(id) != 0 || cold_.count(id) != 0) id = id_prefix + random_token(ids, id_length);  // rarely

  const std::uint64_t sequence = next_sequence_++;
  JobRecord record;
  record.pool = spec.provider;
  record.view.id = id;
  record.view.sequence = sequence;
  record.view.run_time = fate.run_time_override.count() >= 0 ? fate.run_time_override : run_time;
  record.view.spec = std::move(spec);
  record.view.fate = std::move(fate);
  record.view.submitted_at = at;
  record.ready_at = at + dispatch_delay + record.view.fate.queue_stall;

  Pool& pool = pool_for(record.pool);
  pool.queued.insert(queue_key(record));
  if (record.view.fate.lost_after.count() >= 0) lost_at_.emplace(at + record.view.fate.lost_after, id);
  auto& stored = jobs_.emplace(id, std::move(record)).first->second;
  id_by_sequence_.emplace(sequence, Slot{&stored, nullptr});
  if (!stored.view.spec.price_unit.empty()) hold_usage(stored.view);
  fill_idle_workers(pool);
  refresh_view(stored, at);
  return stored.view;
}

JobRecord* Engine::record(const std::string& id) {
  if (const auto it = jobs_.find(id); it != jobs_.end()) return &it->second;
  const auto cold = cold_.find(id);
  if (cold == cold_.end()) return nullptr;
  auto node = cold_.extract(cold);
  JobRecord job = unpack(node.mapped(), node.key(), interned_);
  const std::uint64_t sequence = job.view.sequence;
  JobRecord& stored = jobs_.emplace(std::move(node.key()), std::move(job)).first->second;
  id_by_sequence_[sequence] = Slot{&stored, nullptr};
  hot_finished_.push_back(sequence);  // packed again once it is among the oldest hot ones
  pack_cold_jobs();                   // never `stored`: it is the newest
  return &stored;
}

const JobView& Engine::peek(const Slot& slot) {
  if (slot.hot != nullptr) {
    refresh_view(*slot.hot, now());
    return slot.hot->view;
  }
  peeked_ = unpack(slot.cold->second, slot.cold->first, interned_);
  refresh_view(peeked_, now());
  return peeked_.view;
}

void Engine::pack_cold_jobs() {
  while (hot_finished_.size() > hot_finished_capacity) {
    const auto slot = id_by_sequence_.find(hot_finished_.front());
    hot_finished_.pop_front();
    if (slot == id_by_sequence_.end() || slot->second.hot == nullptr) continue;  // forgotten, or packed already
    auto node = jobs_.extract(slot->second.hot->view.id);
    std::string packed = pack(node.mapped(), interned_);
    const auto cold = cold_.emplace(std::move(node.key()), std::move(packed)).first;
    slot->second = Slot{nullptr, &*cold};
  }
}

const JobView* Engine::find(const std::string& id) {
  catch_up();
  JobRecord* job = record(id);
  if (job == nullptr) return nullptr;
  refresh_view(*job, now());
  return &job->view;
}

CancelOutcome Engine::cancel(const std::string& requested_id) {
  const std::string id = requested_id;  // may name a view that catching up packs away
  catch_up();
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return cold_.count(id) != 0 ? CancelOutcome::already_terminal : CancelOutcome::not_found;
  JobRecord& job = it->second;
  if (is_terminal(job.view.state)) return CancelOutcome::already_terminal;
  Pool& pool = pool_for(job.pool);
  if (job.view.state == JobState::queued) {
    pool.queued.erase(queue_key(job));
  } else {
    --pool.busy;  // its entry in `running` becomes stale and is skipped
  }
  job.view.state = JobState::cancelled;
  job.view.failure_kind = std::string(failure::cancelled);
  job.view.finished_at = now();
  usage_.settle(id, 0);
  remember_finished(job);  // may forget the oldest finished jobs: `job` is not used after it
  fill_idle_workers(pool);  // a freed worker takes the next ready job at once
  return CancelOutcome::cancelled;
}

const UsageLedger& Engine::usage() {
  catch_up();
  return usage_;
}

void Engine::hold_usage(const JobView& view) {
  UsageEntry entry;
  entry.api_key = view.spec.api_key;
  entry.provider = view.spec.provider;
  entry.job_id = view.id;
  entry.model = view.spec.model;
  entry.unit = view.spec.price_unit;
  entry.unit_price = view.spec.unit_price;
  entry.requested = view.spec.count;
  entry.opened_at_ms = view.submitted_at.count();
  usage_.hold(std::move(entry));
}

std::vector<JobView> Engine::all_jobs() {
  catch_up();
  std::vector<JobView> views;
  views.reserve(id_by_sequence_.size());
  for (const auto& [sequence, slot] : id_by_sequence_) views.push_back(peek(slot));
  return views;
}

std::optional<Engine::FileLookup> Engine::find_file(const std::string& token) {
  const auto dash = token.rfind('-');
  if (dash == std::string::npos) return std::nullopt;
  const JobView* job = find(token.substr(0, dash));
  if (job == nullptr) return std::nullopt;
  for (const OutputFile& file : job->outputs) {
    if (file.token != token) continue;
    const bool expired = job->files_expire_at.has_value() && now() >= *job->files_expire_at;
    return FileLookup{file, expired, job->files_expire_at, job->id, job->spec.provider, job->state};
  }
  return std::nullopt;
}

void Engine::set_file_retention(const std::string& provider, std::optional<Millis> retention) {
  file_retention_[provider] = retention;
}

void Engine::reset() {
  pools_.clear();
  jobs_.clear();
  cold_.clear();
  id_by_sequence_.clear();
  finished_order_.clear();
  hot_finished_.clear();
  interned_.clear();
  stream_counters_.clear();
  lost_at_.clear();
  usage_.clear();
  next_sequence_ = 1;
  credits_.reset();
}

void Engine::catch_up() {
  const Millis at = now();
  lose_jobs(at);
  for (auto& [name, pool] : pools_) catch_up(pool, at);
}

std::optional<Millis> Engine::next_change(const std::string& id) {
  catch_up();
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || is_terminal(it->second.view.state)) return std::nullopt;
  if (it->second.view.state == JobState::running) return it->second.scheduled_finish;
  return next_event(pool_for(it->second.pool));
}

std::optional<Millis> Engine::next_event(Pool& pool) {
  while (!pool.running.empty()) {  // drop entries of jobs cancelled while running
    const auto it = id_by_sequence_.find(pool.running.top().sequence);
    const JobRecord* job = it == id_by_sequence_.end() ? nullptr : it->second.hot;
    if (job != nullptr && job->view.state == JobState::running &&
        job->scheduled_finish == pool.running.top().finishes_at) {
      break;
    }
    pool.running.pop();
  }
  std::optional<Millis> next;
  if (!pool.running.empty()) next = pool.running.top().finishes_at;
  if (pool.busy < pool.workers && !pool.queued.empty()) {  // an idle worker waits for the next ready job
    const Millis ready{pool.queued.begin()->first};
    if (!next || ready < *next) next = ready;
  }
  return next;
}

void Engine::lose_jobs(Millis until) {
  while (!lost_at_.empty() && lost_at_.begin()->first <= until) {
    const auto [when, id] = *lost_at_.begin();
    lost_at_.erase(lost_at_.begin());
    if (cold_.count(id) != 0) {  // finished long ago: nothing of its pool to catch up
      forget(id);
      continue;
    }
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    Pool& pool = pool_for(it->second.pool);
    catch_up(pool, when);
    forget(id);
    fill_idle_workers(pool);
  }
}

void Engine::forget(const std::string& id) {
  if (const auto cold = cold_.find(id); cold != cold_.end()) {
    id_by_sequence_.erase(unpack(cold->second, cold->first, interned_).view.sequence);
    cold_.erase(cold);
    return;
  }
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  JobRecord& job = it->second;
  Pool& pool = pool_for(job.pool);
  if (job.view.state == JobState::queued) pool.queued.erase(queue_key(job));
  if (job.view.state == JobState::running) --pool.busy;  // its entry in `running` becomes stale and is skipped
  id_by_sequence_.erase(job.view.sequence);
  jobs_.erase(it);
}

// Replays the pool's events (worker hand-overs, stalled jobs becoming ready) in time order up to `until`.
void Engine::catch_up(Pool& pool, Millis until) {
  while (true) {
    const std::optional<Millis> next = next_event(pool);
    if (!next || *next > until) break;

    pool.cursor = std::max(pool.cursor, *next);
    if (!pool.running.empty() && pool.running.top().finishes_at == *next) {
      const Running done = pool.running.top();
      pool.running.pop();
      --pool.busy;
      finish(*id_by_sequence_.at(done.sequence).hot, done.finishes_at);
    }
    fill_idle_workers(pool);
  }
  pool.cursor = std::max(pool.cursor, until);
}

Engine::QueueKey Engine::queue_key(const JobRecord& job) {
  return {job.ready_at.count(), job.view.sequence};
}

// Idle workers take the queued jobs that are ready at the pool's cursor, in queue order.
void Engine::fill_idle_workers(Pool& pool) {
  while (pool.busy < pool.workers && !pool.queued.empty() && Millis{pool.queued.begin()->first} <= pool.cursor) {
    const std::uint64_t sequence = pool.queued.begin()->second;
    pool.queued.erase(pool.queued.begin());
    start(pool, *id_by_sequence_.at(sequence).hot, pool.cursor);
  }
}

void Engine::start(Pool& pool, JobRecord& job, Millis at) {
  job.view.state = JobState::running;
  job.view.started_at = at;
  const JobFate& fate = job.view.fate;
  const double fraction = fate.succeeds ? 1.0 : std::clamp(fate.fail_at_fraction, 0.0, 1.0);
  job.scheduled_finish = at + Millis{static_cast<std::int64_t>(static_cast<double>(job.view.run_time.count()) * fraction)};
  ++pool.busy;
  pool.running.push(Running{job.scheduled_finish, job.view.sequence});
}

void Engine::finish(JobRecord& job, Millis at) {
  JobView& view = job.view;
  view.finished_at = at;
  if (view.fate.succeeds) {
    view.state = JobState::succeeded;
    const int produced = view.fate.results >= 0 ? std::min(view.fate.results, view.spec.count) : view.spec.count;
    for (int index = 0; index < produced; ++index) {
      OutputFile file;
      file.token = view.id + "-" + std::to_string(index);
      file.image = images::ImageSpec{view.spec.width, view.spec.height, view.spec.format, view.spec.quality,
                                     hash_combine(hash_text(view.spec.prompt, options_.seed),
                                                  static_cast<std::uint64_t>(index))};
      view.outputs.push_back(std::move(file));
    }
    usage_.settle(view.id, produced);
    const auto retention = file_retention_.find(job.pool);
    if (retention != file_retention_.end() && retention->second) view.files_expire_at = at + *retention->second;
    if (view.fate.files_expire_after.count() >= 0) view.files_expire_at = at + view.fate.files_expire_after;
  } else {
    view.state = JobState::failed;
    view.failure_kind = view.fate.failure_kind.empty() ? std::string(failure::generation_failed) : view.fate.failure_kind;
    view.failure_message = view.fate.failure_message;
    usage_.settle(view.id, 0);
  }
  remember_finished(job);
}

namespace {

// A finished job is kept for lookup (Options::finished_job_retention) but never runs again. What it keeps of the
// client's request is bounded, so a retained job costs about the same whatever the client sent: references (data:
// URIs can be megabytes) keep their start and length, and the provider's own request (`wire_request`) keeps only its
// top-level scalars with strings up to 64 bytes (a task's `task_type`, `model`, `size`, `n`); the prompt stays in
// `spec.prompt`, arrays and objects (inline images, contents) are dropped.
constexpr std::size_t retained_reference_bytes = 256;
constexpr std::size_t retained_wire_string_bytes = 64;

void compact_reference(std::string& text) {
  if (text.size() <= retained_reference_bytes) return;
  const std::size_t length = text.size();
  text.resize(64);
  text += "...(" + std::to_string(length) + " bytes)";
  text.shrink_to_fit();
}

void compact_wire_request(nlohmann::json& request) {
  if (!request.is_object()) {
    request = nlohmann::json::object();
    return;
  }
  for (auto it = request.begin(); it != request.end();) {
    const bool kept = it->is_primitive() && (!it->is_string() || it->get_ref<const std::string&>().size() <=
                                                                      retained_wire_string_bytes);
    it = kept ? std::next(it) : request.erase(it);
  }
}

}  // namespace

void Engine::remember_finished(JobRecord& job) {
  for (std::string& reference : job.view.spec.reference_images) compact_reference(reference);
  compact_wire_request(job.view.spec.wire_request);
  finished_order_.push_back(job.view.sequence);
  hot_finished_.push_back(job.view.sequence);
  while (finished_order_.size() > options_.finished_job_retention) {
    const auto it = id_by_sequence_.find(finished_order_.front());
    if (it != id_by_sequence_.end()) {
      if (it->second.hot != nullptr) {
        jobs_.erase(jobs_.find(it->second.hot->view.id));
      } else {
        cold_.erase(cold_.find(it->second.cold->first));
      }
      id_by_sequence_.erase(it);
    }
    finished_order_.pop_front();
  }
  pack_cold_jobs();
}

void Engine::refresh_view(JobRecord& job, Millis at) const {
  JobView& view = job.view;
  view.queue_position.reset();
  if (view.state == JobState::queued) {
    const auto pool = pools_.find(job.pool);
    view.queue_position = static_cast<std::int64_t>(pool->second.queued.order_of_key(queue_key(job)));
    view.progress_percent = 0;
  } else if (view.state == JobState::running) {
    const auto elapsed = (at - *view.started_at).count();
    const auto total = std::max<std::int64_t>(1, view.run_time.count());
    view.progress_percent = static_cast<int>(std::clamp<std::int64_t>(elapsed * 100 / total, 0, 99));
  } else {
    view.progress_percent = 100;
  }
}

}  // namespace nanosim::core
