// Running the suite: free probes first, then the rules that need nanosim's admin API, then those that start
// generations, each within the budget; a rule that cannot run is reported skipped, with why.
#include <algorithm>
#include <chrono>

#include "conformance_internal.hpp"

namespace nanosim::conformance {

void Outcome::fail(std::string reason, std::vector<Breach> breaches, std::optional<Exchange> evidence) {
  result_.verdict = Verdict::failed;
  if (result_.reason.empty()) result_.reason = std::move(reason);
  for (auto& breach : breaches) result_.breaches.push_back(std::move(breach));
  if (evidence) result_.evidence.push_back(std::move(*evidence));
}

bool Outcome::expect_clean(const std::string& what, std::vector<Breach> breaches, const Exchange& evidence) {
  if (breaches.empty()) return true;
  const std::string first = breaches.front().message;
  fail(what + " breaks the contract: " + first, std::move(breaches), evidence);
  return false;
}

void Outcome::skip(std::string reason) {
  result_.verdict = Verdict::skipped;
  result_.reason = std::move(reason);
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: return "passed";
    case Verdict::failed: return "failed";
    case Verdict::skipped: return "skipped";
  }
  return "?";
}

bool selected(std::string_view id, const std::vector<std::string>& only, const std::vector<std::string>& skip) {
  const auto matches = [id](const std::string& pattern) {
    if (!pattern.empty() && pattern.back() == '*') return id.substr(0, pattern.size() - 1) == std::string_view(pattern).substr(0, pattern.size() - 1);
    return id == pattern;
  };
  if (!only.empty() && std::none_of(only.begin(), only.end(), matches)) return false;
  return std::none_of(skip.begin(), skip.end(), matches);
}

Report run_check(const CheckOptions& options) {
  Session session(options);
  Report report;
  report.provider = session.contract.id();
  report.target = options.base_url;
  report.nanosim = session.nanosim;
  report.budget = session.budget;
  std::vector<RuleSpec> rules = probe_rules(session);
  for (auto&& group : {nanosim_rules(session), generation_rules(session)}) {
    for (const RuleSpec& rule : group) rules.push_back(rule);
  }
  std::string scenario_error;
  const bool scenario = session.nanosim && session.install_scenario(nanosim_scenario_rules(session.contract), scenario_error);
  for (const RuleSpec& rule : rules) {
    if (!selected(rule.id, options.only, options.skip)) continue;
    Outcome outcome;
    RuleResult& result = outcome.result();
    result.id = rule.id;
    result.title = rule.title;
    result.cost = rule.cost;
    result.contract_pointer = rule.contract_pointer;
    result.provenance = rule.provenance;
    const auto started = std::chrono::steady_clock::now();
    if (session.nanosim && !scenario && (rule.cost == "nanosim" || rule.id == "auth.invalid")) {
      outcome.fail("nanosim refused the scenario the check installs: " + scenario_error);
    } else {
      try {
        rule.run(session, outcome);
      } catch (const std::exception& e) {
        outcome.fail(std::string("the rule could not run: ") + e.what());
      }
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report.rules.push_back(std::move(result));
  }
  session.remove_scenario();
  report.generations = session.generations;
  return report;
}

bool Report::passed() const { return count(Verdict::failed) == 0; }

std::size_t Report::count(Verdict verdict) const {
  return static_cast<std::size_t>(std::count_if(rules.begin(), rules.end(), [verdict](const RuleResult& r) { return r.verdict == verdict; }));
}

bool all_passed(const std::vector<Report>& reports) {
  return std::all_of(reports.begin(), reports.end(), [](const Report& r) { return r.passed(); });
}

}  // namespace nanosim::conformance
