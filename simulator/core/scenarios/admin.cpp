// Admin API for scenarios and verification: GET/POST /__nanosim/scenarios, DELETE /__nanosim/scenarios/NAME,
// GET /__nanosim/scenarios/catalog, GET /__nanosim/verify?check=NAME&..., GET /__nanosim/verify/coverage.
#include <charconv>

#include "nanosim/verify.hpp"
#include "../simulator_impl.hpp"

namespace nanosim {
namespace verify {

namespace {
std::optional<Millis> millis_param(const std::map<std::string, std::string>& params, const std::string& name) {
  const auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc{} || end != it->second.data() + it->second.size() || value < 0) return std::nullopt;
  return Millis{value};
}

CheckResult missing(const std::string& check, const std::string& param) {
  return CheckResult{check, {param + ": a non-negative integer is required"}, 0};
}
}  // namespace

std::vector<std::string> check_names() {
  return {"honoured_retry_after", "polled_no_faster_than", "backed_off", "cancelled_on_deadline",
          "no_duplicate_submits", "fetched_each_result_once"};
}

std::optional<CheckResult> run_check(const std::string& name, const std::vector<JournalEntry>& entries,
                                     const std::map<std::string, std::string>& params) {
  if (name == "honoured_retry_after") return honoured_retry_after(entries);
  if (name == "backed_off") return backed_off(entries);
  if (name == "no_duplicate_submits") return no_duplicate_submits(entries);
  if (name == "fetched_each_result_once") return fetched_each_result_once(entries);
  if (name == "polled_no_faster_than") {
    const auto interval = millis_param(params, "interval_ms");
    return interval ? polled_no_faster_than(entries, *interval) : missing(name, "interval_ms");
  }
  if (name == "cancelled_on_deadline") {
    const auto deadline = millis_param(params, "deadline_ms");
    if (!deadline) return missing(name, "deadline_ms");
    return cancelled_on_deadline(entries, *deadline, millis_param(params, "grace_ms").value_or(Millis{1000}));
  }
  return std::nullopt;
}

}  // namespace verify

namespace {

using nlohmann::json;

json scenario_summary(const Scenario& scenario) {
  json rules = json::array();
  for (const ScenarioRule& rule : scenario.rules) rules.push_back(rule.name);
  return {{"name", scenario.name}, {"description", scenario.description}, {"rules", rules},
          {"document", scenario.document}};
}

std::vector<JournalEntry> scoped(std::vector<JournalEntry> entries, const HttpRequest& request) {
  const auto key = request.query_param("api_key");
  const auto provider = request.query_param("provider");
  std::erase_if(entries, [&](const JournalEntry& e) {
    return (key && e.api_key != *key) || (provider && e.provider != *provider);
  });
  return entries;
}

}  // namespace

std::optional<HttpResponse> Simulator::Impl::scenario_admin(const HttpRequest& request, std::string_view path) {
  const std::string& method = request.method;
  if (path == "scenarios/catalog" && method == "GET") {
    return core::json_response(200, {{"catalog", scenario_catalog()}});
  }
  if (path == "scenarios" && method == "GET") {
    json list = json::array();
    std::lock_guard lock(mutex);
    for (const Scenario* scenario : faults.installed()) list.push_back(scenario_summary(*scenario));
    return core::json_response(200, {{"scenarios", list}});
  }
  if (path == "scenarios" && method == "POST") {
    try {
      // A body naming a catalog entry ({"name": "rate-limited"} alone) installs it; otherwise the body is one.
      check_scenario_text(request.body);  // size and depth, before anything parses it
      const json body = json::parse(request.body, nullptr, false);
      const bool by_name = body.is_object() && body.size() == 1 && body.contains("name") && body.at("name").is_string();
      Scenario scenario = by_name ? load_scenario(body.at("name").get<std::string>()) : parse_scenario_text(request.body);
      json summary = scenario_summary(scenario);
      std::lock_guard lock(mutex);
      faults.install(std::move(scenario));
      return core::json_response(201, summary);
    } catch (const ScenarioError& e) {
      return simulator_error(400, "invalid_scenario", e.what());
    }
  }
  if (path.rfind("scenarios/", 0) == 0 && method == "DELETE") {
    const std::string name(path.substr(10));
    std::lock_guard lock(mutex);
    if (!faults.remove(name)) return simulator_error(404, "scenario_not_found", "No installed scenario " + name);
    return core::json_response(200, {{"removed", name}});
  }
  if (path == "verify/coverage" && method == "GET") {
    return core::json_response(200, verify::coverage(scoped(journal.entries(), request)).to_json());
  }
  if (path == "verify" && method == "GET") {
    std::map<std::string, std::string> params;
    for (const auto& [name, value] : request.query) params.emplace(name, value);
    const std::string check = request.query_param("check").value_or("");
    const auto result = verify::run_check(check, scoped(journal.entries(), request), params);
    if (!result) {
      json names = verify::check_names();
      return simulator_error(400, "unknown_check", "check: expected one of " + names.dump() + ", got '" + check + "'");
    }
    return core::json_response(200, result->to_json());
  }
  return std::nullopt;
}

}  // namespace nanosim
