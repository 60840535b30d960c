// The fault engine: scenarios installed, triggers counted and evaluated. Effects are in effects.cpp.
#include "faults.hpp"

#include <algorithm>

#include "../provider.hpp"
#include "../random.hpp"
#include "answers.hpp"

namespace nanosim::core {
namespace {

bool listed(const std::vector<std::string>& allowed, const std::string& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

bool header_matches(const HeaderMatch& match, const RequestFacts& facts) {
  if (facts.request == nullptr) return false;
  const auto [first, last] = facts.request->headers.equal_range(match.name);
  return std::any_of(first, last, [&](const auto& header) { return match.value.search(header.second); });
}

bool body_matches(const BodyMatch& match, const RequestFacts& facts) {
  if (facts.body == nullptr) return false;
  const json* value = at_pointer(*facts.body, match.pointer);
  if (value == nullptr) return false;
  if (match.equals) return *value == *match.equals;
  return value->is_string() && match.matches.search(value->get_ref<const std::string&>());
}

/// The filters of a trigger (what it is about), before any counting.
bool filters_pass(const Trigger& t, const RequestFacts& facts) {
  if (!listed(t.providers, facts.provider) || !listed(t.operations, facts.operation) ||
      !listed(t.models, facts.model) || !listed(t.api_keys, facts.api_key) || !listed(t.methods, facts.method)) {
    return false;
  }
  if (t.from && facts.now < *t.from) return false;
  if (t.until && facts.now >= *t.until) return false;
  if (!t.prompt_pattern.empty() && (!facts.prompt || !t.prompt_pattern.search(*facts.prompt))) return false;
  if (!t.path.empty() && !t.path.search(facts.path)) return false;
  const auto header_ok = [&](const HeaderMatch& m) { return header_matches(m, facts); };
  const auto body_ok = [&](const BodyMatch& m) { return body_matches(m, facts); };
  return std::all_of(t.headers.begin(), t.headers.end(), header_ok) &&
         std::all_of(t.body.begin(), t.body.end(), body_ok);
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
      notes.push_back("scenario header: no scenario named " + name);  // (refused by before(); not reached)
    } else if (std::find(out.begin(), out.end(), active) == out.end()) {
      out.push_back(active);
    }
  }
  return out;
}

std::optional<HttpResponse> FaultEngine::refuse_unknown(const RequestFacts& facts) const {
  if (facts.header_scenarios.empty()) return std::nullopt;
  const std::vector<std::string> catalog = scenario_catalog();
  json unknown = json::array();
  for (const std::string& name : facts.header_scenarios) {
    const auto loaded = scenarios_.find(name);
    const bool in_catalog = std::binary_search(catalog.begin(), catalog.end(), name);
    if ((loaded == scenarios_.end() || !loaded->second.installed) && !in_catalog) unknown.push_back(name);
  }
  if (unknown.empty()) return std::nullopt;
  std::vector<std::string> known = catalog;
  for (const auto& [name, active] : scenarios_) {
    if (active.installed && !std::binary_search(catalog.begin(), catalog.end(), name)) known.push_back(name);
  }
  std::sort(known.begin(), known.end());
  std::string list;
  for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
  std::string names;
  for (const json& name : unknown) names += (names.empty() ? "" : ", ") + name.get<std::string>();
  const std::string message = std::string(scenario_header) + ": no scenario named " + names +
                              " (installed or in the catalog: " + list + ")";
  return json_response(400, {{"error",
                              {{"code", "unknown_scenario"},
                               {"message", message},
                               {"header", scenario_header},
                               {"unknown", unknown},
                               {"known", known}}}});
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
  decision.notes = &notes;
  if (auto refusal = refuse_unknown(facts)) {  // before any rule counts the request: nothing changes
    std::string unknown;
    const json error = json::parse(refusal->body).at("error");
    for (const json& name : error.at("unknown")) {
      unknown += (unknown.empty() ? "" : ", ") + name.get<std::string>();
    }
    notes.push_back(std::string(scenario_header) + " refused: no scenario named " + unknown);
    decision.answer = std::move(refusal);
    decision.hand_made = true;
    return decision;
  }
  for (Active* active : applicable(facts, notes)) {
    for (std::size_t i = 0; i < active->scenario.rules.size(); ++i) {
      const EffectType type = active->scenario.rules[i].effect.type;
      if (type == EffectType::fate) continue;  // counted per job, in decide_fate
      const bool answers = type == EffectType::error || type == EffectType::rate_limit || type == EffectType::respond;
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

std::optional<std::string> fired_rule(const std::string& note) {
  // "scenario NAME rule RULE: ...", as note() writes it (names have no spaces: the scenario format's pattern).
  if (note.rfind("scenario ", 0) != 0) return std::nullopt;
  const std::size_t rule = note.find(" rule ", 9);
  const std::size_t colon = rule == std::string::npos ? rule : note.find(": ", rule + 6);
  if (colon == std::string::npos) return std::nullopt;
  return note.substr(9, rule - 9) + "/" + note.substr(rule + 6, colon - rule - 6);
}

void FaultEngine::note(const Firing& firing, const std::string& text) {
  if (notes_ == nullptr) return;
  notes_->push_back("scenario " + firing.active->scenario.name + " rule " +
                    firing.active->scenario.rules.at(firing.index).name + ": " + text);
}

}  // namespace nanosim::core
