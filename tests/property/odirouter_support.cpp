// The contract as the odirouter properties read it, and the generators of valid values derived from it.
// Breaking generators live in odirouter_breaches.cpp.
#include "odirouter_support.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>

#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace nanosim::property {

const contracts::Contract& contract() { return contracts::get(provider_id); }

const contracts::Operation& operation(std::string_view name) { return contract().operation(name); }

const json& model_entry() {
  const json* model = contract().model(model_id);
  if (model == nullptr) throw std::logic_error("the odirouter contract has no model " + model_id);
  return *model;
}

json resolve_refs(const json& schema) {
  static constexpr std::string_view local = "#/definitions/";
  if (schema.is_array()) {
    json out = json::array();
    for (const json& item : schema) out.push_back(resolve_refs(item));
    return out;
  }
  if (!schema.is_object()) return schema;
  json out = json::object();
  if (const auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    const std::string target = ref->get<std::string>();
    if (target.rfind(local, 0) != 0) throw std::logic_error("unsupported $ref " + target);
    out = resolve_refs(contract().document().at("definitions").at(target.substr(local.size())));
  }
  for (const auto& [key, value] : schema.items()) {
    if (key != "$ref") out[key] = resolve_refs(value);  // keywords beside a $ref add to (and win over) its target
  }
  return out;
}

const json& request_schema() {
  static const json schema = resolve_refs(model_entry().at("request_schema"));
  return schema;
}

std::string provider_path(std::string_view operation_name, const std::string& request_id, const std::string& model) {
  std::string path = operation(operation_name).path;
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"{model}", model}, {"{request_id}", request_id}}) {
    for (auto at = path.find(name); at != std::string::npos; at = path.find(name, at + value.size())) {
      path.replace(at, name.size(), value);
    }
  }
  return "/" + provider_id + path;
}

int error_status(std::string_view kind) { return contract().error(kind).http_status; }

namespace {
/// The body's value of a property, else the schema's default for it.
std::optional<std::string> value_or_default(const json& body, const std::string& property) {
  if (const auto it = body.find(property); it != body.end() && it->is_string()) return it->get<std::string>();
  const json& schema = request_schema().at("properties").at(property);
  if (const auto it = schema.find("default"); it != schema.end()) return it->get<std::string>();
  return std::nullopt;
}
}  // namespace

std::string expected_size_tier(const json& body) {
  for (const std::string property : {"image_size", "resolution"}) {
    const auto tier = value_or_default(body, property);
    if (!tier) continue;
    const json aliases = model_entry().at("capabilities").value("size_tier_aliases", json::object());
    return aliases.value(*tier, *tier);
  }
  throw std::logic_error("the request schema defaults neither image_size nor resolution");
}

std::string expected_aspect_ratio(const json& body) {
  const auto ratio = value_or_default(body, "aspect_ratio");
  if (!ratio) throw std::logic_error("the request schema has no default aspect_ratio");
  return *ratio;
}

std::optional<std::pair<int, int>> expected_dimensions(const json& body) {
  return contracts::image_dimensions(model_entry().at("upstream").get<std::string>(), expected_aspect_ratio(body),
                                     expected_size_tier(body));
}

std::string expected_content_type() {
  const auto format = images::parse_format(model_entry().at("capabilities").at("output_formats").at(0).get<std::string>());
  if (!format) throw std::logic_error("the model's output format is not one nanosim renders");
  return std::string(images::mime_type(*format));
}

