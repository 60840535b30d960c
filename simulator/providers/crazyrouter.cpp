// crazyrouter (seed 002): a new-api gateway selling Nano Banana 2 through two synchronous faces.
//   POST /v1/images/generations                        OpenAI Images style: {created, data:[{url}|{b64_json}]}
//   POST /v1beta/models/{model}:generateContent          Gemini's own shape, the image inline
// Both run their job through the provider's queue and answer when it ends (ProviderContext::run_synchronously), or
// the contract's timeout error past operations.*.synchronous.timeout_ms. Reference images that point at the
// simulator's own files are read locally. Rules and bodies come from contracts/providers/crazyrouter.json.
#include <algorithm>
#include <cctype>
#include <variant>

#include "../core/provider.hpp"
#include "../core/wire.hpp"
#include "gemini/aspect.hpp"
#include "gemini/inline_image.hpp"
#include "gemini/stream.hpp"
#include "gemini/usage.hpp"
#include "newapi/models.hpp"

namespace nanosim::providers {
namespace {

using core::json;
using core::ProviderCall;
using core::ProviderContext;

/// Gemini's modality words are upper case ("TEXT", "IMAGE"); compare without case.
bool names_text(const json& modality) {
  if (!modality.is_string()) return false;
  std::string word = modality.get<std::string>();
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::toupper(c); });
  return word == "TEXT";
}

class Crazyrouter final : public core::ProviderAdapter {
 public:
  explicit Crazyrouter(ProviderContext& context) : context_(context), contract_(context.contract()) {}

  HttpResponse handle(ProviderCall& call) override {
    const auto route = core::route(contract_, call);
    if (!route.match) {
      return context_.error(route.error_kind, {{"method", call.http.method}, {"path", call.path}});
    }
    const auto& op = *route.match->operation;
    call.info.operation = op.name;
    if (auto refused = context_.sign_in(call)) return *refused;
    if (op.name == "list_models") return newapi::model_list(context_, call);

    core::JsonBody body = context_.parse_json(call.http);
    if (body.violation) return context_.invalid(*body.violation, body.error_kind);
    if (op.name == "images_generate") return images_generate(call, op, body.value);
    HttpResponse answer = generate_content(call, op, route.match->params.at("model"), body.value);
    // The gateway's errors come before its stream opens (contract: stream_generate_content).
    if (op.name == "stream_generate_content") return gemini::stream_answer(call, std::move(answer), false);
    return answer;
  }

 private:
  // ---- POST /v1/images/generations ------------------------------------------------------------------------------

  HttpResponse images_generate(ProviderCall& call, const contracts::Operation& op, json& body) {
    if (auto refused = contract_.find_unsupported_parameter(op, call.http, body)) {
      return context_.error(refused->error, {{"field", refused->name}});
    }
    if (auto violations = context_.validate_request(call, op, body); !violations.empty()) {
      return context_.invalid(violations.front());
    }
    contracts::Contract::apply_defaults(*op.request_schema, body);
    const std::string model_id = body.at("model").get<std::string>();
    const json* model = contract_.model(model_id);
    if (model == nullptr) return context_.error("model_unavailable", {{"model", model_id}});

    const auto references = core::image_references(body, "image_input");
    if (auto refused = context_.check_references(call, references)) return *refused;
    JobSpec spec = base_spec(call, model_id, *model);
    spec.prompt = body.at("prompt").get<std::string>();
    spec.reference_images = core::reference_values(references);
    if (body.contains("aspect_ratio") && body.at("aspect_ratio") != "auto") spec.aspect_ratio = body.at("aspect_ratio").get<std::string>();
    spec.size_tier = core::size_tier(body.at("resolution"));
    spec.format = images::parse_format(body.at("output_format").get<std::string>()).value_or(images::Format::png);
    spec.quality = body.at("output_compression").get<int>();
    spec.count = body.at("n").get<int>();
    spec.wire_request = body;

    auto done = run(call, op, std::move(spec), *model);
    if (auto* refused = std::get_if<HttpResponse>(&done)) return std::move(*refused);
    const std::string response_format = body.at("response_format").get<std::string>();
    return core::json_response(200, core::openai_images(context_, call, std::get<JobView>(done), response_format));
  }

