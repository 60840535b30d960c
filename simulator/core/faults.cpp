// The fault engine: scenarios installed, triggers counted and evaluated. Effects are in fault_effects.cpp.
#include "faults.hpp"

#include <algorithm>
#include <regex>

#include "random.hpp"

namespace nanosim::core {
namespace {

bool listed(const std::vector<std::string>& allowed, const std::string& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

/// The filters of a trigger (what it is about), before any counting.
bool filters_pass(const Trigger& t, const RequestFacts& facts) {
  if (!listed(t.providers, facts.provider) || !listed(t.operations, facts.operation) ||
      !listed(t.models, facts.model) || !listed(t.api_keys, facts.api_key)) {
    return false;
  }
  if (t.from && facts.now < *t.from) return false;
  if (t.until && facts.now >= *t.until) return false;
  if (!t.prompt_pattern.empty()) {
    if (!facts.prompt) return false;
    if (!std::regex_search(*facts.prompt, std::regex(t.prompt_pattern))) return false;
  }
  return true;
}

}  // namespace

void FaultEngine::install(Scenario scenario) {
  const std::string name = scenario.name;
  Active active;
  active.rules.resize(scenario.rules.size());
  active.scenario = std::move(scenario);
  active.installed = true;
  active.order = next_order_++;
  scenarios_[name] = std::move(active);
}

bool FaultEngine::remove(const std::string& name) {
  const auto it = scenarios_.find(name);
  if (it == scenarios_.end() || !it->second.installed) return false;
  scenarios_.erase(it);
  return true;
}

std::vector<const Scenario*> FaultEngine::installed() const {
  std::vector<const Active*> ordered;
  for (const auto& [name, active] : scenarios_) {
    if (active.installed) ordered.push_back(&active);
  }
  std::sort(ordered.begin(), ordered.end(), [](const Active* a, const Active* b) { return a->order < b->order; });
  std::vector<const Scenario*> out;
  for (const Active* active : ordered) out.push_back(&active->scenario);
  return out;
}

bool FaultEngine::any_installed() const {
  return std::any_of(scenarios_.begin(), scenarios_.end(), [](const auto& entry) { return entry.second.installed; });
}

void FaultEngine::reset_counters() {
  for (auto& [name, active] : scenarios_) {
    for (RuleState& rule : active.rules) rule = RuleState{};
  }
}

FaultEngine::Active* FaultEngine::find_or_load(const std::string& name) {
  if (const auto it = scenarios_.find(name); it != scenarios_.end()) return &it->second;
  auto scenario = catalog_scenario(name);
  if (!scenario) return nullptr;
  Active active;  // named by a header only: kept (with its counters) but not installed
  active.rules.resize(scenario->rules.size());
  active.scenario = std::move(*scenario);
  active.order = next_order_++;
  return &scenarios_.emplace(name, std::move(active)).first->second;
}

/// Installed scenarios in installation order, then the header's (not already installed) in header order.
std::vector<FaultEngine::Active*> FaultEngine::applicable(const RequestFacts& facts, std::vector<std::string>& notes) {
  std::vector<Active*> out;
  for (auto& [name, active] : scenarios_) {
    if (active.installed) out.push_back(&active);
  }
  std::sort(out.begin(), out.end(), [](const Active* a, const Active* b) { return a->order < b->order; });
  for (const std::string& name : facts.header_scenarios) {
    Active* active = find_or_load(name);
    if (active == nullptr) {
      notes.push_back("scenario header: no scenario named " + name);
    } else if (std::find(out.begin(), out.end(), active) == out.end()) {
      out.push_back(active);
    }
  }
  return out;
}

/// Counts the request for the rule when its filters let it through, then decides whether the rule fires.
bool FaultEngine::fires(Active& active, std::size_t index, const RequestFacts& facts) {
  const ScenarioRule& rule = active.scenario.rules.at(index);
  RuleState& state = active.rules.at(index);
  const Trigger& t = rule.trigger;
  if (!filters_pass(t, facts)) return false;
  const std::uint64_t n = ++state.matched;
  if (t.nth != 0 && n != t.nth) return false;
  if (t.every != 0 && n % t.every != 0) return false;
  if (n <= t.after) return false;
  if (t.times != 0 && state.fired >= t.times) return false;
  if (t.probability) {
    const std::uint64_t stream = hash_text(active.scenario.name + "/" + rule.name, seed_);
    if (!(Random(hash_combine(stream, n)).uniform() < *t.probability)) return false;
  }
  ++state.fired;
  return true;
}

FaultDecision FaultEngine::before(const RequestFacts& facts, ProviderContext* context, std::vector<std::string>& notes) {
  facts_ = &facts;
  context_ = context;
  notes_ = &notes;
  FaultDecision decision;
  for (Active* active : applicable(facts, notes)) {
    for (std::size_t i = 0; i < active->scenario.rules.size(); ++i) {
      const EffectType type = active->scenario.rules[i].effect.type;
      if (type == EffectType::fate) continue;  // counted per job, in decide_fate
      const bool answers = type == EffectType::error || type == EffectType::rate_limit;
      if (answers && decision.answer) continue;  // the first injected answer wins; later ones are not counted
      if (!fires(*active, i, facts)) continue;
      apply(Firing{active, i}, facts, decision);
    }
  }
  return decision;
}

void FaultEngine::decide_fate(const JobSpec& spec, JobFate& fate) {
  if (facts_ == nullptr || notes_ == nullptr) return;
  RequestFacts job_facts = *facts_;
  job_facts.model = spec.model;
  job_facts.prompt = spec.prompt;
  if (!spec.api_key.empty()) job_facts.api_key = spec.api_key;
  std::vector<std::string> ignored;
  for (Active* active : applicable(job_facts, ignored)) {
    for (std::size_t i = 0; i < active->scenario.rules.size(); ++i) {
      const Effect& effect = active->scenario.rules[i].effect;
      if (effect.type != EffectType::fate || !fires(*active, i, job_facts)) continue;
      const Firing firing{active, i};
      if (!effect.fail_kind.empty()) {
        fate.succeeds = false;
        fate.failure_kind = effect.fail_kind;
        fate.failure_message = effect.fail_message;
        fate.fail_at_fraction = effect.fail_at_fraction;
      }
      if (effect.stall.count() > 0) fate.queue_stall += effect.stall;
      if (effect.run_time.count() >= 0) fate.run_time_override = effect.run_time;
      if (effect.missing_results > 0 && spec.count > 1) fate.results = std::max(1, spec.count - effect.missing_results);
      if (effect.lose_after.count() >= 0) fate.lost_after = effect.lose_after;
      if (effect.files_expire_after.count() >= 0) fate.files_expire_after = effect.files_expire_after;
      std::string text = "fate";
      if (!effect.fail_kind.empty()) text += " fails " + effect.fail_kind;
      if (effect.stall.count() > 0) text += " stalls " + std::to_string(effect.stall.count()) + " ms";
      if (effect.missing_results > 0) {
        text += spec.count > 1 ? " results " + std::to_string(fate.results) + " of " + std::to_string(spec.count)
                               : " missing_results skipped (batch of 1)";
      }
      if (effect.lose_after.count() >= 0) text += " lost after " + std::to_string(effect.lose_after.count()) + " ms";
      if (effect.files_expire_after.count() >= 0) {
        text += " files expire after " + std::to_string(effect.files_expire_after.count()) + " ms";
      }
      if (effect.run_time.count() >= 0) text += " runs " + std::to_string(effect.run_time.count()) + " ms";
      note(firing, text);
    }
  }
}

void FaultEngine::note(const Firing& firing, const std::string& text) {
  if (notes_ == nullptr) return;
  notes_->push_back("scenario " + firing.active->scenario.name + " rule " +
                    firing.active->scenario.rules.at(firing.index).name + ": " + text);
}

}  // namespace nanosim::core