std::size_t count_characters(std::string_view utf8) {
  return static_cast<std::size_t>(
      std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// ---- text ---------------------------------------------------------------------------------------------------

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

rc::Gen<std::uint32_t> code_point() {
  return rc::gen::weightedOneOf<std::uint32_t>({
      {24, rc::gen::inRange<std::uint32_t>(0x20, 0x7F)},  // printable ASCII
      {1, rc::gen::inRange<std::uint32_t>(0x00, 0x20)},   // control characters, NUL included
      {2, rc::gen::inRange<std::uint32_t>(0x80, 0x800)},  // two bytes: Latin, Cyrillic, ...
      {2, rc::gen::suchThat(rc::gen::inRange<std::uint32_t>(0x800, 0x10000),
                            [](std::uint32_t cp) { return cp < 0xD800 || cp > 0xDFFF; })},  // three, no surrogates
      {1, rc::gen::inRange<std::uint32_t>(0x10000, 0x110000)},                          // four: emoji, ...
  });
}

}  // namespace

rc::Gen<std::string> text_of_length(std::size_t characters) {
  return rc::gen::map(rc::gen::container<std::vector<std::uint32_t>>(characters, code_point()),
                      [](const std::vector<std::uint32_t>& points) {
                        std::string out;
                        for (const std::uint32_t cp : points) append_utf8(out, cp);
                        return out;
                      });
}

rc::Gen<std::string> text(std::size_t min_characters, std::size_t max_characters) {
  return rc::gen::mapcat(rc::gen::inRange(min_characters, max_characters + 1), text_of_length);
}

rc::Gen<json> any_json(int depth) {
  auto leaf = rc::gen::oneOf(
      rc::gen::just(json(nullptr)), rc::gen::cast<json>(rc::gen::arbitrary<bool>()),
      rc::gen::cast<json>(rc::gen::arbitrary<std::int64_t>()), rc::gen::cast<json>(rc::gen::arbitrary<std::uint64_t>()),
      rc::gen::map(rc::gen::arbitrary<double>(), [](double d) { return std::isfinite(d) ? json(d) : json(0.5); }),
      rc::gen::cast<json>(text(0, 80)));
  if (depth <= 0) return leaf;
  std::vector<std::string> names;
  for (const auto& [name, schema] : request_schema().at("properties").items()) names.push_back(name);
  const auto key = rc::gen::weightedOneOf<std::string>({{1, rc::gen::elementOf(names)}, {1, text(0, 10)}});
  const auto inner = any_json(depth - 1);
  const auto array = rc::gen::mapcat(rc::gen::inRange(0, 5), [inner](int n) {
    return rc::gen::map(rc::gen::container<std::vector<json>>(static_cast<std::size_t>(n), inner),
                        [](std::vector<json> items) { return json(std::move(items)); });
  });
  const auto object = rc::gen::mapcat(rc::gen::inRange(0, 5), [inner, key](int n) {
    return rc::gen::map(rc::gen::container<std::vector<std::pair<std::string, json>>>(
                            static_cast<std::size_t>(n), rc::gen::pair(key, inner)),
                        [](const std::vector<std::pair<std::string, json>>& members) {
                          json out = json::object();
                          for (const auto& [name, value] : members) out[name] = value;
                          return out;
                        });
  });
  return rc::gen::weightedOneOf<json>({{3, leaf}, {1, array}, {1, object}});
}

// ---- valid values -------------------------------------------------------------------------------------------

std::vector<json> documented_values(const std::string& field) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<json>> cache;
  const std::lock_guard lock(mutex);
  if (const auto it = cache.find(field); it != cache.end()) return it->second;
  std::vector<json> values;
  const json index = testkit::fixture_json(provider_id + "/index.json");
  for (const json& fixture : index.at("fixtures")) {
    if (fixture.value("kind", "") != "request" || fixture.value("model", "") != model_id ||
        fixture.value("expect", "") != "accepted") {
      continue;
    }
    const json body = testkit::fixture_json(provider_id + "/" + fixture.at("file").get<std::string>());
    const auto it = body.find(field);
    if (it == body.end()) continue;
    if (it->is_array()) values.insert(values.end(), it->begin(), it->end());
    else values.push_back(*it);
  }
  return cache[field] = values;
}

namespace {

const std::regex& compiled(const std::string& pattern) {
  static std::mutex mutex;
  static std::map<std::string, std::regex> cache;
  const std::lock_guard lock(mutex);
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
  return it->second;
}

rc::Gen<std::string> alphanumeric(std::size_t min, std::size_t max) {
  return rc::gen::mapcat(rc::gen::inRange(min, max + 1), [](std::size_t n) {
    return rc::gen::container<std::string>(
        n, rc::gen::elementOf(std::string("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")));
  });
}

/// A string matching the node's pattern: a documented example of the field, sometimes with a random query or
/// fragment, kept only when the pattern (ECMAScript, as JSON Schema says) still matches.
rc::Gen<std::string> pattern_example(const json& schema, const std::string& field) {
  const std::string pattern = schema.at("pattern").get<std::string>();
  const std::string top_field = field.substr(0, field.find('['));
  std::vector<std::string> examples;
  for (const json& value : documented_values(top_field)) {
    if (value.is_string() && std::regex_search(value.get<std::string>(), compiled(pattern))) {
      examples.push_back(value.get<std::string>());
    }
  }
  if (examples.empty()) {
    throw std::logic_error("no documented example of " + field + " matches its pattern " + pattern +
                           ": add one to the fixtures so valid values can be generated");
  }
  return rc::gen::suchThat(
      rc::gen::apply(
          [](const std::string& example, int variant, const std::string& suffix) {
            if (variant == 1) return example + "?v=" + suffix;
            if (variant == 2) return example + "#" + suffix;
            return example;
          },
          rc::gen::elementOf(examples), rc::gen::inRange(0, 3), alphanumeric(1, 12)),
      [pattern](const std::string& candidate) { return std::regex_search(candidate, compiled(pattern)); });
}

std::string first_type(const json& schema) {
  const auto it = schema.find("type");
  if (it == schema.end()) return {};
  return it->is_array() ? it->at(0).get<std::string>() : it->get<std::string>();
}

rc::Gen<json> valid_string(const json& schema, const std::string& field) {
  if (schema.contains("pattern")) return rc::gen::cast<json>(pattern_example(schema, field));
  const std::size_t min = schema.value("minLength", std::size_t{0});
  const std::size_t max = schema.value("maxLength", min + 40);
  return rc::gen::cast<json>(rc::gen::weightedOneOf<std::string>({
      {8, text(min, std::min(max, min + 40))},
      {1, text_of_length(max)},  // the boundaries are where length bugs live
      {1, text_of_length(min)},
  }));
}

}  // namespace

