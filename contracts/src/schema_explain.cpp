// Explains valijson's errors as Violations (see schema_explain.hpp). Invariant: every limit or allowed value
// quoted in a message is read from the schema node that failed, never from a table in C++.
#include "schema_explain.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <regex>
#include <set>
#include <string_view>
#include <tuple>

namespace nanosim::contracts::detail {
namespace {

constexpr int kMaxSchemaDepth = 32;  // bounds $ref chains and combinator nesting while explaining

/// valijson 1.0's error descriptions, by prefix, and the keyword each one reports. Order matters: a longer
/// prefix comes before a shorter one that starts it. An empty keyword marks a redundant parent error.
struct DescriptionRule {
  std::string_view prefix;
  std::string_view keyword;
};
constexpr std::array kDescriptionRules{
    DescriptionRule{"Failed to validate against schema associated with property name", ""},
    DescriptionRule{"Failed to validate against schema associated with pattern", ""},
    DescriptionRule{"Failed to validate item #", ""},
    DescriptionRule{"Failed to validate against additional properties schema", ""},
    DescriptionRule{"Failed to validate against child schema #", ""},
    DescriptionRule{"Failed to validate against dependent schema", ""},
    DescriptionRule{"Object contains a property that could not be validated", "additionalProperties"},
    DescriptionRule{"Missing required property", "required"},
    DescriptionRule{"Missing dependency", "dependencies"},
    DescriptionRule{"Value type not permitted", "type"},
    DescriptionRule{"Failed to match against any enum values", "enum"},
    DescriptionRule{"Failed to match expected value set by 'const'", "const"},
    DescriptionRule{"Failed to any values against subschema in 'contains'", "contains"},
    DescriptionRule{"String should be no more than", "maxLength"},
    DescriptionRule{"String should be no fewer than", "minLength"},
    DescriptionRule{"String should be a valid", "format"},
    DescriptionRule{"Array should contain no more than", "maxItems"},
    DescriptionRule{"Array should contain no fewer than", "minItems"},
    DescriptionRule{"Array contains more items than allowed", "additionalItems"},
    DescriptionRule{"Cannot validate item #", "additionalItems"},
    DescriptionRule{"Object should have no more than", "maxProperties"},
    DescriptionRule{"Object should have no fewer than", "minProperties"},
    DescriptionRule{"Expected number less than or equal to", "maximum"},
    DescriptionRule{"Expected number less than", "exclusiveMaximum"},
    DescriptionRule{"Expected number greater than or equal to", "minimum"},
    DescriptionRule{"Expected number greater than", "exclusiveMinimum"},
    DescriptionRule{"Value should be a multiple of", "multipleOf"},
    DescriptionRule{"Failed to match regex specified by 'pattern'", "pattern"},
    DescriptionRule{"Elements at indexes", "uniqueItems"},
    DescriptionRule{"Failed to validate against any child schemas allowed by oneOf", "oneOf"},
    DescriptionRule{"Failed to validate against exactly one child schema", "oneOf"},
    DescriptionRule{"Failed to validate against any schemas allowed by anyOf", "anyOf"},
    DescriptionRule{"Target should not validate against schema specified in 'not'", "not"},
    DescriptionRule{"Failed to validate against a conditional schema", "if"},
};

bool is_summary_keyword(std::string_view keyword) {
  return keyword == "oneOf" || keyword == "anyOf" || keyword == "not" || keyword == "if";
}

/// "schema" stands for an error valijson reports in words this table does not know.
std::string_view keyword_of(std::string_view description) {
  for (const auto& rule : kDescriptionRules) {
    if (description.substr(0, rule.prefix.size()) == rule.prefix) return rule.keyword;
  }
  return "schema";
}

/// A step from a node to one of its children.
struct Step {
  bool is_index = false;
  std::string key;
  std::size_t index = 0;
};
using Steps = std::vector<Step>;

/// valijson writes both keys and indices as "[x]"; the instance tells which one each is.
Steps to_steps(const std::vector<std::string>& context, const json& instance) {
  Steps steps;
  const json* node = &instance;
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view raw = context[i];
    if (raw.size() >= 2 && raw.front() == '[' && raw.back() == ']') raw = raw.substr(1, raw.size() - 2);
    Step step{false, std::string(raw), 0};
    if (node && node->is_array() && !raw.empty() && std::all_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      step.is_index = true;
      step.index = std::stoul(step.key);
      node = step.index < node->size() ? &node->at(step.index) : nullptr;
    } else {
      node = (node && node->is_object() && node->contains(step.key)) ? &node->at(step.key) : nullptr;
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

const json* instance_at(const json& instance, const Steps& steps) {
  const json* node = &instance;
  for (const auto& step : steps) {
    if (step.is_index && node->is_array() && step.index < node->size()) {
      node = &node->at(step.index);
    } else if (!step.is_index && node->is_object() && node->contains(step.key)) {
      node = &node->at(step.key);
    } else {
      return nullptr;
    }
  }
  return node;
}

std::string field_name(const Steps& steps) {
  std::string name;
  for (const auto& step : steps) {
    if (step.is_index) {
      name += "[" + std::to_string(step.index) + "]";
    } else {
      name += (name.empty() ? "" : ".") + step.key;
    }
  }
  return name;
}

std::string child_field(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

/// The schema nodes that apply to the instance node at a path: through properties, patternProperties,
/// additionalProperties, items and additionalItems, and into allOf/anyOf/oneOf/then/else branches.
class SchemaWalker {
 public:
  explicit SchemaWalker(const json& root) : root_(root) {}

  std::vector<const json*> at(const Steps& steps) const {
    std::vector<const json*> current;
    expand(root_, current, 0);
    for (const auto& step : steps) {
      std::vector<const json*> next;
      for (const json* node : current) descend(*node, step, next);
      current = std::move(next);
    }
    return current;
  }

 private:
  void expand(const json& raw, std::vector<const json*>& out, int depth) const {
    const json* node = resolve_ref(root_, raw);
    if (!node || !node->is_object() || depth > kMaxSchemaDepth) return;
    out.push_back(node);
    for (const char* combinator : {"allOf", "anyOf", "oneOf"}) {
      if (node->contains(combinator) && node->at(combinator).is_array()) {
        for (const auto& branch : node->at(combinator)) expand(branch, out, depth + 1);
      }
    }
    for (const char* branch : {"then", "else"}) {
      if (node->contains(branch)) expand(node->at(branch), out, depth + 1);
    }
  }

  void descend(const json& node, const Step& step, std::vector<const json*>& out) const {
    if (step.is_index) {
      if (!node.contains("items")) return;
      const json& items = node.at("items");
      if (items.is_object()) {
        expand(items, out, 0);
      } else if (items.is_array() && step.index < items.size()) {
        expand(items.at(step.index), out, 0);
      } else if (node.contains("additionalItems")) {
        expand(node.at("additionalItems"), out, 0);
      }
      return;
    }
    bool matched = false;
    if (node.contains("properties") && node.at("properties").contains(step.key)) {
      expand(node.at("properties").at(step.key), out, 0);
      matched = true;
    }
    if (node.contains("patternProperties") && node.at("patternProperties").is_object()) {
      for (const auto& [pattern, schema] : node.at("patternProperties").items()) {
        if (regex_matches(pattern, step.key)) {
          expand(schema, out, 0);
          matched = true;
        }
      }
    }
    if (!matched && node.contains("additionalProperties")) expand(node.at("additionalProperties"), out, 0);
  }

  const json& root_;
};

/// Whether the value is of this JSON Schema type name ("integer" included).
bool has_type(const std::string& type, const json& value) {
  if (type == "string") return value.is_string();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double number = value.get<double>();
    return std::isfinite(number) && std::trunc(number) == number;
  }
  return false;
}

/// Whether the value is of none of the types a "type" keyword allows (a name or a list of names).
bool breaks_type(const json& allowed, const json& value) {
  if (allowed.is_string()) return !has_type(allowed.get<std::string>(), value);
  if (!allowed.is_array()) return true;
  return std::none_of(allowed.begin(), allowed.end(),
                      [&](const json& type) { return type.is_string() && has_type(type.get<std::string>(), value); });
}

/// Whether the instance value breaks this keyword of this schema node, for the keywords with a limit;
/// used to pick, among several candidate nodes, the one that failed.
bool breaks(std::string_view keyword, const json& limit, const json* value) {
  if (!value) return true;
  if (keyword == "type") return breaks_type(limit, *value);
  if (keyword == "maxLength" && value->is_string()) return utf8_length(value->get<std::string>()) > limit;
  if (keyword == "minLength" && value->is_string()) return utf8_length(value->get<std::string>()) < limit;
  if (keyword == "maxItems" && value->is_array()) return value->size() > limit;
  if (keyword == "minItems" && value->is_array()) return value->size() < limit;
  if (keyword == "maxProperties" && value->is_object()) return value->size() > limit;
  if (keyword == "minProperties" && value->is_object()) return value->size() < limit;
  if (keyword == "maximum" && value->is_number()) return *value > limit;
  if (keyword == "minimum" && value->is_number()) return *value < limit;
  if (keyword == "exclusiveMaximum" && value->is_number()) return *value >= limit;
  if (keyword == "exclusiveMinimum" && value->is_number()) return *value <= limit;
  if (keyword == "enum" && limit.is_array()) return std::find(limit.begin(), limit.end(), *value) == limit.end();
  if (keyword == "const") return *value != limit;
  if (keyword == "pattern" && value->is_string() && limit.is_string()) {
    return !regex_matches(limit.get<std::string>(), value->get<std::string>());
  }
  return true;
}

/// The schema node whose keyword failed: the first candidate whose keyword the value breaks.
const json* failing_node(const std::vector<const json*>& candidates, std::string_view keyword, const json* value) {
  const json* fallback = nullptr;
  for (const json* node : candidates) {
    auto it = node->find(std::string(keyword));
    if (it == node->end()) continue;
    if (breaks(keyword, *it, value)) return node;
    if (!fallback) fallback = node;
  }
  return fallback;
}

std::string quoted_name(std::string_view description) {
  std::size_t open = description.find('\'');
  std::size_t close = description.rfind('\'');
  if (open == std::string_view::npos || close <= open) return {};
  return std::string(description.substr(open + 1, close - open - 1));
}

std::string subject(const std::string& field) { return field.empty() ? "body" : field; }

struct Ranked {
  Violation violation;
  bool summary = false;
  std::size_t depth = 0;
  bool branch_type = false;  // a "type" error of one branch while another branch takes the value's type
};

void add(std::vector<Ranked>& out, std::string field, std::string_view keyword, std::string sentence) {
  std::size_t depth = static_cast<std::size_t>(std::count(field.begin(), field.end(), '.') +
                                               std::count(field.begin(), field.end(), '[')) + (field.empty() ? 0 : 1);
  std::string message = subject(field) + ": " + sentence;
  out.push_back({Violation{std::move(field), std::string(keyword), std::move(message)}, is_summary_keyword(keyword), depth});
}

/// Every property of the object that no candidate node documents (valijson names only the first one).
void explain_additional(const std::vector<const json*>& candidates, const json* object, const std::string& field,
                        std::vector<Ranked>& out) {
  if (!object || !object->is_object()) return;
  for (const auto& [key, unused] : object->items()) {
    bool documented = false;
    for (const json* node : candidates) {
      if (node->contains("properties") && node->at("properties").contains(key)) documented = true;
      if (node->contains("patternProperties") && node->at("patternProperties").is_object()) {
        for (const auto& [pattern, schema] : node->at("patternProperties").items()) {
          documented = documented || regex_matches(pattern, key);
        }
      }
    }
    if (!documented) add(out, child_field(field, key), "additionalProperties", "is not a documented field");
  }
}

}  // namespace

bool regex_matches(const std::string& pattern, const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern));
  } catch (const std::regex_error&) {
    return false;
  }
}

