// Scenario documents: checked against scenario.schema.json, then turned into rules. The catalog is embedded.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/json_limits.hpp"
#include "nanosim/scenario.hpp"
#include "../provider.hpp"
#include "answers.hpp"

namespace nanosim {
namespace core::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& scenario_files();
}  // namespace core::embedded

namespace {

using nlohmann::json;

json embedded_json(std::string_view name) {
  for (const auto& [path, text] : core::embedded::scenario_files()) {
    if (path == name) return json::parse(text);
  }
  throw ScenarioError("no embedded scenario file " + std::string(name));
}

const contracts::Schema& format() {
  static const contracts::Schema schema(scenario_format_schema(), "scenario.schema.json");
  return schema;
}

std::vector<std::string> names(const json& object, const char* key) {
  if (!object.contains(key)) return {};
  const json& value = object.at(key);
  if (value.is_string()) return {value.get<std::string>()};
  return value.get<std::vector<std::string>>();
}

Millis ms(const json& object, const char* key, Millis fallback) {
  return object.contains(key) ? Millis{object.at(key).get<std::int64_t>()} : fallback;
}

/// The value of `key` as a list: absent = none, an array = its items, anything else = itself.
std::vector<const json*> one_or_many(const json& object, const char* key) {
  std::vector<const json*> out;
  if (!object.contains(key)) return out;
  const json& value = object.at(key);
  if (!value.is_array()) return {&value};
  for (const json& item : value) out.push_back(&item);
  return out;
}

/// "<where>.when.header" or "<where>.when.header[1]" for the i-th of a list.
std::string item_field(const json& object, const char* key, std::size_t i, const std::string& prefix) {
  return prefix + key + (object.at(key).is_array() ? "[" + std::to_string(i) + "]" : std::string());
}

Pattern pattern(const json& object, const char* key, const std::string& field) {
  return object.contains(key) ? Pattern::compile(object.at(key).get<std::string>(), field) : Pattern();
}

std::vector<HeaderMatch> header_matches(const json& when, const std::string& prefix) {
  std::vector<HeaderMatch> out;
  const auto items = one_or_many(when, "header");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string field = item_field(when, "header", i, prefix);
    out.push_back({items[i]->at("name").get<std::string>(), pattern(*items[i], "matches", field + ".matches")});
  }
  return out;
}

std::vector<BodyMatch> body_matches(const json& when, const std::string& prefix) {
  std::vector<BodyMatch> out;
  const auto items = one_or_many(when, "body");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json& item = *items[i];
    const std::string field = item_field(when, "body", i, prefix);
    BodyMatch match;
    match.pointer = core::checked_pointer(item.at("pointer").get<std::string>(), field + ".pointer");
    if (item.contains("equals") == item.contains("matches")) {
      throw ScenarioError(field + ": needs exactly one of equals and matches");
    }
    if (item.contains("equals")) match.equals = item.at("equals");
    match.matches = pattern(item, "matches", field + ".matches");
    out.push_back(std::move(match));
  }
  return out;
}

Trigger parse_trigger(const json& when, const std::string& where) {
  Trigger t;
  const std::string prefix = where + ".when.";
  t.providers = names(when, "provider");
  t.operations = names(when, "operation");
  t.models = names(when, "model");
  t.api_keys = names(when, "api_key");
  t.methods = names(when, "method");
  t.prompt_pattern = pattern(when, "prompt_matches", prefix + "prompt_matches");
  t.path = pattern(when, "path", prefix + "path");
  t.headers = header_matches(when, prefix);
  t.body = body_matches(when, prefix);
  if (when.contains("from_ms")) t.from = ms(when, "from_ms", {});
  if (when.contains("until_ms")) t.until = ms(when, "until_ms", {});
  if (t.from && t.until && *t.until <= *t.from) throw ScenarioError(where + ".when.until_ms: must be after from_ms");
  t.nth = when.value("nth", std::uint64_t{0});
  t.every = when.value("every", std::uint64_t{0});
  t.after = when.value("after", std::uint64_t{0});
  t.times = when.value("times", std::uint64_t{0});
  if (when.contains("probability")) t.probability = when.at("probability").get<double>();
  return t;
}