/// A valid array of count in [min_count, max_count] (clamped to what uniqueness allows), honouring
/// uniqueItems and a "contains" {"const": ...}.
rc::Gen<json> valid_array(const json& schema, const std::string& field, std::size_t min_count, std::size_t max_count) {
  return rc::gen::exec([=] {
    const json items = schema.value("items", json::object());
    const bool unique = schema.value("uniqueItems", false);
    std::size_t count = *rc::gen::inRange(min_count, max_count + 1);
    json out = json::array();
    if (unique && items.contains("enum")) {
      std::vector<json> pool(items.at("enum").begin(), items.at("enum").end());
      count = std::min(count, pool.size());
      while (out.size() < count) {
        const std::size_t pick = *rc::gen::inRange<std::size_t>(0, pool.size());
        out.push_back(pool[pick]);
        pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(pick));
      }
    } else {
      for (int attempts = 0; out.size() < count && attempts < 100; ++attempts) {
        json item = *valid_value(items, field + "[]");
        if (!unique || std::find(out.begin(), out.end(), item) == out.end()) out.push_back(std::move(item));
      }
    }
    if (const auto contains = schema.find("contains"); contains != schema.end()) {
      if (!contains->contains("const")) throw std::logic_error(field + ": only a \"contains\" with \"const\" is generated");
      const json& wanted = contains->at("const");
      if (std::find(out.begin(), out.end(), wanted) == out.end()) {
        const std::size_t at = *rc::gen::inRange<std::size_t>(0, out.size() + 1);
        if (out.size() < max_count || out.empty()) out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), wanted);
        else out[std::min(at, out.size() - 1)] = wanted;
      }
    }
    return out;
  });
}

std::pair<std::size_t, std::size_t> valid_item_counts(const json& schema) {
  const std::size_t min = schema.value("minItems", std::size_t{0});
  return {min, schema.value("maxItems", min + 3)};
}

rc::Gen<json> valid_value(const json& schema, const std::string& field) {
  if (const auto it = schema.find("enum"); it != schema.end()) {
    return rc::gen::elementOf(std::vector<json>(it->begin(), it->end()));
  }
  if (const auto it = schema.find("const"); it != schema.end()) return rc::gen::just(*it);
  const std::string type = first_type(schema);
  if (type == "string") return valid_string(schema, field);
  if (type == "array") {
    const auto [min, max] = valid_item_counts(schema);
    return valid_array(schema, field, min, max);
  }
  if (type == "boolean") return rc::gen::cast<json>(rc::gen::arbitrary<bool>());
  if (type == "integer" || type == "number") {
    const auto min = schema.value("minimum", std::int64_t{-1000});
    const auto max = schema.value("maximum", std::int64_t{1000});
    return rc::gen::cast<json>(rc::gen::inRange<std::int64_t>(min, max + 1));
  }
  if (type == "null") return rc::gen::just(json(nullptr));
  if (type == "object" && !schema.contains("required")) return rc::gen::just(json::object());
  throw std::logic_error(field + ": no generator for a valid value of " + schema.dump());
}

rc::Gen<json> valid_body() {
  return rc::gen::exec([] {
    const json& schema = request_schema();
    const json required = schema.value("required", json::array());
    json body = json::object();
    for (const auto& [name, property] : schema.at("properties").items()) {
      const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
      if (is_required || *rc::gen::arbitrary<bool>()) body[name] = *valid_value(property, name);
    }
    return body;
  });
}

}  // namespace nanosim::property
