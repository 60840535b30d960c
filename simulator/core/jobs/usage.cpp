#include "usage.hpp"

#include <algorithm>

namespace nanosim {

std::string_view to_string(UsageState state) {
  switch (state) {
    case UsageState::held: return "held";
    case UsageState::settled: return "settled";
    case UsageState::refunded: return "refunded";
  }
  return "held";
}

nlohmann::json to_json(const UsageEntry& entry) {
  return {{"api_key", entry.api_key},     {"provider", entry.provider},     {"job_id", entry.job_id},
          {"model", entry.model},         {"unit", entry.unit},             {"unit_price", entry.unit_price},
          {"requested", entry.requested}, {"billed_units", entry.billed_units}, {"amount", entry.amount},
          {"state", to_string(entry.state)}, {"opened_at_ms", entry.opened_at_ms}};
}

namespace core {

void UsageLedger::hold(UsageEntry entry) {
  entry.billed_units = entry.requested;
  entry.amount = entry.unit_price * entry.requested;
  entry.state = UsageState::held;
  const std::string id = entry.job_id;
  const auto [it, opened] = by_job_.emplace(id, std::move(entry));
  if (!opened) return;
  totals_[{it->second.api_key, it->second.unit}] += it->second.amount;
  order_.push_back(id);
  while (order_.size() > std::max<std::size_t>(1, capacity_)) {
    by_job_.erase(order_.front());  // its amount stays in totals_
    order_.pop_front();
    ++dropped_;
  }
}

void UsageLedger::settle(const std::string& job_id, int units) {
  const auto it = by_job_.find(job_id);
  if (it == by_job_.end() || it->second.state != UsageState::held) return;
  UsageEntry& entry = it->second;
  double& total = totals_[{entry.api_key, entry.unit}];
  total -= entry.amount;
  entry.billed_units = std::max(0, units);
  entry.amount = entry.unit_price * entry.billed_units;
  total += entry.amount;
  entry.state = entry.billed_units > 0 ? UsageState::settled : UsageState::refunded;
}

std::vector<UsageEntry> UsageLedger::entries(std::string_view api_key) const {
  std::vector<UsageEntry> out;
  for (const std::string& id : order_) {
    const UsageEntry& entry = by_job_.at(id);
    if (api_key.empty() || entry.api_key == api_key) out.push_back(entry);
  }
  return out;
}

double UsageLedger::total(std::string_view api_key, std::string_view unit) const {
  const auto it = totals_.find({std::string(api_key), std::string(unit)});
  return it == totals_.end() ? 0.0 : it->second;
}

std::map<std::pair<std::string, std::string>, double> UsageLedger::totals() const { return totals_; }

void UsageLedger::clear() {
  order_.clear();
  dropped_ = 0;
  by_job_.clear();
  totals_.clear();
}

}  // namespace core
}  // namespace nanosim
