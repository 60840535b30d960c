#include "nanosim/journal.hpp"

#include <algorithm>
#include <set>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/job.hpp"

namespace nanosim {
namespace {

/// The headers that carry keys: every contract's header auth schemes, and the usual credential headers.
const std::set<std::string, CaseInsensitiveLess>& secret_headers() {
  static const std::set<std::string, CaseInsensitiveLess> names = [] {
    std::set<std::string, CaseInsensitiveLess> out{"Authorization", "Proxy-Authorization", "Cookie"};
    for (const contracts::Contract* contract : contracts::all()) {
      for (const auto& scheme : contract->document().at("auth").at("schemes")) {
        if (scheme.value("in", "") == "header") out.insert(scheme.at("header").get<std::string>());
      }
    }
    return out;
  }();
  return names;
}

std::string mask(const std::string& value) {
  const std::size_t space = value.find(' ');
  const std::string scheme = space == std::string::npos ? std::string() : value.substr(0, space + 1);
  return scheme + mask_key(std::string_view(value).substr(scheme.size()));
}

nlohmann::json headers_json(const Headers& headers) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : headers) {
    auto& slot = out[name];
    slot = slot.is_string() ? slot.get<std::string>() + ", " + value : value;
  }
  return out;
}

}  // namespace

std::string mask_key(std::string_view key) {
  if (key.empty()) return {};
  // "sk-…3f9a": enough to tell keys apart, not enough to use one. Short keys keep less.
  if (key.size() >= 12) return std::string(key.substr(0, 3)) + "…" + std::string(key.substr(key.size() - 4));
  if (key.size() >= 6) return "…" + std::string(key.substr(key.size() - 2));
  return "…";
}

void mask_headers(Headers& headers) {
  for (auto& [name, value] : headers) {
    if (secret_headers().count(name) != 0) value = mask(value);
  }
}

Headers masked_headers(const Headers& headers) {
  Headers out = headers;
  mask_headers(out);
  return out;
}

nlohmann::json JournalEntry::to_json() const {
  nlohmann::json out = {{"sequence", sequence},   {"at_ms", at.count()},       {"method", method},
          {"path", path},           {"query", query},            {"provider", provider},
          {"operation", operation}, {"job_id", job_id},          {"api_key", api_key},
          {"request_id", request_id}, {"status", status},        {"request_headers", headers_json(request_headers)},
          {"request_body", request_body}, {"response_headers", headers_json(response_headers)},
          {"response_body", response_body}, {"notes", notes}};
  if (latency.count() != 0) out["latency_ms"] = latency.count();
  if (retry_after) out["retry_after_ms"] = retry_after->count();
  if (!job_state.empty()) out["job_state"] = job_state;
  if (!fault.empty()) out["fault"] = fault;
  if (!upstream.empty()) out["upstream"] = upstream;
  if (!drift.empty()) out["drift"] = drift;
  return out;
}

std::uint64_t Journal::record(JournalEntry entry) { return record(std::make_unique<JournalEntry>(std::move(entry))); }

std::uint64_t Journal::record(std::unique_ptr<JournalEntry> entry) {
  std::unique_ptr<JournalEntry> evicted;  // freed after the lock is released
  std::lock_guard lock(mutex_);
  entry->sequence = next_sequence_++;
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) {
    evicted = std::move(entries_.front());
    entries_.pop_front();
    ++dropped_;
  }
  return entries_.empty() ? 0 : entries_.back()->sequence;
}

std::unique_ptr<JournalEntry> Journal::spare() {
  std::unique_ptr<JournalEntry> spare;
  {
    std::lock_guard lock(mutex_);
    if (capacity_ == 0 || entries_.size() < capacity_) return std::make_unique<JournalEntry>();
    spare = std::move(entries_.front());
    entries_.pop_front();
    ++dropped_;
  }
  // Emptied outside the lock; clear() keeps each string's buffer.
  JournalEntry& e = *spare;
  e.sequence = 0;
  e.at = Millis{0};
  for (std::string* text : {&e.method, &e.path, &e.query, &e.provider, &e.operation, &e.job_id, &e.api_key,
                            &e.request_id, &e.request_body, &e.response_body, &e.job_state, &e.fault, &e.upstream}) {
    text->clear();
  }
  e.status = 0;
  e.notes.clear();
  e.latency = Millis{0};
  e.retry_after.reset();
  e.drift.clear();
  return spare;
}

std::vector<JournalEntry> Journal::entries(std::uint64_t after_sequence, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<JournalEntry> out;
  for (const auto& e : entries_) {
    if (out.size() >= limit) break;
    if (e->sequence > after_sequence) out.push_back(*e);
  }
  return out;
}

Journal::Page Journal::page(std::uint64_t after_sequence, std::size_t limit, std::size_t max_scan,
                            const std::function<bool(const JournalEntry&)>& keep) const {
  std::lock_guard lock(mutex_);
  Page out;
  // Sequences rise along the deque: binary search for the first entry after `after_sequence`.
  auto it = std::upper_bound(entries_.begin(), entries_.end(), after_sequence,
                             [](std::uint64_t value, const auto& e) { return value < e->sequence; });
  std::size_t scanned = 0;
  for (; it != entries_.end() && out.entries.size() < limit && scanned < max_scan; ++it, ++scanned) {
    if (keep(**it)) out.entries.push_back(**it);
  }
  if (it != entries_.end()) out.next_after = (*std::prev(it))->sequence;
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