void parse_latency(const json& e, Effect& effect, const std::string& where) {
  effect.type = EffectType::latency;
  if (e.contains("ms")) {
    effect.latency_fixed = ms(e, "ms", {});
  } else if (e.contains("min_ms") || e.contains("max_ms")) {
    effect.latency_min = ms(e, "min_ms", Millis{0});
    effect.latency_max = ms(e, "max_ms", effect.latency_min);
    if (effect.latency_max < effect.latency_min) throw ScenarioError(where + ".effect.latency.max_ms: is below min_ms");
  } else if (e.contains("median_ms")) {
    effect.latency_median_ms = static_cast<double>(e.at("median_ms").get<std::int64_t>());
    effect.latency_sigma = e.value("sigma", 0.5);
  } else {
    throw ScenarioError(where + ".effect.latency: needs ms, min_ms/max_ms or median_ms");
  }
}

void parse_fate(const json& e, Effect& effect) {
  effect.type = EffectType::fate;
  effect.fail_kind = e.value("fail", "");
  effect.fail_message = e.value("message", "");
  effect.fail_at_fraction = e.value("at_fraction", 0.5);
  effect.stall = ms(e, "stall_ms", Millis{0});
  effect.run_time = ms(e, "run_ms", Millis{-1});
  effect.missing_results = e.value("missing_results", 0);
  effect.lose_after = ms(e, "lose_after_ms", Millis{-1});
  effect.files_expire_after = ms(e, "files_expire_after_ms", Millis{-1});
}

Effect parse_effect(const json& e, const std::string& where) {
  Effect effect;
  const auto first = e.begin();  // (a structured binding of *e.items().begin() would dangle)
  const std::string key = first.key();
  const json& body = first.value();
  if (key == "error") {
    effect.type = EffectType::error;
    effect.error_kinds = names(body, "kind");
    effect.message = body.value("message", "");
    if (body.contains("retry_after_s")) effect.retry_after_s = body.at("retry_after_s").get<std::int64_t>();
  } else if (key == "rate_limit") {
    effect.type = EffectType::rate_limit;
    effect.limit = body.at("limit").get<std::int64_t>();
    effect.window = ms(body, "window_ms", Millis{1000});
    effect.per_key = body.value("per", "key") == "key";
  } else if (key == "latency") {
    parse_latency(body, effect, where);
  } else if (key == "fault") {
    effect.type = EffectType::fault;
    effect.fault = body.at("kind").get<std::string>();
    effect.trickle_interval = ms(body, "trickle_interval_ms", Millis{200});
  } else if (key == "fate") {
    parse_fate(body, effect);
  } else if (key == "background_jobs") {
    effect.type = EffectType::background_jobs;
    effect.background_count = body.at("count").get<int>();
    effect.background_run_time = ms(body, "run_ms", Millis{10'000});
  } else if (key == "respond") {
    effect.type = EffectType::respond;
    effect.respond = core::parse_respond(body, where + ".effect.respond");
  } else if (key == "patch_response") {
    effect.type = EffectType::patch_response;
    effect.patch = core::parse_patch(body, where + ".effect.patch_response");
  } else {
    effect.type = EffectType::credits;
    effect.credits_balance = body.at("balance").get<std::int64_t>();
  }
  return effect;
}

/// "rules[2] (stall)" for a message naming the field.
std::string rule_label(const json& document, const std::string& field) {
  static constexpr std::string_view prefix = "rules[";
  if (field.rfind(prefix, 0) != 0) return field;
  const std::size_t close = field.find(']', prefix.size());
  if (close == std::string::npos || close == prefix.size()) return field;
  const std::string digits = field.substr(prefix.size(), close - prefix.size());
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return field;
  const std::size_t i = std::stoul(digits);
  const json& rules = document.at("rules");
  // The document broke the schema, so nothing in it has its declared type: a rule's name is read only if it is text.
  std::string name;
  if (i < rules.size() && rules.at(i).is_object()) {
    const auto it = rules.at(i).find("name");
    if (it != rules.at(i).end() && it->is_string()) name = it->get<std::string>();
  }
  return "rules[" + digits + "]" + (name.empty() ? "" : " (" + name + ")") + field.substr(close + 1);
}

/// Deepest nesting of a JSON value, measured without recursion.
int value_depth(const json& root) {
  int deepest = 0;
  std::vector<std::pair<const json*, int>> stack{{&root, 1}};
  while (!stack.empty()) {
    const auto [value, depth] = stack.back();
    stack.pop_back();
    if (!value->is_structured()) continue;
    deepest = std::max(deepest, depth);
    if (deepest > max_scenario_depth) return deepest;
    for (const json& item : *value) stack.emplace_back(&item, depth + 1);
  }
  return deepest;
}

}  // namespace

const json& scenario_format_schema() {
  static const json schema = embedded_json("scenario.schema.json");
  return schema;
}

Scenario parse_scenario(const json& document) {
  // Before any recursive code (the schema walk) sees it.
  if (value_depth(document) > max_scenario_depth) {
    throw ScenarioError("scenario: must nest at most " + std::to_string(max_scenario_depth) + " levels deep");
  }
  const auto violations = format().validate(document);
  if (!violations.empty()) {
    const auto& v = violations.front();
    const std::string name = document.is_object() && document.contains("name") && document.at("name").is_string()
                                 ? "scenario " + document.at("name").get<std::string>() + ": "
                                 : "scenario: ";
    const std::string where = v.field.empty() ? std::string() : rule_label(document, v.field) + ": ";
    std::string message = v.message;
    if (!v.field.empty() && message.rfind(v.field + ": ", 0) == 0) message.erase(0, v.field.size() + 2);
    throw ScenarioError(name + where + message);
  }
  Scenario scenario;
  scenario.name = document.at("name").get<std::string>();
  scenario.description = document.value("description", "");
  scenario.document = document;
  const json& rules = document.at("rules");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const json& rule = rules.at(i);
    ScenarioRule parsed;
    parsed.name = rule.at("name").get<std::string>();
    const std::string where = "scenario " + scenario.name + ": rules[" + std::to_string(i) + "] (" + parsed.name + ")";
    const bool duplicate = std::any_of(scenario.rules.begin(), scenario.rules.end(),
                                       [&](const ScenarioRule& r) { return r.name == parsed.name; });
    if (duplicate) throw ScenarioError(where + ".name: repeats an earlier rule's name");
    parsed.trigger = parse_trigger(rule.value("when", json::object()), where);
    parsed.effect = parse_effect(rule.at("effect"), where);
    scenario.rules.push_back(std::move(parsed));
  }
  return scenario;
}