  // ---- POST /v1beta/models/{model}:generateContent --------------------------------------------------------------

  HttpResponse generate_content(ProviderCall& call, const contracts::Operation& op, const std::string& model_id,
                                json& body) {
    if (auto violations = context_.validate_request(call, op, body); !violations.empty()) {
      return native_invalid(violations.front());
    }
    const json* model = contract_.model(model_id);
    if (model == nullptr) return context_.error("model_unavailable", {{"model", model_id}});

    JobSpec spec = base_spec(call, model_id, *model);
    std::vector<core::ImageReference> references;
    if (auto refused = read_contents(body.at("contents"), spec, references)) return std::move(*refused);
    const auto limit = model->at("capabilities").at("max_reference_images").get<std::size_t>();
    if (spec.reference_images.size() > limit) {
      return context_.error("too_many_images", {{"message", "contents: must carry at most " + std::to_string(limit) +
                                                                " images for " + model_id + " (got " +
                                                                std::to_string(spec.reference_images.size()) + ")"}});
    }
    if (auto refused = context_.check_references(call, references)) return *refused;
    const json config = body.value("generationConfig", json::object());
    const json image_config = config.value("imageConfig", json::object());
    if (image_config.contains("aspectRatio")) {
      spec.aspect_ratio = image_config.at("aspectRatio").get<std::string>();
    } else if (auto matched = gemini::ratio_of_input_image(body.at("contents"), spec.upstream_model)) {
      spec.aspect_ratio = *matched;  // Gemini matches the input image when no ratio is asked for (gemini/aspect.hpp)
      call.notes.push_back("aspectRatio " + *matched + ": the input image's");
    }
    if (image_config.contains("imageSize")) spec.size_tier = core::size_tier(image_config.at("imageSize"));
    // Gemini's image models answer with text and image unless the modalities say otherwise (research §3).
    const json modalities = config.value("responseModalities", json::array({"TEXT", "IMAGE"}));
    spec.wants_text = std::any_of(modalities.begin(), modalities.end(), names_text);
    spec.wire_request = body;

    const auto input_sizes = gemini::inline_image_sizes(body.at("contents"));
    auto done = run(call, op, std::move(spec), *model);
    if (auto* refused = std::get_if<HttpResponse>(&done)) return std::move(*refused);
    return core::json_response(200, gemini_response(call, std::get<JobView>(done), input_sizes));
  }

  /// Text parts make the prompt; image parts are the references, one each (inline data kept as a short description,
  /// not the bytes; file URIs as sent, and in `references` to be checked). Inline data that is not base64 of an
  /// image is refused as the upstream refuses it (gemini/inline_image.hpp), relayed as INVALID_ARGUMENT.
  std::optional<HttpResponse> read_contents(const json& contents, JobSpec& spec,
                                            std::vector<core::ImageReference>& references) {
    for (std::size_t c = 0; c < contents.size(); ++c) {
      const json& parts = contents.at(c).at("parts");
      for (std::size_t p = 0; p < parts.size(); ++p) {
        const json& part = parts.at(p);
        if (part.contains("text")) {
          spec.prompt += (spec.prompt.empty() ? "" : "\n") + part.at("text").get<std::string>();
        } else if (part.contains("inlineData")) {
          const json& inline_data = part.at("inlineData");
          std::string note;
          if (auto fault = gemini::check_inline_image(inline_data.at("mimeType").get<std::string>(),
                                                      inline_data.at("data").get<std::string>(),
                                                      part_field(c, p) + ".inlineData.data", note)) {
            return context_.error("invalid_inline_data", {{"message", fault->message}});
          }
          spec.reference_images.push_back("inlineData:" + inline_data.at("mimeType").get<std::string>());
        } else if (part.contains("fileData")) {
          const std::string uri = part.at("fileData").at("fileUri").get<std::string>();
          spec.reference_images.push_back(uri);
          references.push_back({part_field(c, p) + ".fileData.fileUri", uri});
        }
      }
    }
    return std::nullopt;
  }

