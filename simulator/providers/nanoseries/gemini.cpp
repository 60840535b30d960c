// Nano series, Gemini-compatible face (seed 004: "并提供 Gemini 兼容格式给 Gemini 风格客户端使用"):
// POST /v1beta/models/{model}:generateContent with a Nano model id, answered synchronously in Gemini's
// candidates/inlineData shape (research/providers.md §3). The model id fixes the size tier.
#include "../../core/wire.hpp"
#include "family.hpp"
#include "../gemini/aspect.hpp"
#include "../gemini/inline_image.hpp"
#include "../gemini/usage.hpp"

namespace nanosim::providers::nanoseries {
namespace {

constexpr std::string_view invalid_kind = "gemini_invalid_argument";

bool mentions(const json& list, std::string_view upper, std::string_view title) {
  return std::any_of(list.begin(), list.end(), [&](const json& item) { return item == upper || item == title; });
}

/// The prompt (every text part, in order) and the reference images (inline data and file URIs) of the contents;
/// the violation when inline data is not base64 of an image (the upstream's check, gemini/inline_image.hpp).
std::optional<contracts::Violation> read_contents(const json& contents, NanoRequest& request) {
  for (std::size_t c = 0; c < contents.size(); ++c) {
    const json& parts = contents.at(c).at("parts");
    for (std::size_t p = 0; p < parts.size(); ++p) {
      const json& part = parts.at(p);
      const std::string field = "contents[" + std::to_string(c) + "].parts[" + std::to_string(p) + "]";
      if (part.contains("text")) {
        request.prompt += (request.prompt.empty() ? "" : "\n") + part.at("text").get<std::string>();
      } else if (part.contains("inlineData")) {
        const json& inline_data = part.at("inlineData");
        std::string note;
        if (auto fault = gemini::check_inline_image(inline_data.at("mimeType").get<std::string>(),
                                                    inline_data.at("data").get<std::string>(),
                                                    field + ".inlineData.data", note)) {
          return contracts::Violation{field + ".inlineData.data", fault->kind, fault->message};
        }
        request.reference_images.push_back(
            {field + ".inlineData", "inline:" + part.at("inlineData").at("mimeType").get<std::string>()});
      } else if (part.contains("fileData")) {
        request.reference_images.push_back(
            {field + ".fileData.fileUri", part.at("fileData").at("fileUri").get<std::string>()});
      }
    }
  }
  return std::nullopt;
}

/// Google's usage figures, relayed (../gemini/usage.hpp): the text and images of every candidate.
json usage_metadata(const JobView& job, const std::vector<std::pair<int, int>>& input_sizes) {
  const std::size_t text_out = job.spec.wants_text ? core::describe(job.spec).size() * job.outputs.size() : 0;
  return gemini::usage_metadata(
      {job.spec.upstream_model, job.spec.prompt.size(), input_sizes, text_out, job.spec.size_tier, job.outputs.size()});
}

json candidates(ProviderContext& context, ProviderCall& call, const JobView& job) {
  json out = json::array();
  for (std::size_t index = 0; index < job.outputs.size(); ++index) {
    json parts = json::array();
    if (job.spec.wants_text) parts.push_back({{"text", core::describe(job.spec)}});
    parts.push_back(core::inline_image_part(context, call, job.outputs[index]));
    out.push_back({{"content", {{"role", "model"}, {"parts", parts}}}, {"finishReason", "STOP"}, {"index", index}});
  }
  return out;
}

}  // namespace

HttpResponse gemini_generate(Family& family, ProviderCall& call, const contracts::Operation& op,
                             const std::string& model_id) {
  ProviderContext& context = family.context();
  core::JsonBody body = context.parse_json(call.http);
  if (body.violation) {
    return context.invalid(*body.violation, body.error_kind == "invalid_request" ? invalid_kind : body.error_kind);
  }
  auto checked = family.check_body(call, op, std::move(body.value), invalid_kind, model_id);
  if (auto* refused = std::get_if<HttpResponse>(&checked)) return std::move(*refused);
  const json& wire = std::get<json>(checked);
  const json& capabilities = family.contract().model(model_id)->at("capabilities");
  const json config = wire.value("generationConfig", json::object());
  const json image_config = config.value("imageConfig", json::object());

  NanoRequest request;
  request.model_id = model_id;
  if (auto violation = read_contents(wire.at("contents"), request)) return context.invalid(*violation, invalid_kind);
  if (request.prompt.empty()) {
    return context.invalid({"contents", "contains", "contents: must contain a text part (the prompt)"}, invalid_kind);
  }
  const std::string tier = capabilities.at("default_size_tier").get<std::string>();
  if (image_config.contains("imageSize") && core::size_tier(image_config.at("imageSize")) != tier) {
    return context.invalid({"generationConfig.imageConfig.imageSize", "enum",
                            "generationConfig.imageConfig.imageSize: " + model_id + " renders " + tier + " only"},
                           invalid_kind);
  }
  request.aspect_ratio_field = "generationConfig.imageConfig.aspectRatio";
  request.aspect_ratio = image_config.value("aspectRatio", capabilities.value("default_aspect_ratio", "1:1"));
  // No aspectRatio: Gemini matches the input image (../gemini/aspect.hpp).
  const auto& upstream = family.contract().model(model_id)->at("upstream").get_ref<const std::string&>();
  if (const auto matched = gemini::ratio_of_input_image(wire.at("contents"), upstream); matched && !image_config.contains("aspectRatio")) {
    request.aspect_ratio = *matched;
    call.notes.push_back("aspectRatio " + *matched + ": the input image's");
  }
  request.wants_text = mentions(config.value("responseModalities", json{"TEXT", "IMAGE"}), "TEXT", "Text");
  request.count = config.value("candidateCount", 1);
  request.wire = wire;

  auto completed = family.complete(call, op, std::move(request), invalid_kind);
  if (auto* refused = std::get_if<HttpResponse>(&completed)) return std::move(*refused);
  const JobView& job = std::get<JobView>(completed);
  return core::json_response(200, {{"candidates", candidates(context, call, job)},
                                   {"usageMetadata", usage_metadata(job, gemini::inline_image_sizes(wire.at("contents")))},
                                   {"modelVersion", model_id},
                                   {"responseId", job.id}});
}

}  // namespace nanosim::providers::nanoseries
