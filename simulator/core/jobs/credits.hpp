#pragma once
// Credit balances per API key: the prepaid side of gateways that sell credits (bananapro). A balance is what the
// key was given (Options::credits, else Options::default_credits, moved by set_balance) less what the usage ledger
// says it spent in the unit "credits": a job holds its price from the moment it is submitted and settles to what it
// produced when it ends, so a failed job is refunded at the simulated moment it fails, whoever polls. Nothing here
// restates the usage ledger; it only remembers the grants.
//
// Invariant: an adapter submits a priced job only when covers() says the balance pays for it, so no balance ever
// goes below zero. Threading: not thread-safe by itself; the Engine that owns it is only used under the simulator's
// mutex, so a check and the submit that spends are atomic with respect to every other request.

#include <cstdint>
#include <map>
#include <string>

namespace nanosim::core {

class UsageLedger;

class CreditLedger {
 public:
  static constexpr const char* unit = "credits";  // the pricing unit (contract "pricing.unit") it counts

  /// `configured`: starting balances by key; every other key starts at `default_balance`. All must be >= 0.
  CreditLedger(std::map<std::string, std::int64_t> configured, std::int64_t default_balance, const UsageLedger& usage);

  [[nodiscard]] std::int64_t balance(const std::string& api_key) const;
  [[nodiscard]] bool covers(const std::string& api_key, std::int64_t amount) const { return balance(api_key) >= amount; }
  /// Gives the key exactly this balance from now on (>= 0): the admin API, scenarios, tests.
  void set_balance(const std::string& api_key, std::int64_t balance);

  /// Every key that was configured, given a balance, or has spent credits, in key order.
  [[nodiscard]] std::map<std::string, std::int64_t> balances() const;
  [[nodiscard]] std::int64_t default_balance() const { return default_balance_; }
  /// Back to the configured grants (the engine clears the usage ledger beside it).
  void reset();

 private:
  [[nodiscard]] std::int64_t granted(const std::string& api_key) const;
  [[nodiscard]] std::int64_t spent(const std::string& api_key) const;

  std::map<std::string, std::int64_t> configured_;
  std::int64_t default_balance_;
  std::map<std::string, std::int64_t> grants_;  // configured and set balances, as totals granted so far
  const UsageLedger& usage_;
};

}  // namespace nanosim::core
