#pragma once
// What the odirouter properties share: the contract as the tests read it (at run time, never restated) and
// generators derived from it. Every property here prints its seed when it fails; replay one run with
//   RC_PARAMS="seed=<seed>" build/dev/tests/nanosim_property_tests "<test name>"
// (RC_PARAMS="seed=<seed> max_success=1000" to look harder).

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <rapidcheck.h>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/http_message.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "property_support.hpp"

namespace nanosim::property {

using nlohmann::json;

inline const std::string provider_id = "odirouter";
inline const std::string model_id = "nano_banana_2";

[[nodiscard]] const contracts::Contract& contract();
[[nodiscard]] const contracts::Operation& operation(std::string_view name);
/// The model's entry in the contract ("upstream", "timing", "capabilities", ...).
[[nodiscard]] const json& model_entry();
/// The model's request schema with every local "$ref" replaced by its definition.
[[nodiscard]] const json& request_schema();
/// A schema node with local "$ref"s resolved against the contract's "definitions", recursively.
[[nodiscard]] json resolve_refs(const json& schema);

/// The path of an operation under the in-process simulator's provider prefix ("/odirouter/v1/queue/...").
[[nodiscard]] std::string provider_path(std::string_view operation_name, const std::string& request_id = {},
                                        const std::string& model = model_id);

/// The contract's HTTP status for an error kind ("invalid_request" -> 400).
[[nodiscard]] int error_status(std::string_view kind);

/// Output size tier the body asks for: image_size, else resolution (through the model's size_tier_aliases),
/// else the schema's default. The contract's image_size description says it "takes precedence over resolution".
[[nodiscard]] std::string expected_size_tier(const json& body);
/// The aspect ratio the body asks for, else the schema's default.
[[nodiscard]] std::string expected_aspect_ratio(const json& body);
/// Output dimensions the contracts' image-size table gives the model for a body.
[[nodiscard]] std::optional<std::pair<int, int>> expected_dimensions(const json& body);
/// MIME type of the model's output (capabilities.output_formats[0]).
[[nodiscard]] std::string expected_content_type();

/// Number of Unicode characters in UTF-8 text (what JSON Schema's minLength/maxLength count).
[[nodiscard]] std::size_t count_characters(std::string_view utf8);

// ---- generators -------------------------------------------------------------------------------------------

/// Valid UTF-8 text of min..max characters: mostly printable ASCII, some control, 2-, 3- and 4-byte characters.
rc::Gen<std::string> text(std::size_t min_characters, std::size_t max_characters);
/// Exactly `characters` characters.
rc::Gen<std::string> text_of_length(std::size_t characters);
/// Any JSON value nested at most `depth` levels: every type, Unicode strings, object keys that are often documented
/// field names.
rc::Gen<json> any_json(int depth);
/// A value valid for a resolved schema node. `field` names it for generation failures ("image_urls[]").
rc::Gen<json> valid_value(const json& schema, const std::string& field);
/// A valid array for an array schema with a count in [min_count, max_count] (fewer when uniqueItems and a
/// small enum allow no more), honouring uniqueItems and a "contains" {"const": ...}.
rc::Gen<json> valid_array(const json& schema, const std::string& field, std::size_t min_count, std::size_t max_count);
/// The item counts an array schema allows: [minItems, maxItems], maxItems defaulting to minItems + 3.
[[nodiscard]] std::pair<std::size_t, std::size_t> valid_item_counts(const json& schema);
/// An otherwise valid random body for the model: every required property and a random subset of the others.
rc::Gen<json> valid_body();

/// One broken rule: the body breaks exactly `rule` of `field` and is valid otherwise.
struct Breach {
  std::string field;  // the dotted path the error must name ("prompt", "image_urls[2]", an undocumented name)
  std::string rule;   // the JSON Schema keyword broken ("maxLength", "enum", "required", ...)
  json body;
};
/// How RapidCheck prints a Breach in a counterexample.
inline void showValue(const Breach& breach, std::ostream& os) {
  os << breach.rule << " of " << breach.field << " in " << breach.body.dump();
}
/// A breach of a rule the request schema states, on top of a valid random body.
rc::Gen<Breach> breach();
/// The schema keywords breach() knows how to break; a schema using another validation keyword is a test gap.
[[nodiscard]] const std::vector<std::string>& breakable_keywords();
/// Keywords that validate nothing (annotations); every other keyword in the schema must be breakable.
[[nodiscard]] bool is_annotation(std::string_view keyword);

/// Values found for a top-level field in the provider's documented request examples (fixtures), arrays
/// flattened: the valid examples a pattern-constrained string is generated from.
[[nodiscard]] std::vector<json> documented_values(const std::string& field);

}  // namespace nanosim::property


namespace nlohmann {
/// How RapidCheck prints JSON in a counterexample. Without it RapidCheck picks its std::string overload through
/// json's implicit conversion, which throws for anything but a string.
inline void showValue(const json& value, std::ostream& os) { os << value.dump(); }
}  // namespace nlohmann