const json* resolve_ref(const json& root, const json& node) {
  const json* current = &node;
  for (int hops = 0; current->is_object() && current->contains("$ref"); ++hops) {
    const json& ref = current->at("$ref");
    if (hops > kMaxSchemaDepth || !ref.is_string()) return nullptr;
    const std::string& text = ref.get_ref<const std::string&>();
    if (text.empty() || text.front() != '#') return nullptr;
    try {
      json::json_pointer pointer(text.substr(1));
      if (!root.contains(pointer)) return nullptr;
      current = &root.at(pointer);
    } catch (const json::exception&) {
      return nullptr;
    }
  }
  return current;
}

std::vector<Violation> explain(const json& root, const json& instance, const std::vector<RawError>& errors) {
  const SchemaWalker walker(root);
  std::vector<Ranked> ranked;
  for (const auto& error : errors) {
    const std::string_view keyword = keyword_of(error.description);
    if (keyword.empty()) continue;
    const Steps steps = to_steps(error.context, instance);
    const std::string field = field_name(steps);
    const json* value = instance_at(instance, steps);
    const auto candidates = walker.at(steps);
    if (keyword == "required") {
      add(ranked, child_field(field, quoted_name(error.description)), keyword, "is required");
    } else if (keyword == "additionalProperties") {
      explain_additional(candidates, value, field, ranked);
    } else if (keyword == "dependencies") {
      add(ranked, field, keyword, "requires " + quoted_name(error.description));
    } else if (keyword == "schema") {
      add(ranked, field, keyword, error.description);
    } else {
      add(ranked, field, keyword, rule_sentence(keyword, failing_node(candidates, keyword, value), value));
      // A field that takes, say, a string or an array: the type error comes from the branch the value did not
      // choose, and the chosen branch's own error (maxItems, pattern) says what is wrong.
      ranked.back().branch_type = keyword == "type" && value != nullptr &&
                                  std::any_of(candidates.begin(), candidates.end(), [&](const json* node) {
                                    const auto type = node->find("type");
                                    return type != node->end() && !breaks_type(*type, *value);
                                  });
    }
  }
  // Drop such a type error when the field has another, more telling error.
  std::set<std::string> told;
  for (const Ranked& r : ranked) {
    if (!r.summary && r.violation.rule != "type") told.insert(r.violation.field);
  }
  std::erase_if(ranked, [&](const Ranked& r) { return r.branch_type && told.count(r.violation.field) > 0; });
  // A conditional's summary says nothing its own errors do not say better.
  const bool has_specific = std::any_of(ranked.begin(), ranked.end(), [](const Ranked& r) { return !r.summary; });
  std::erase_if(ranked, [&](const Ranked& r) { return has_specific && r.violation.rule == "if"; });
  // Most specific first: leaf keywords before combinators' summaries, deeper fields first, and on one field
  // a wrong type before the rules that presuppose the right one.
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    const bool a_later = a.violation.rule != "type";
    const bool b_later = b.violation.rule != "type";
    return std::tie(a.summary, b.depth, a_later) < std::tie(b.summary, a.depth, b_later);
  });
  std::vector<Violation> violations;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (auto& r : ranked) {
    if (seen.emplace(r.violation.field, r.violation.rule, r.violation.message).second) {
      violations.push_back(std::move(r.violation));
    }
  }
  return violations;
}

}  // namespace nanosim::contracts::detail
