// The effects of scenario rules: injected errors, rate-limit windows, latency, background load, wire faults.
#include <algorithm>
#include <cmath>

#include "faults.hpp"
#include "../provider.hpp"
#include "../random.hpp"
#include "answers.hpp"

namespace nanosim::core {
namespace {

/// The catalog kind a pseudo-kind names ("@auth.invalid" -> the contract's auth.invalid kind).
std::string resolve_kind(const contracts::Contract& contract, const std::string& kind) {
  if (kind.rfind("@auth.", 0) != 0) return kind;
  const json& auth = contract.document().at("auth");
  const std::string which = kind.substr(6);
  return auth.contains(which) && auth.at(which).is_string() ? auth.at(which).get<std::string>() : std::string();
}

/// True when the operation may answer with the kind (its "errors" list, when it has one).
bool operation_allows(const contracts::Contract& contract, const std::string& operation, const std::string& kind) {
  if (!contract.has_error(kind)) return false;
  if (operation.empty() || operation == "file") return true;
  const json& raw = contract.operation(operation).raw;
  if (!raw.contains("errors")) return true;
  const json& errors = raw.at("errors");
  return std::find(errors.begin(), errors.end(), kind) != errors.end();
}

std::optional<std::string> first_allowed(const contracts::Contract& contract, const std::string& operation,
                                         const std::vector<std::string>& kinds) {
  for (const std::string& wanted : kinds) {
    const std::string kind = resolve_kind(contract, wanted);
    if (!kind.empty() && operation_allows(contract, operation, kind)) return kind;
  }
  return std::nullopt;
}

std::map<std::string, std::string> error_vars(const RequestFacts& facts, std::int64_t retry_after_s,
                                              const std::string& message) {
  return {{"retry_after_s", std::to_string(retry_after_s)},
          {"retry_after_ms", std::to_string(retry_after_s * 1000)},
          {"model", facts.model},
          {"message", message},
          {"field", ""},
          {"rule", ""}};
}

}  // namespace

void FaultEngine::apply(const Firing& firing, const RequestFacts& facts, FaultDecision& decision) {
  const Effect& effect = firing.active->scenario.rules.at(firing.index).effect;
  switch (effect.type) {
    case EffectType::error: apply_error(firing, facts, decision); break;
    case EffectType::rate_limit: apply_rate_limit(firing, facts, decision); break;
    case EffectType::latency: {
      const Millis drawn = draw_latency(firing);
      decision.latency += drawn;
      note(firing, "latency " + std::to_string(drawn.count()) + " ms");
      break;
    }
    case EffectType::fault:
      decision.fault = effect.fault;
      decision.trickle_interval = effect.trickle_interval;
      note(firing, "fault " + effect.fault);
      break;
    case EffectType::background_jobs: apply_background(firing, facts); break;
    case EffectType::credits: apply_credits(firing, facts); break;
    case EffectType::respond: apply_respond(firing, facts, decision); break;
    case EffectType::patch_response: {
      const Scenario& scenario = firing.active->scenario;
      decision.patches.push_back({"scenario " + scenario.name + " rule " + scenario.rules.at(firing.index).name,
                                  rendered(effect.patch, facts)});
      break;  // noted by after(), with what it changed
    }
    case EffectType::fate: break;
  }
}

// An answer made by hand: the adapter does not run.
void FaultEngine::apply_respond(const Firing& firing, const RequestFacts& facts, FaultDecision& decision) {
  const HandMadeAnswer& answer = firing.active->scenario.rules.at(firing.index).effect.respond;
  decision.answer = hand_made_answer(answer, facts);
  decision.hand_made = true;
  note(firing, "respond HTTP " + std::to_string(answer.status) + " (" + std::to_string(decision.answer->body.size()) +
                   " bytes)");
}

// Sets the requesting key's balance in the credit ledger (providers that charge credits then refuse what it cannot
// pay); a request without an accepted key has no balance to set.
void FaultEngine::apply_credits(const Firing& firing, const RequestFacts& facts) {
  const std::int64_t balance = firing.active->scenario.rules.at(firing.index).effect.credits_balance;
  if (context_ == nullptr || facts.api_key.empty()) {
    note(firing, "credits balance " + std::to_string(balance) + " skipped (no API key)");
    return;
  }
  context_->credits().set_balance(facts.api_key, balance);
  note(firing, "credits balance of " + facts.api_key + " set to " + std::to_string(balance));
}

void FaultEngine::apply_error(const Firing& firing, const RequestFacts& facts, FaultDecision& decision) {
  const Effect& effect = firing.active->scenario.rules.at(firing.index).effect;
  if (context_ == nullptr) return;
  const auto kind = first_allowed(context_->contract(), facts.operation, effect.error_kinds);
  if (!kind) {
    note(firing, "error skipped: " + facts.provider + " " + facts.operation + " has none of the kinds");
    return;
  }
  const std::int64_t retry_after_s = effect.retry_after_s.value_or(1);
  const std::string message =
      effect.message.empty() ? "Injected by nanosim scenario " + firing.active->scenario.name : effect.message;
  decision.answer = context_->error(*kind, error_vars(facts, retry_after_s, message));
  note(firing, "error " + *kind + " (HTTP " + std::to_string(decision.answer->status) + ")");
}

// A fixed window of simulated time aligned on multiples of window_ms, counted per key (or for everyone).
// Requests turned away do not count.
void FaultEngine::apply_rate_limit(const Firing& firing, const RequestFacts& facts, FaultDecision& decision) {
  const Effect& effect = firing.active->scenario.rules.at(firing.index).effect;
  RuleState& state = firing.active->rules.at(firing.index);
  const std::int64_t window = facts.now.count() / effect.window.count();
  auto& [index, count] = state.windows[effect.per_key ? facts.api_key : std::string("*")];
  if (index != window) {
    index = window;
    count = 0;
  }
  if (count < effect.limit) {
    ++count;
    return;
  }
  const std::int64_t window_end = (window + 1) * effect.window.count();
  const std::int64_t wait_ms = window_end - facts.now.count();
  const std::int64_t retry_after_s = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
  if (context_ == nullptr || !operation_allows(context_->contract(), facts.operation, "rate_limited")) {
    note(firing, "rate limit exceeded, skipped: " + facts.provider + " " + facts.operation + " has no rate_limited");
    return;
  }
  auto vars = error_vars(facts, retry_after_s, "Rate limit exceeded");
  vars["ratelimit_limit"] = std::to_string(effect.limit);
  vars["ratelimit_remaining"] = "0";
  vars["ratelimit_reset_s"] = std::to_string(retry_after_s);
  vars["ratelimit_reset_ms"] = std::to_string(wait_ms);
  decision.answer = context_->error("rate_limited", vars);
  note(firing, "rate limit " + std::to_string(effect.limit) + " per " + std::to_string(effect.window.count()) +
                   " ms exceeded, retry after " + std::to_string(retry_after_s) + " s");
}

// Jobs of other tenants, queued in the provider's pool ahead of whatever comes next.
void FaultEngine::apply_background(const Firing& firing, const RequestFacts& facts) {
  const Effect& effect = firing.active->scenario.rules.at(firing.index).effect;
  if (context_ == nullptr) return;
  const contracts::Contract& contract = context_->contract();
  std::string model_id = facts.model;
  if (contract.model(model_id) == nullptr) {
    const auto ids = contract.model_ids();
    if (ids.empty()) return;
    model_id = ids.front();
  }
  const json& ids = contract.document().at("ids").at("job");
  for (int i = 0; i < effect.background_count; ++i) {
    JobSpec spec;
    spec.provider = contract.id();
    spec.model = model_id;
    spec.upstream_model = contract.model(model_id)->at("upstream").get<std::string>();
    spec.prompt = "background job of another tenant";
    spec.api_key = "nanosim-tenant-" + std::to_string(i % 7 + 1);
    context_->engine().submit(std::move(spec), JobFate{}, effect.background_run_time, Millis{0},
                              ids.at("prefix").get<std::string>(), ids.at("length").get<std::size_t>());
  }
  note(firing, "background " + std::to_string(effect.background_count) + " jobs of other tenants queued");
}

Millis FaultEngine::draw_latency(const Firing& firing) const {
  const ScenarioRule& rule = firing.active->scenario.rules.at(firing.index);
  const Effect& effect = rule.effect;
  if (effect.latency_fixed.count() >= 0) return effect.latency_fixed;
  const std::uint64_t stream = hash_text(firing.active->scenario.name + "/" + rule.name + "/latency", seed_);
  Random random(hash_combine(stream, firing.active->rules.at(firing.index).matched));
  if (effect.latency_median_ms > 0) {
    const double drawn = std::clamp(random.lognormal(effect.latency_median_ms, effect.latency_sigma), 0.0, 8.64e7);
    return Millis{static_cast<std::int64_t>(std::round(drawn))};
  }
  const auto span = static_cast<std::uint64_t>((effect.latency_max - effect.latency_min).count());
  return effect.latency_min + Millis{static_cast<std::int64_t>(random.below(span + 1))};
}

void FaultEngine::after(const FaultDecision& decision, HttpResponse& response, ExchangeInfo& info, bool real_clock) {
  end_request();
  if (decision.hand_made || !decision.patches.empty()) info.scenario_answer = true;
  for (const FaultDecision::Patch& patch : decision.patches) {
    const std::string done = apply_patch(patch.patch, response);
    if (decision.notes != nullptr) decision.notes->push_back(patch.label + ": patch_response " + done);
  }
  if (real_clock && decision.latency.count() > 0) response.delay_ms = static_cast<int>(decision.latency.count());
  const std::string& fault = decision.fault;
  if (fault.empty()) return;
  if (fault == "slow_body") {
    response.fault = ConnectionFault::slow_body;
    response.trickle_interval_ms = static_cast<int>(decision.trickle_interval.count());
    return;  // the body arrives whole, only slowly: still on contract
  }
  info.wire_fault = fault;
  if (fault == "reset_before_response") {
    response.fault = ConnectionFault::reset_before_response;
  } else if (fault == "close_mid_body") {
    response.fault = ConnectionFault::close_mid_body;
  } else if (fault == "truncated_json") {
    response.body.resize(response.body.size() / 2);
  } else if (fault == "malformed_json") {
    // A serializer bug: a trailing comma before the closing brace.
    if (!response.body.empty() && response.body.back() == '}') response.body.pop_back();
    response.body += ",}";
  }
}

}  // namespace nanosim::core
