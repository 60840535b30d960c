// Generators that break exactly one rule of the request schema, read from the contract at run time.
// For every property, every validation keyword its schema states is a target; so are "required" and
// "additionalProperties": false. A keyword no breaker knows fails the coverage test loudly (a test gap).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <stdexcept>

#include "odirouter_support.hpp"

namespace nanosim::property {

const std::vector<std::string>& breakable_keywords() {
  static const std::vector<std::string> keywords = {
      "type",     "enum",     "const",       "minLength", "maxLength", "pattern",          "minItems",
      "maxItems", "uniqueItems", "contains", "items",     "minimum",   "maximum",          "exclusiveMinimum",
      "exclusiveMaximum"};
  return keywords;
}

bool is_annotation(std::string_view keyword) {
  static const std::vector<std::string_view> annotations = {"description", "default", "title",    "examples",
                                                            "$comment",    "readOnly", "writeOnly", "deprecated"};
  return keyword.rfind("x-", 0) == 0 ||
         std::find(annotations.begin(), annotations.end(), keyword) != annotations.end();
}

namespace {

struct BrokenValue {
  std::string field;
  json value;
};

std::vector<std::string> types_of(const json& schema) {
  const auto it = schema.find("type");
  if (it == schema.end()) return {};
  if (it->is_string()) return {it->get<std::string>()};
  return it->get<std::vector<std::string>>();
}

bool has_type(const json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "number") return value.is_number();
  if (type == "integer") return value.is_number_integer() || (value.is_number_float() && value == std::floor(value.get<double>()));
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  if (type == "null") return value.is_null();
  return false;
}

/// One value of every JSON type (and a few shapes of each).
const std::vector<json>& type_samples() {
  static const std::vector<json> samples = {nullptr, true, false,           0,   -7, 3.5,
                                            "",      "text", json::array(), {1}, json::object(), {{"a", 1}}};
  return samples;
}

std::vector<json> wrong_types(const json& schema) {
  const auto types = types_of(schema);
  std::vector<json> out;
  for (const json& sample : type_samples()) {
    if (std::none_of(types.begin(), types.end(), [&](const std::string& t) { return has_type(sample, t); })) {
      out.push_back(sample);
    }
  }
  return out;
}

bool in(const json& values, const json& value) { return std::find(values.begin(), values.end(), value) != values.end(); }

/// Small edits that turn a valid word into an invalid one: case, stray spaces, a dropped or doubled character.
std::string near_miss(std::string word, int edit) {
  switch (edit) {
    case 0: std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); }); break;
    case 1: std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::toupper(c); }); break;
    case 2: word.insert(word.begin(), ' '); break;
    case 3: word.push_back(' '); break;
    case 4: if (!word.empty()) word.pop_back(); break;
    case 5: if (!word.empty()) word.push_back(word.back()); break;
    case 6: if (!word.empty()) word.erase(word.begin()); break;
    default: word += "x"; break;
  }
  return word;
}

rc::Gen<std::string> near_misses(std::vector<std::string> words) {
  return rc::gen::apply(near_miss, rc::gen::elementOf(std::move(words)), rc::gen::inRange(0, 8));
}