void check_scenario_text(std::string_view text) {
  // The one JSON gate (nanosim/json_limits.hpp), with the scenario format's own limits.
  if (const auto refusal = check_json_limits(text, JsonLimits{max_scenario_bytes, max_scenario_depth}, "scenario")) {
    throw ScenarioError(refusal->message);
  }
}

Scenario parse_scenario_text(const std::string& text) {
  check_scenario_text(text);
  const json document = json::parse(text, nullptr, false);
  if (document.is_discarded()) throw ScenarioError("scenario: is not valid JSON");
  return parse_scenario(document);
}

std::vector<std::string> scenario_catalog() {
  std::vector<std::string> out;
  for (const auto& [path, text] : core::embedded::scenario_files()) {
    if (path == "scenario.schema.json") continue;
    out.emplace_back(path.substr(0, path.size() - 5));  // drop ".json"
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Scenario> catalog_scenario(const std::string& name) {
  if (name == "scenario.schema") return std::nullopt;
  for (const auto& [path, text] : core::embedded::scenario_files()) {
    if (path == name + ".json") return parse_scenario_text(std::string(text));
  }
  return std::nullopt;
}

Scenario load_scenario(const std::string& file_or_name) {
  const bool is_path = file_or_name.find('/') != std::string::npos ||
                       (file_or_name.size() > 5 && file_or_name.compare(file_or_name.size() - 5, 5, ".json") == 0);
  if (!is_path) {
    if (auto scenario = catalog_scenario(file_or_name)) return *scenario;
    std::string known;
    for (const auto& name : scenario_catalog()) known += (known.empty() ? "" : ", ") + name;
    throw ScenarioError("no scenario named " + file_or_name + " in the catalog (" + known + ")");
  }
  std::error_code size_error;
  const auto size = std::filesystem::file_size(file_or_name, size_error);
  if (!size_error && size > max_scenario_bytes) {
    throw ScenarioError(file_or_name + ": scenario: must be at most " + std::to_string(max_scenario_bytes) + " bytes");
  }
  std::ifstream in(file_or_name, std::ios::binary);
  if (!in) throw ScenarioError("cannot read scenario file " + file_or_name);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_scenario_text(text.str());
  } catch (const ScenarioError& e) {
    throw ScenarioError(file_or_name + ": " + e.what());
  }
}

}  // namespace nanosim
