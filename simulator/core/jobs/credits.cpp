#include "credits.hpp"

#include <cmath>
#include <stdexcept>

#include "usage.hpp"

namespace nanosim::core {
namespace {

void require_non_negative(std::int64_t value, const char* what) {
  if (value < 0) throw std::invalid_argument(std::string("CreditLedger: ") + what + " must be >= 0");
}

}  // namespace

CreditLedger::CreditLedger(std::map<std::string, std::int64_t> configured, std::int64_t default_balance,
                           const UsageLedger& usage)
    : configured_(std::move(configured)), default_balance_(default_balance), usage_(usage) {
  require_non_negative(default_balance_, "the default balance");
  for (const auto& [key, balance] : configured_) require_non_negative(balance, "a configured balance");
  reset();
}

std::int64_t CreditLedger::granted(const std::string& api_key) const {
  const auto it = grants_.find(api_key);
  return it != grants_.end() ? it->second : default_balance_;
}

std::int64_t CreditLedger::spent(const std::string& api_key) const {
  return std::llround(usage_.total(api_key, unit));
}

std::int64_t CreditLedger::balance(const std::string& api_key) const { return granted(api_key) - spent(api_key); }

void CreditLedger::set_balance(const std::string& api_key, std::int64_t balance) {
  require_non_negative(balance, "a balance");
  grants_[api_key] = balance + spent(api_key);
}

std::map<std::string, std::int64_t> CreditLedger::balances() const {
  std::map<std::string, std::int64_t> out;
  for (const auto& [key, grant] : grants_) out[key] = balance(key);
  for (const auto& [owner, amount] : usage_.totals()) {
    if (owner.second == unit) out[owner.first] = balance(owner.first);
  }
  return out;
}

void CreditLedger::reset() { grants_ = configured_; }

}  // namespace nanosim::core