std::vector<std::string> strings_of(const json& values) {
  std::vector<std::string> out;
  for (const json& v : values) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::size_t max_items(const json& schema) { return valid_item_counts(schema).second; }

/// True when an item can be added to / duplicated in a valid array without passing maxItems.
bool room_for_one_more(const json& schema) {
  const auto [min, max] = valid_item_counts(schema);
  return max >= 1 && max - 1 >= min;
}

bool can_break(const json& schema, const std::string& keyword);

std::vector<std::string> item_keywords(const json& items) {
  std::vector<std::string> out;
  for (const auto& [keyword, value] : items.items()) {
    if (std::find(breakable_keywords().begin(), breakable_keywords().end(), keyword) != breakable_keywords().end() &&
        can_break(items, keyword)) {
      out.push_back(keyword);
    }
  }
  return out;
}

bool can_break(const json& schema, const std::string& keyword) {
  const bool constrained_string = schema.contains("enum") || schema.contains("const") || schema.contains("pattern");
  if (keyword == "type") return !wrong_types(schema).empty();
  if (keyword == "enum" || keyword == "const" || keyword == "pattern") return true;
  if (keyword == "minLength") return schema.at(keyword).get<std::size_t>() > 0 && !constrained_string;
  if (keyword == "maxLength") return !constrained_string;
  if (keyword == "minItems") return schema.at(keyword).get<std::size_t>() > 0;
  if (keyword == "maxItems") {
    const json items = schema.value("items", json::object());
    return !schema.value("uniqueItems", false) || !items.contains("enum") ||
           items.at("enum").size() > schema.at(keyword).get<std::size_t>();
  }
  if (keyword == "uniqueItems") return schema.at(keyword).get<bool>() && room_for_one_more(schema) && max_items(schema) >= 2;
  if (keyword == "contains") {
    const json items = schema.value("items", json::object());
    const json& contains = schema.at(keyword);
    if (!contains.contains("const") || !items.contains("enum")) return false;
    return std::any_of(items.at("enum").begin(), items.at("enum").end(),
                       [&](const json& v) { return v != contains.at("const"); });
  }
  if (keyword == "items") return schema.at(keyword).is_object() && room_for_one_more(schema) && !item_keywords(schema.at(keyword)).empty();
  if (keyword == "minimum" || keyword == "maximum" || keyword == "exclusiveMinimum" || keyword == "exclusiveMaximum") {
    return schema.at(keyword).is_number();
  }
  return false;
}

rc::Gen<BrokenValue> broken_value(const json& schema, const std::string& keyword, const std::string& field);

/// A valid array with one item breaking a rule of the items schema, inserted at a random place.
rc::Gen<BrokenValue> array_with_broken_item(const json& schema, const std::string& field) {
  return rc::gen::exec([=] {
    const json& items = schema.at("items");
    const std::string item_keyword = *rc::gen::elementOf(item_keywords(items));
    const BrokenValue bad = *broken_value(items, item_keyword, field + "[]");
    const auto [min, max] = valid_item_counts(schema);
    json array = *valid_array(schema, field, min, max - 1);
    const std::size_t at = *rc::gen::inRange<std::size_t>(0, array.size() + 1);
    array.insert(array.begin() + static_cast<std::ptrdiff_t>(at), bad.value);
    return BrokenValue{field + "[" + std::to_string(at) + "]", array};
  });
}

rc::Gen<json> breaking_array(const json& schema, const std::string& keyword, const std::string& field) {
  return rc::gen::exec([=] {
    const auto [min, max] = valid_item_counts(schema);
    if (keyword == "maxItems") return *valid_array(schema, field, max + 1, max + 3);
    if (keyword == "minItems") {
      json without_contains = schema;  // a "contains" would add the item minItems must lack
      without_contains.erase("contains");
      return *valid_array(without_contains, field, 0, min - 1);
    }
    if (keyword == "uniqueItems") {
      json array = *valid_array(schema, field, std::max<std::size_t>(min, 1), max - 1);
      const json twin = array.at(*rc::gen::inRange<std::size_t>(0, array.size()));
      array.insert(array.begin() + static_cast<std::ptrdiff_t>(*rc::gen::inRange<std::size_t>(0, array.size() + 1)), twin);
      return array;
    }
    // contains: every item valid, none the wanted one.
    json without = schema;
    without.erase("contains");
    json others = json::array();
    for (const json& v : schema.at("items").at("enum")) {
      if (v != schema.at("contains").at("const")) others.push_back(v);
    }
    without["items"]["enum"] = others;
    return *valid_array(without, field, std::max<std::size_t>(min, 1), max);
  });
}

rc::Gen<json> breaking_string(const json& schema, const std::string& keyword, const std::string& field) {
  if (keyword == "maxLength") {
    const std::size_t max = schema.at(keyword).get<std::size_t>();
    return rc::gen::cast<json>(rc::gen::mapcat(rc::gen::inRange<std::size_t>(max + 1, max + 17), text_of_length));
  }
  if (keyword == "minLength") return rc::gen::cast<json>(text(0, schema.at(keyword).get<std::size_t>() - 1));
  // pattern: near misses of the documented examples, or any text, that the pattern refuses.
  const std::string pattern = schema.at("pattern").get<std::string>();
  std::vector<std::string> examples;
  for (const json& v : documented_values(field.substr(0, field.find('[')))) {
    if (v.is_string()) examples.push_back(v.get<std::string>());
  }
  const auto candidates = examples.empty() ? text(0, 24)
                                           : rc::gen::weightedOneOf<std::string>({{3, near_misses(examples)}, {1, text(0, 24)}});
  return rc::gen::cast<json>(rc::gen::suchThat(candidates, [pattern](const std::string& s) {
    return !std::regex_search(s, std::regex(pattern, std::regex::ECMAScript));
  }));
}

rc::Gen<BrokenValue> broken_value(const json& schema, const std::string& keyword, const std::string& field) {
  const auto at_field = [field](rc::Gen<json> values) {
    return rc::gen::map(std::move(values), [field](json v) { return BrokenValue{field, std::move(v)}; });
  };
  if (keyword == "type") {
    return at_field(rc::gen::weightedOneOf<json>(
        {{1, rc::gen::elementOf(wrong_types(schema))},
         {1, rc::gen::suchThat(any_json(2), [types = types_of(schema)](const json& v) {
            return std::none_of(types.begin(), types.end(), [&](const std::string& t) { return has_type(v, t); });
          })}}));
  }
  if (keyword == "items") return array_with_broken_item(schema, field);
  if (keyword == "enum" || keyword == "const") {
    const json allowed = keyword == "enum" ? schema.at("enum") : json::array({schema.at("const")});
    const auto words = strings_of(allowed);
    const auto candidates = words.empty() ? rc::gen::cast<json>(rc::gen::inRange(-1000, 1000))
                                          : rc::gen::cast<json>(rc::gen::weightedOneOf<std::string>(
                                                {{3, near_misses(words)}, {1, text(0, 12)}}));
    return at_field(rc::gen::suchThat(candidates, [allowed](const json& v) { return !in(allowed, v); }));
  }
  if (keyword == "minLength" || keyword == "maxLength" || keyword == "pattern") {
    return at_field(breaking_string(schema, keyword, field));
  }
  if (keyword == "minItems" || keyword == "maxItems" || keyword == "uniqueItems" || keyword == "contains") {
    return at_field(breaking_array(schema, keyword, field));
  }
  const double bound = schema.at(keyword).get<double>();
  const bool below = keyword == "minimum" || keyword == "exclusiveMinimum";
  const bool exclusive = keyword.rfind("exclusive", 0) == 0;
  return at_field(rc::gen::map(rc::gen::inRange(exclusive ? 0 : 1, 100), [=](int step) {
    return json(below ? bound - step : bound + step);
  }));
}

/// A property name the schema does not document (nor refuses on its own, like a webhook field).
rc::Gen<std::string> undocumented_name() {
  const json& properties = request_schema().at("properties");
  std::vector<std::string> documented;
  for (const auto& [name, schema] : properties.items()) documented.push_back(name);
  std::vector<std::string> refused;
  for (const json& entry : operation("submit").raw.value("unsupported", json::array())) {
    if (entry.value("in", "") == "body") refused.push_back(entry.at("name").get<std::string>());
  }
  const auto camel_case = [](std::string name) {
    for (std::size_t at = name.find('_'); at != std::string::npos && at + 1 < name.size(); at = name.find('_')) {
      name.erase(at, 1);
      name[at] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[at])));
    }
    return name;
  };
  const auto identifier = rc::gen::apply(
      [](char first, const std::string& rest) { return std::string(1, first) + rest; },
      rc::gen::elementOf(std::string("abcdefghijklmnopqrstuvwxyz_")),
      rc::gen::container<std::string>(rc::gen::elementOf(std::string("abcdefghijklmnopqrstuvwxyz0123456789_"))));
  return rc::gen::suchThat(
      rc::gen::weightedOneOf<std::string>({{3, rc::gen::map(rc::gen::elementOf(documented), camel_case)},
                                           {3, near_misses(documented)},
                                           {3, identifier},
                                           {1, text(1, 12)}}),
      [=](const std::string& name) {
        return !name.empty() && !properties.contains(name) &&
               std::none_of(refused.begin(), refused.end(),
                            [&](const std::string& r) { return name.find(r) != std::string::npos; });
      });
}

}  // namespace

