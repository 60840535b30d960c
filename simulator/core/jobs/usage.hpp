#pragma once
// UsageLedger: per-key, per-job usage records (see nanosim/usage.hpp). Bounded: beyond its capacity the oldest
// records are dropped; the per-key totals, kept as records open and settle, still count them. Not thread-safe: owned by the Engine, used under
// the simulator's lock.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nanosim/usage.hpp"

namespace nanosim::core {

class UsageLedger {
 public:
  explicit UsageLedger(std::size_t capacity) : capacity_(capacity) {}

  /// Opens a job's record, holding unit_price x requested.
  void hold(UsageEntry entry);
  /// Settles a job's record to `units` produced (0 refunds it). Unknown or already settled jobs are ignored.
  void settle(const std::string& job_id, int units);

  /// Records in opening order; only the key's when api_key is not empty.
  [[nodiscard]] std::vector<UsageEntry> entries(std::string_view api_key = {}) const;
  /// One page: records opened after ordinal `after` (the n-th record ever opened is n, from 1) that `keep`
  /// accepts, at most `limit`, looking at no more than `max_scan`; each with its ordinal. `next_after`: the last
  /// ordinal looked at when more may follow, else 0.
  struct Page {
    std::vector<std::pair<std::uint64_t, UsageEntry>> entries;
    std::uint64_t next_after = 0;
  };
  template <typename Keep>
  Page page(std::uint64_t after, std::size_t limit, std::size_t max_scan, Keep keep) const {
    Page out;
    std::size_t index = after > dropped_ ? static_cast<std::size_t>(after - dropped_) : 0;
    std::size_t scanned = 0;
    for (; index < order_.size() && out.entries.size() < limit && scanned < max_scan; ++index, ++scanned) {
      const UsageEntry& entry = by_job_.at(order_[index]);
      if (keep(entry)) out.entries.emplace_back(dropped_ + index + 1, entry);
    }
    if (index < order_.size()) out.next_after = dropped_ + index;
    return out;
  }
  /// Everything the key spent (held + settled, dropped records included) in a unit. O(log keys): the credit
  /// ledger reads it on every request it admits.
  [[nodiscard]] double total(std::string_view api_key, std::string_view unit) const;
  /// Every (key, unit) with its total.
  [[nodiscard]] std::map<std::pair<std::string, std::string>, double> totals() const;

  void clear();

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;  // job ids, oldest first
  std::uint64_t dropped_ = 0;      // records dropped from the front (the first in order_ is ordinal dropped_ + 1)
  std::unordered_map<std::string, UsageEntry> by_job_;
  std::map<std::pair<std::string, std::string>, double> totals_;  // (key, unit) -> amount, dropped records included
};

}  // namespace nanosim::core
