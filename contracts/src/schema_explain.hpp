#pragma once
// Internal: turns valijson's results into Violations. Valijson decides validity; this file only explains:
// it maps each error to the JSON Schema keyword that failed, finds that keyword's value (the limit, the
// allowed values) in the schema, and writes a sentence from it. No provider rule is restated here.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"

namespace nanosim::contracts::detail {

/// One error as valijson reports it: a context such as {"<root>", "[image_urls]", "[3]"} and a description.
struct RawError {
  std::vector<std::string> context;
  std::string description;
};

/// Follows a local "$ref" ("#/definitions/x", any JSON pointer after '#') within root, up to a bounded depth.
/// Returns the node itself when it has no $ref, nullptr when the reference does not resolve.
const json* resolve_ref(const json& root, const json& node);

/// Violations for valijson's errors of `instance` against the schema `root`, most specific first, deduplicated,
/// without valijson's redundant parent errors.
std::vector<Violation> explain(const json& root, const json& instance, const std::vector<RawError>& errors);

/// A value as shown in a message: strings quoted and shortened, other values as compact JSON.
std::string describe_value(const json& value);

/// The sentence after "<field>: " when `keyword` of the schema `node` (null when not found) rejected `value`
/// (null when absent). Limits and allowed values are read from the node (violation_text.cpp).
std::string rule_sentence(std::string_view keyword, const json* node, const json* value);

/// Characters (UTF-8 code points) in a string, as JSON Schema counts them.
std::size_t utf8_length(const std::string& text);

/// std::regex_search, false for an invalid pattern.
bool regex_matches(const std::string& pattern, const std::string& text);

}  // namespace nanosim::contracts::detail