  static std::string part_field(std::size_t content, std::size_t part) {
    return "contents[" + std::to_string(content) + "].parts[" + std::to_string(part) + "]";
  }

  /// An undocumented member of generationConfig.imageConfig is refused by the upstream in its own words
  /// (research §6); every other violation is the gateway's invalid_request.
  HttpResponse native_invalid(const contracts::Violation& violation) {
    static constexpr std::string_view image_config = "generationConfig.imageConfig.";
    if (violation.rule == "additionalProperties" && violation.field.rfind(image_config, 0) == 0) {
      return context_.error("gemini_native_field", {{"field", violation.field.substr(image_config.size())}});
    }
    return context_.invalid(violation);
  }

  json gemini_response(ProviderCall& call, const JobView& job, const std::vector<std::pair<int, int>>& input_sizes) {
    json parts = json::array();
    std::size_t text_out = 0;
    if (job.spec.wants_text) {
      const std::string text = core::describe(job.spec);
      text_out = text.size();
      parts.push_back({{"text", text}});
    }
    for (const OutputFile& file : job.outputs) parts.push_back(core::inline_image_part(context_, call, file));
    // Google's own usage figures, relayed (gemini/usage.hpp).
    const json usage = gemini::usage_metadata(
        {job.spec.upstream_model, job.spec.prompt.size(), input_sizes, text_out, job.spec.size_tier, job.outputs.size()});
    return {{"candidates", json::array({{{"content", {{"role", "model"}, {"parts", parts}}},
                                         {"finishReason", "STOP"},
                                         {"index", 0}}})},
            {"usageMetadata", usage},
            {"modelVersion", job.spec.upstream_model},
            {"responseId", job.id}};
  }

  // ---- shared ---------------------------------------------------------------------------------------------------

  JobSpec base_spec(const ProviderCall& call, const std::string& model_id, const json& model) const {
    const json& capabilities = model.at("capabilities");
    JobSpec spec;
    spec.provider = contract_.id();
    spec.model = model_id;
    spec.upstream_model = model.at("upstream").get<std::string>();
    spec.aspect_ratio = capabilities.at("default_aspect_ratio").get<std::string>();
    spec.size_tier = capabilities.at("default_size_tier").get<std::string>();
    spec.api_key = call.api_key;
    return spec;
  }

  /// Runs the job synchronously (ProviderContext::run_synchronously): the job when it succeeded with at least one
  /// image, otherwise the answer (a size the model does not render, the timeout error, the failure's error).
  std::variant<JobView, HttpResponse> run(ProviderCall& call, const contracts::Operation& op, JobSpec spec,
                                          const json& model) {
    const auto size = ProviderContext::dimensions(spec.upstream_model, spec.aspect_ratio, spec.size_tier);
    if (!size) {
      return context_.invalid({"resolution", "enum",
                               "resolution: " + spec.size_tier + " is not available at aspect_ratio " +
                                   spec.aspect_ratio + " for " + spec.model});
    }
    std::tie(spec.width, spec.height) = *size;
    core::SyncOutcome done = context_.run_synchronously(call, op, std::move(spec), model);
    auto* job = std::get_if<JobView>(&done);
    if (job == nullptr || (job->state == JobState::succeeded && !job->outputs.empty())) return done;
    const std::string kind =
        job->state == JobState::succeeded ? std::string(failure::generation_failed) : job->failure_kind;
    return context_.error(context_.failure_error(op, kind));
  }

  ProviderContext& context_;
  const contracts::Contract& contract_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_crazyrouter(core::ProviderContext& context) {
  return std::make_unique<Crazyrouter>(context);
}

}  // namespace nanosim::providers
