// gemini: Google's own generateContent with image output (research/providers.md §3). Synchronous: the POST
// answers once the job is done in simulated time (ProviderContext::run_synchronously), the image inline as
// base64. Every rule, body shape and error comes from contracts/providers/gemini.json.
#include <algorithm>

#include "../core/provider.hpp"
#include "../core/wire.hpp"
#include "gemini/aspect.hpp"
#include "gemini/inline_image.hpp"
#include "gemini/stream.hpp"
#include "gemini/usage.hpp"

namespace nanosim::providers {
namespace {

using core::json;
using core::ProviderCall;
using core::ProviderContext;

/// What the request's contents carry, read once the body passed the schema.
struct ContentsSummary {
  std::string prompt;                       // the text parts, joined by new lines
  std::vector<std::string> image_notes;     // one short note per input image ("image/png 640x480")
  std::vector<core::ImageReference> file_uris;  // fileData parts, to be checked (the simulator's own files)
  std::vector<std::pair<int, int>> image_sizes;  // every input image (a file reference: unknown, 0x0)
  std::size_t text_characters = 0;
};

/// A request that the schema accepts but the provider still refuses: the catalog kind and its variables.
struct Refusal {
  std::string kind;
  std::map<std::string, std::string> vars;
};

std::string part_path(std::size_t content, std::size_t part) {
  return "contents[" + std::to_string(content) + "].parts[" + std::to_string(part) + "]";
}

class Gemini final : public core::ProviderAdapter {
 public:
  explicit Gemini(ProviderContext& context) : context_(context), contract_(context.contract()) {}

  HttpResponse handle(ProviderCall& call) override {
    const auto route = core::route(contract_, call);
    if (!route.match) return context_.error(route.error_kind);
    const auto& op = *route.match->operation;
    if (op.name == "get_model" && route.match->params.at("model").find(':') != std::string::npos) {
      return context_.error("method_not_allowed");  // GET on a method's path ("…:generateContent")
    }
    call.info.operation = op.name;
    if (auto refused = context_.sign_in(call)) return *refused;
    if (op.name == "get_model" || op.name == "count_tokens") return about_model(call, op, route.match->params.at("model"));
    HttpResponse answer = generate(call, op, route.match->params.at("model"));
    if (op.name != "stream_generate_content") return answer;
    return gemini::stream_answer(call, std::move(answer), gemini::stream_opened(context_, call));
  }

 private:
  HttpResponse generate(ProviderCall& call, const contracts::Operation& op, const std::string& model_id) {
    const json* model = contract_.model(model_id);
    if (model == nullptr) return context_.error("model_not_found", {{"model", model_id}});
    core::JsonBody body = context_.parse_json(call.http);
    if (body.violation) return context_.invalid(*body.violation, body.error_kind);
    if (auto violations = context_.validate_request(call, op, body.value, model_id); !violations.empty()) {
      return context_.invalid(violations.front());
    }
    ContentsSummary contents;
    if (auto refusal = read_contents(body.value, *model, model_id, contents)) {
      return context_.error(refusal->kind, refusal->vars);
    }
    if (auto refused = context_.check_references(call, contents.file_uris)) return *refused;
    contents.image_sizes = gemini::inline_image_sizes(body.value.at("contents"));
    contents.image_sizes.resize(contents.image_sizes.size() + contents.file_uris.size(), {0, 0});
    JobSpec spec;
    if (auto violation = job_spec(call, op, body.value, *model, model_id, contents, spec)) {
      return context_.invalid(*violation);
    }
    core::SyncOutcome done = context_.run_synchronously(call, op, std::move(spec), *model);
    if (auto* refused = std::get_if<HttpResponse>(&done)) return std::move(*refused);
    const JobView& job = std::get<JobView>(done);
    if (job.state != JobState::succeeded) return failed(op, job, contents);
    return succeeded(call, job, contents);
  }

