// The sentences of Violations: "<field>: " + a rule sentence whose limits and allowed values come from the
// schema node that failed. Values from the request are quoted shortened and never break UTF-8.
#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "schema_explain.hpp"

namespace nanosim::contracts::detail {
namespace {

std::string plural(std::size_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string number_text(const json& number) { return number.dump(); }

std::string type_name(const json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  return value.type_name();
}

std::string with_article(const std::string& type) {
  if (type == "null") return "null";
  bool vowel = !type.empty() && std::string_view("aeiou").find(type.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + type;
}

std::string list_values(const json& values, std::string_view separator, bool raw_strings) {
  std::string text;
  for (const auto& value : values) {
    if (!text.empty()) text += separator;
    text += (raw_strings && value.is_string()) ? value.get<std::string>() : describe_value(value);
  }
  return text;
}

std::string got(const json* value) { return value ? " (got " + describe_value(*value) + ")" : ""; }

/// A count limit: "must be at most 2500 characters (got 2501)", "must have at least 1 item (got 0)".
std::optional<std::string> count_sentence(std::string_view keyword, const json& limit, const json* value) {
  struct Count {
    std::string_view keyword, verb, noun;
  };
  static constexpr Count kCounts[]{{"maxLength", "must be at most ", "character"}, {"minLength", "must be at least ", "character"},
                                   {"maxItems", "must have at most ", "item"},     {"minItems", "must have at least ", "item"},
                                   {"maxProperties", "must have at most ", "field"}, {"minProperties", "must have at least ", "field"}};
  for (const auto& count : kCounts) {
    if (count.keyword != keyword || !limit.is_number_integer() || limit < 0) continue;
    std::string sentence = std::string(count.verb) + plural(limit.get<std::size_t>(), count.noun);
    if (value && value->is_string() && count.noun == "character") {
      sentence += " (got " + std::to_string(utf8_length(value->get<std::string>())) + ")";
    } else if (value && ((value->is_array() && count.noun == "item") || (value->is_object() && count.noun == "field"))) {
      sentence += " (got " + std::to_string(value->size()) + ")";
    }
    return sentence;
  }
  return std::nullopt;
}

/// A numeric bound: "must be at most 4 (got 5)".
std::optional<std::string> bound_sentence(std::string_view keyword, const json& limit, const json* value) {
  static constexpr std::pair<std::string_view, std::string_view> kBounds[]{
      {"maximum", "must be at most "},          {"minimum", "must be at least "},
      {"exclusiveMaximum", "must be less than "}, {"exclusiveMinimum", "must be greater than "},
      {"multipleOf", "must be a multiple of "}};
  for (const auto& [bound, verb] : kBounds) {
    if (bound == keyword && limit.is_number()) return std::string(verb) + number_text(limit) + got(value);
  }
  return std::nullopt;
}

std::string type_sentence(const json& types, const json* value) {
  std::string expected;
  for (const auto& type : types.is_array() ? types : json::array({types})) {
    expected += (expected.empty() ? "" : " or ") + with_article(type.is_string() ? type.get<std::string>() : "?");
  }
  return "must be " + expected + (value ? " (got " + type_name(*value) + ")" : "");
}

std::string contains_sentence(const json& item_schema) {
  if (item_schema.is_object() && item_schema.contains("const")) return "must contain " + describe_value(item_schema.at("const"));
  if (item_schema.is_object() && item_schema.contains("enum")) {
    return "must contain one of " + list_values(item_schema.at("enum"), ", ", true);
  }
  return "must contain at least one matching item";
}

/// Sentences that need no value from the schema.
std::string fixed_sentence(std::string_view keyword) {
  static constexpr std::pair<std::string_view, std::string_view> kFixed[]{
      {"uniqueItems", "must not contain duplicate items"},
      {"additionalItems", "has more items than allowed"},
      {"oneOf", "must match exactly one of the allowed shapes"},
      {"anyOf", "must match at least one of the allowed shapes"},
      {"not", "must not match the excluded shape"},
      {"if", "must satisfy the conditional rule"}};
  for (const auto& [name, sentence] : kFixed) {
    if (name == keyword) return std::string(sentence);
  }
  return "is not valid";
}

}  // namespace

std::string rule_sentence(std::string_view keyword, const json* node, const json* value) {
  if (!node || !node->contains(std::string(keyword))) return fixed_sentence(keyword);
  const json& limit = node->at(std::string(keyword));
  if (auto sentence = count_sentence(keyword, limit, value)) return *sentence;
  if (auto sentence = bound_sentence(keyword, limit, value)) return *sentence;
  const bool described = node->contains("description") && node->at("description").is_string();
  if (keyword == "pattern" && described) {
    return "must be " + node->at("description").get<std::string>() + got(value);  // a regex is no sentence
  }
  // A combinator is no sentence either: its node's description, written to follow "must be", says what is wanted.
  if ((keyword == "not" || keyword == "anyOf" || keyword == "oneOf") && described) {
    return "must be " + node->at("description").get<std::string>();
  }
  if (keyword == "pattern" && limit.is_string()) return "must match the pattern " + limit.get<std::string>() + got(value);
  if (keyword == "enum" && limit.is_array()) return "must be one of " + list_values(limit, ", ", true) + got(value);
  if (keyword == "const") return "must be " + describe_value(limit) + got(value);
  if (keyword == "format" && limit.is_string()) return "must be a valid " + limit.get<std::string>() + got(value);
  if (keyword == "type") return type_sentence(limit, value);
  if (keyword == "contains") return contains_sentence(limit);
  return fixed_sentence(keyword);
}

std::size_t utf8_length(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string describe_value(const json& value) {
  constexpr std::size_t kShown = 60;
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    if (text.size() > kShown) {
      std::size_t cut = kShown;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
      text = text.substr(0, cut) + "...";
    }
    return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > kShown ? text.substr(0, kShown) + "..." : text;
}

}  // namespace nanosim::contracts::detail