rc::Gen<Breach> breach() {
  return rc::gen::exec([] {
    const json& schema = request_schema();
    json body = *valid_body();
    std::vector<std::pair<std::string, std::string>> targets;  // (property, keyword)
    for (const auto& [name, property] : schema.at("properties").items()) {
      for (const auto& [keyword, value] : property.items()) {
        const auto& known = breakable_keywords();
        if (std::find(known.begin(), known.end(), keyword) != known.end() && can_break(property, keyword)) {
          targets.emplace_back(name, keyword);
        }
      }
    }
    for (const json& name : schema.value("required", json::array())) targets.emplace_back(name.get<std::string>(), "required");
    if (schema.value("additionalProperties", json(true)) == json(false)) targets.emplace_back("", "additionalProperties");

    const auto [name, keyword] = *rc::gen::elementOf(targets);
    if (keyword == "required") {
      body.erase(name);
      return Breach{name, keyword, body};
    }
    if (keyword == "additionalProperties") {
      const std::string extra = *undocumented_name();
      body[extra] = *rc::gen::elementOf(type_samples());
      return Breach{extra, keyword, body};
    }
    const BrokenValue broken = *broken_value(schema.at("properties").at(name), keyword, name);
    body[name] = broken.value;
    return Breach{broken.field, keyword, body};
  });
}

}  // namespace nanosim::property