  /// models.get (the model's resource) and models.countTokens (the prompt's tokens, by the rule generateContent's
  /// usageMetadata follows: gemini/usage.hpp).
  HttpResponse about_model(ProviderCall& call, const contracts::Operation& op, const std::string& model_id) {
    const json* model = contract_.model(model_id);
    if (model == nullptr) return context_.error("model_not_found", {{"model", model_id}});
    if (op.name == "get_model") {
      const json& limits = model->at("token_limits");
      return core::json_response(200, {{"name", "models/" + model_id}, {"baseModelId", model_id}, {"version", model_id},
                                       {"displayName", model->at("title")}, {"description", model->at("title")},
                                       {"inputTokenLimit", limits.at("input")}, {"outputTokenLimit", limits.at("output")},
                                       {"supportedGenerationMethods", {"generateContent", "countTokens"}}});
    }
    core::JsonBody body = context_.parse_json(call.http);
    if (body.violation) return context_.invalid(*body.violation, body.error_kind);
    if (auto violations = context_.validate_request(call, op, body.value); !violations.empty()) {
      return context_.invalid(violations.front());
    }
    const json& contents = body.value.contains("contents") ? body.value.at("contents")
                                                           : body.value.at("generateContentRequest").at("contents");
    ContentsSummary summary;
    if (auto refusal = read_contents(json{{"contents", contents}}, *model, model_id, summary)) {
      return context_.error(refusal->kind, refusal->vars);
    }
    summary.image_sizes = gemini::inline_image_sizes(contents);
    summary.image_sizes.resize(summary.image_sizes.size() + summary.file_uris.size(), {0, 0});
    const json usage = gemini::usage_metadata({model->at("upstream").get_ref<const std::string&>(),
                                               summary.text_characters, summary.image_sizes, 0, "", 0});
    return core::json_response(200, {{"totalTokens", usage.at("promptTokenCount")},
                                     {"promptTokensDetails", usage.at("promptTokensDetails")}});
  }

  /// Text, input images (each must be base64 of a real image) and their count against the model's limit.
  std::optional<Refusal> read_contents(const json& body, const json& model, const std::string& model_id,
                                       ContentsSummary& out) const {
    const json& items = body.at("contents");
    for (std::size_t c = 0; c < items.size(); ++c) {
      const json& parts = items[c].at("parts");
      for (std::size_t p = 0; p < parts.size(); ++p) {
        const json& part = parts[p];
        if (const auto text = part.find("text"); text != part.end()) {
          if (!out.prompt.empty()) out.prompt += '\n';
          out.prompt += text->get<std::string>();
          out.text_characters += text->get_ref<const std::string&>().size();
        }
        if (part.contains("fileData")) {
          const std::string uri = part.at("fileData").at("fileUri").get<std::string>();
          out.image_notes.push_back("file " + uri);
          out.file_uris.push_back({part_path(c, p) + ".fileData.fileUri", uri});
        }
        const auto inline_data = part.find("inlineData");
        if (inline_data == part.end()) continue;
        std::string note;
        if (auto refusal = inline_image(*inline_data, part_path(c, p) + ".inlineData.data", note)) return refusal;
        out.image_notes.push_back(std::move(note));
      }
    }
    const json& capabilities = model.at("capabilities");
    const auto limit = capabilities.value("max_reference_images", out.image_notes.size());
    if (out.image_notes.size() > limit) {
      return Refusal{"too_many_images",
                     {{"field", "contents"},
                      {"message", "contents: must carry at most " + std::to_string(limit) + " images for " + model_id +
                                      " (got " + std::to_string(out.image_notes.size()) + ")"}}};
    }
    return std::nullopt;
  }

  /// Reads one inline image into a short note; refuses data that is not base64, or base64 of no image.
  static std::optional<Refusal> inline_image(const json& inline_data, const std::string& field, std::string& note) {
    const auto fault = gemini::check_inline_image(inline_data.at("mimeType").get<std::string>(),
                                                  inline_data.at("data").get<std::string>(), field, note);
    if (!fault) return std::nullopt;
    return Refusal{fault->kind, {{"field", field}}};
  }

