#pragma once
// Usage and billing records: what each API key spent on each job. Provider-neutral: a provider that prices its
// models (contract "pricing") sets JobSpec::unit_price and price_unit, and the engine keeps the record.
// A job holds unit_price x requested count when submitted and settles to unit_price x results actually
// produced when it ends; a failed or cancelled job settles to 0 (refunded).

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nanosim {

enum class UsageState { held, settled, refunded };
[[nodiscard]] std::string_view to_string(UsageState state);

struct UsageEntry {
  std::string api_key;
  std::string provider;
  std::string job_id;
  std::string model;
  std::string unit;          // "USD" or "credits"
  double unit_price = 0.0;   // per image
  int requested = 0;         // images asked for
  int billed_units = 0;      // images billed: requested while held, produced once settled
  double amount = 0.0;       // unit_price x billed_units
  UsageState state = UsageState::held;
  std::int64_t opened_at_ms = 0;  // simulated time
};

[[nodiscard]] nlohmann::json to_json(const UsageEntry& entry);

}  // namespace nanosim
