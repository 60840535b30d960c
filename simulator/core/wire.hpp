#pragma once
// Small wire helpers shared by the provider adapters.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/job.hpp"
#include "provider.hpp"

namespace nanosim::core {

/// A request matched to one of the contract's operations, or the catalog kind to answer when none matches
/// ("method_not_allowed" when the path is known under another method, else "route_not_found").
struct Route {
  std::optional<contracts::RouteMatch> match;
  std::string error_kind;
};
/// Uses (and takes) the match the simulator made already, if any: a request is routed once.
Route route(const contracts::Contract& contract, ProviderCall& call);

/// Fills "{name}" segments of a contract path template.
std::string expand(std::string_view path_template, const std::map<std::string, std::string>& params);
/// The same with the values given inline, without building a map (the status poll's hot path).
using PathParams = std::initializer_list<std::pair<std::string_view, std::string_view>>;
std::string expand(std::string_view path_template, PathParams params);
/// The same, appended to `out` (a base URL already there).
void append_expanded(std::string& out, std::string_view path_template, PathParams params);

/// Query flags as the official clients send them: "1"/"true" (any case) are true, anything else false.
bool flag(const std::optional<std::string>& value);

/// Gemini's size tier for a gateway value: "0.5K" (gateways' alias) and "512" -> "512"; "1K", "2K", "4K" as is.
std::string size_tier(const nlohmann::json& value);

/// The text part a model returns beside an image when text output is asked for (deterministic).
std::string describe(const JobSpec& spec);

/// The reference images a body carries under `name`: a string ("image"), an object with a "url" ("image.url"), or
/// an array of strings ("image_urls[0]", ...); none when the member is absent.
std::vector<ImageReference> image_references(const nlohmann::json& body, std::string_view name);
/// The values of references, as sent (JobSpec::reference_images).
std::vector<std::string> reference_values(const std::vector<ImageReference>& references);

/// OpenAI Images' answer for a finished job (research §4): {created, data:[{url} | {b64_json}]}. response_format
/// "b64_json" inlines each image as base64 (ProviderContext::image_bytes: cached, rendered with the lock released);
/// anything else gives each image's URL among the simulator's files. created is the Unix second the job ended,
/// when the answer is made.
nlohmann::json openai_images(ProviderContext& context, ProviderCall& call, const JobView& job,
                             std::string_view response_format);

/// Gemini's inline image part {"inlineData": {mimeType, data}} for a produced file (research §3), the bytes through
/// ProviderContext::image_bytes.
nlohmann::json inline_image_part(ProviderContext& context, ProviderCall& call, const OutputFile& file);

}  // namespace nanosim::core
