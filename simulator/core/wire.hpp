#pragma once
// Small wire helpers shared by the provider adapters.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/job.hpp"
#include "provider.hpp"

namespace nanosim::core {

/// A request matched to one of the contract's operations, or the catalog kind to answer when none matches
/// ("method_not_allowed" when the path is known under another method, else "route_not_found").
struct Route {
  std::optional<contracts::RouteMatch> match;
  std::string error_kind;
};
Route route(const contracts::Contract& contract, const ProviderCall& call);

/// Fills "{name}" segments of a contract path template.
std::string expand(std::string_view path_template, const std::map<std::string, std::string>& params);

/// Query flags as the official clients send them: "1"/"true" (any case) are true, anything else false.
bool flag(const std::optional<std::string>& value);

/// Gemini's size tier for a gateway value: "0.5K" (gateways' alias) and "512" -> "512"; "1K", "2K", "4K" as is.
std::string size_tier(const nlohmann::json& value);

/// The text part a model returns beside an image when text output is asked for (deterministic).
std::string describe(const JobSpec& spec);

}  // namespace nanosim::core
