#include "nanosim/journal.hpp"
#include "nanosim/job.hpp"

namespace nanosim {

nlohmann::json JournalEntry::to_json() const {
  nlohmann::json out = {{"sequence", sequence},       {"at_ms", at.count()},          {"method", method},
                        {"path", path},               {"query", query},               {"provider", provider},
                        {"operation", operation},     {"job_id", job_id},             {"api_key", api_key},
                        {"request_id", request_id},   {"status", status},             {"request_body", request_body},
                        {"response_body", response_body}, {"notes", notes}};
  if (latency.count() != 0) out["latency_ms"] = latency.count();
  if (retry_after) out["retry_after_ms"] = retry_after->count();
  if (!job_state.empty()) out["job_state"] = job_state;
  if (!fault.empty()) out["fault"] = fault;
  return out;
}

std::uint64_t Journal::record(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  entry.sequence = next_sequence_++;
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
  return entries_.empty() ? 0 : entries_.back().sequence;
}

std::vector<JournalEntry> Journal::entries(std::uint64_t after_sequence, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<JournalEntry> out;
  for (const JournalEntry& e : entries_) {
    if (out.size() >= limit) break;
    if (e.sequence > after_sequence) out.push_back(e);
  }
  return out;
}

std::size_t Journal::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t Journal::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void Journal::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  next_sequence_ = 1;
  dropped_ = 0;
}

}  // namespace nanosim