  /// The provider-neutral job. Defaults (aspect ratio, size, modalities) are the schemas' own.
  std::optional<contracts::Violation> job_spec(const ProviderCall& call, const contracts::Operation& op,
                                               const json& body, const json& model, const std::string& model_id,
                                               const ContentsSummary& contents, JobSpec& spec) const {
    static const json::json_pointer modalities_ptr("/properties/generationConfig/properties/responseModalities");
    static const json::json_pointer image_config_ptr("/properties/generationConfig/properties/imageConfig/properties");
    const json& model_config = contract_.model_request_schema(model_id)->document().at(image_config_ptr);
    const json config = body.value("generationConfig", json::object());
    const json image_config = config.value("imageConfig", json::object());
    const json modalities = config.value("responseModalities", op.request_schema->document().at(modalities_ptr).at("default"));

    spec.provider = contract_.id();
    spec.model = model_id;
    spec.upstream_model = model.at("upstream").get<std::string>();
    spec.prompt = contents.prompt;
    spec.reference_images = contents.image_notes;
    spec.aspect_ratio = image_config.value("aspectRatio", model_config.at("aspectRatio").at("default").get<std::string>());
    // No aspectRatio: the model matches the input image (gemini/aspect.hpp), else the schema's default (1:1).
    if (!image_config.contains("aspectRatio")) {
      if (auto matched = gemini::ratio_of_input_image(body.at("contents"), spec.upstream_model)) {
        spec.aspect_ratio = *matched;
        call.notes.push_back("aspectRatio " + *matched + ": the input image's");
      }
    }
    spec.size_tier = core::size_tier(image_config.value("imageSize", model_config.at("imageSize").at("default")));
    spec.wants_text = std::any_of(modalities.begin(), modalities.end(),
                                  [](const json& m) { return m == "TEXT" || m == "Text"; });
    spec.api_key = call.api_key;
    spec.wire_request = without_image_data(body);
    const auto size = ProviderContext::dimensions(spec.upstream_model, spec.aspect_ratio, spec.size_tier);
    if (!size) {
      return contracts::Violation{"generationConfig.imageConfig.imageSize", "enum",
                                  "imageSize: " + spec.size_tier + " is not available at aspectRatio " +
                                      spec.aspect_ratio + " for " + model_id};
    }
    std::tie(spec.width, spec.height) = *size;
    return std::nullopt;
  }

  /// The request as kept with the job: inline image data replaced by its length (jobs are kept by the thousand).
  static json without_image_data(json body) {
    for (json& content : body.at("contents")) {
      for (json& part : content.at("parts")) {
        if (!part.contains("inlineData")) continue;
        json& data = part.at("inlineData").at("data");
        data = "<" + std::to_string(data.get_ref<const std::string&>().size()) + " base64 characters>";
      }
    }
    return body;
  }

  /// Gemini's usageMetadata (gemini/usage.hpp) for the request's contents and what the job produced.
  static json usage(const ContentsSummary& contents, const JobView& job, std::size_t text_out, std::size_t images_out) {
    return gemini::usage_metadata(
        {job.spec.upstream_model, contents.text_characters, contents.image_sizes, text_out, job.spec.size_tier, images_out});
  }

  static json envelope(const JobView& job, json usage_metadata) {
    return {{"usageMetadata", std::move(usage_metadata)}, {"modelVersion", job.spec.model}, {"responseId", job.id}};
  }

  HttpResponse succeeded(ProviderCall& call, const JobView& job, const ContentsSummary& contents) {
    json parts = json::array();
    std::size_t text_out = 0;
    if (job.spec.wants_text) {
      const std::string text = core::describe(job.spec);
      text_out = text.size();
      parts.push_back({{"text", text}});
    }
    for (const OutputFile& file : job.outputs) parts.push_back(core::inline_image_part(context_, call, file));
    json out = envelope(job, usage(contents, job, text_out, job.outputs.size()));
    out["candidates"] = json::array({{{"content", {{"role", "model"}, {"parts", parts}}}, {"finishReason", "STOP"}, {"index", 0}}});
    return core::json_response(200, out);
  }

  /// A failed job: the failure kind's error, or a 200 without an image (a blocked prompt or a candidate that
  /// carries the failure's finishReason).
  HttpResponse failed(const contracts::Operation& op, const JobView& job, const ContentsSummary& contents) {
    const json& failure = contract_.failure_kind(job.failure_kind);
    if (failure.contains("error")) return context_.error(context_.failure_error(op, job.failure_kind));
    const json& wire = failure.at("wire");
    json out = envelope(job, usage(contents, job, 0, 0));
    const bool before_start = job.fate.fail_at_fraction <= 0.0;
    if (before_start && wire.contains("prompt_blocked")) {
      out.update(wire.at("prompt_blocked"));
      return core::json_response(200, out);
    }
    json candidate = {{"index", 0}};
    candidate.update(wire.value("candidate", json::object()));
    if (!job.failure_message.empty()) candidate["finishMessage"] = job.failure_message;
    out["candidates"] = json::array({candidate});
    return core::json_response(200, out);
  }

  ProviderContext& context_;
  const contracts::Contract& contract_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_gemini(core::ProviderContext& context) {
  return std::make_unique<Gemini>(context);
}

}  // namespace nanosim::providers
