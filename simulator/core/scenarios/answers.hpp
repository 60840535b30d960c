#pragma once
// Answers made by hand (effect "respond"), edits of the answer that goes out (effect "patch_response") and the
// templates both use: parsed and checked when a scenario loads, filled from the request when a rule fires.
//
// Template syntax: "{{name}}" anywhere in a template is replaced by a fact of the request; everything else is
// copied as is. Names: job_id, model, provider, operation, method, path, api_key, prompt, now_ms, now_s,
// header.NAME, query.NAME, body./json/pointer (a string as is, other JSON values serialized) and "open" (a
// literal "{{"). An unknown name is refused at load; a fact the request lacks renders as "".

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "faults.hpp"
#include "nanosim/http_message.hpp"
#include "nanosim/scenario.hpp"

namespace nanosim::core {

/// The pointer when it is an RFC 6901 JSON pointer; else throws ScenarioError "<field>: is not a JSON pointer".
std::string checked_pointer(const std::string& pointer, const std::string& field);
/// The value at a JSON pointer; null when absent (or the pointer does not fit the value's shape).
const nlohmann::json* at_pointer(const nlohmann::json& root, const std::string& pointer);

/// Checks a template; throws ScenarioError naming the field and the placeholder.
void check_template(std::string_view text, const std::string& field);
/// A header value: a template without CR or LF.
void check_header_value(std::string_view text, const std::string& field);
/// Fills a template from the request.
std::string render_template(std::string_view text, const RequestFacts& facts);

/// Parses effect.respond / effect.patch_response (after the schema); throws ScenarioError naming the field.
HandMadeAnswer parse_respond(const nlohmann::json& body, const std::string& field);
AnswerPatch parse_patch(const nlohmann::json& body, const std::string& field);

/// The answer a respond effect gives this request.
HttpResponse hand_made_answer(const HandMadeAnswer& answer, const RequestFacts& facts);
/// The patch with its templates filled for this request.
AnswerPatch rendered(const AnswerPatch& patch, const RequestFacts& facts);
/// Applies a patch to an answer; returns what it did, for the journal ("status 500, removed /a, set /b, ...").
std::string apply_patch(const AnswerPatch& patch, HttpResponse& response);

}  // namespace nanosim::core
