// crazyrouter (seed 002): a new-api gateway selling Nano Banana 2 through two synchronous faces.
//   POST /v1/images/generations                        OpenAI Images style: {created, data:[{url}|{b64_json}]}
//   POST /v1beta/models/{model}:generateContent          Gemini's own shape, the image inline
// Both block until the job ends in simulated time (ProviderContext::run_to_completion) and answer the contract's
// timeout error past operations.*.synchronous.timeout_ms. Rules and bodies come from contracts/providers/crazyrouter.json.
#include <algorithm>
#include <cctype>

#include "../core/provider.hpp"
#include "../core/wire.hpp"

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
      return context_.error(route.error_kind, {{"method", call.http.method}, {"path", call.http.path}});
    }
    const auto& op = *route.match->operation;
    call.info.operation = op.name;
    if (auto refused = context_.sign_in(call)) return *refused;

    core::JsonBody body = context_.parse_json(call.http);
    if (body.violation) return context_.invalid(*body.violation, body.error_kind);
    if (op.name == "images_generate") return images_generate(call, op, body.value);
    return generate_content(call, op, route.match->params.at("model"), body.value);
  }

 private:
  // ---- POST /v1/images/generations ------------------------------------------------------------------------------

  HttpResponse images_generate(ProviderCall& call, const contracts::Operation& op, json& body) {
    if (auto refused = contract_.find_unsupported_parameter(op, call.http, body)) {
      return context_.error(refused->error, {{"field", refused->name}});
    }
    if (auto violations = contract_.validate_request(op, body); !violations.empty()) {
      return context_.invalid(violations.front());
    }
    contracts::Contract::apply_defaults(*op.request_schema, body);
    const std::string model_id = body.at("model").get<std::string>();
    const json* model = contract_.model(model_id);
    if (model == nullptr) return context_.error("model_unavailable", {{"model", model_id}});

    JobSpec spec = base_spec(call, model_id, *model);
    spec.prompt = body.at("prompt").get<std::string>();
    if (const auto it = body.find("image_input"); it != body.end()) {
      spec.reference_images = it->is_string() ? std::vector<std::string>{it->get<std::string>()}
                                              : it->get<std::vector<std::string>>();
    }
    if (body.contains("aspect_ratio") && body.at("aspect_ratio") != "auto") spec.aspect_ratio = body.at("aspect_ratio").get<std::string>();
    spec.size_tier = core::size_tier(body.at("resolution"));
    spec.format = images::parse_format(body.at("output_format").get<std::string>()).value_or(images::Format::png);
    spec.quality = body.at("output_compression").get<int>();
    spec.count = body.at("n").get<int>();
    spec.wire_request = body;

    const auto done = run(call, op, std::move(spec), *model);
    if (!done.job) return done.failure;
    json data = json::array();
    const bool inline_images = body.at("response_format") == "b64_json";
    for (const OutputFile& file : done.job->outputs) {
      data.push_back(inline_images ? json{{"b64_json", images::base64_encode(images::render(file.image))}}
                                   : json{{"url", ProviderContext::file_url(call.origin, file)}});
    }
    return core::json_response(200, {{"created", context_.unix_ms(done.job->submitted_at) / 1000}, {"data", data}});
  }

  // ---- POST /v1beta/models/{model}:generateContent --------------------------------------------------------------

  HttpResponse generate_content(ProviderCall& call, const contracts::Operation& op, const std::string& model_id,
                                json& body) {
    if (auto violations = contract_.validate_request(op, body); !violations.empty()) {
      return native_invalid(violations.front());
    }
    const json* model = contract_.model(model_id);
    if (model == nullptr) return context_.error("model_unavailable", {{"model", model_id}});

    JobSpec spec = base_spec(call, model_id, *model);
    read_contents(body.at("contents"), spec);
    const json config = body.value("generationConfig", json::object());
    const json image_config = config.value("imageConfig", json::object());
    if (image_config.contains("aspectRatio")) spec.aspect_ratio = image_config.at("aspectRatio").get<std::string>();
    if (image_config.contains("imageSize")) spec.size_tier = core::size_tier(image_config.at("imageSize"));
    // Gemini's image models answer with text and image unless the modalities say otherwise (research §3).
    const json modalities = config.value("responseModalities", json::array({"TEXT", "IMAGE"}));
    spec.wants_text = std::any_of(modalities.begin(), modalities.end(), names_text);
    spec.wire_request = body;

    const auto done = run(call, op, std::move(spec), *model);
    if (!done.job) return done.failure;
    return core::json_response(200, gemini_response(*done.job));
  }

  /// Text parts make the prompt; image parts are the references (kept as a short description, not the bytes).
  static void read_contents(const json& contents, JobSpec& spec) {
    for (const json& content : contents) {
      for (const json& part : content.at("parts")) {
        if (part.contains("text")) {
          spec.prompt += (spec.prompt.empty() ? "" : "\n") + part.at("text").get<std::string>();
        } else if (part.contains("inlineData")) {
          spec.reference_images.push_back("inlineData:" + part.at("inlineData").at("mimeType").get<std::string>());
        } else if (part.contains("fileData")) {
          spec.reference_images.push_back(part.at("fileData").at("fileUri").get<std::string>());
        }
      }
    }
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

  json gemini_response(const JobView& job) const {
    json parts = json::array();
    if (job.spec.wants_text) parts.push_back({{"text", core::describe(job.spec)}});
    for (const OutputFile& file : job.outputs) {
      parts.push_back({{"inlineData",
                        {{"mimeType", std::string(images::mime_type(file.image.format))},
                         {"data", images::base64_encode(images::render(file.image))}}}});
    }
    const auto tokens = tokens_per_image(job.spec);
    const auto prompt_tokens = static_cast<std::int64_t>(job.spec.prompt.size() / 4 + 1);  // ~4 characters a token
    const auto image_tokens = tokens * static_cast<std::int64_t>(job.outputs.size());
    return {{"candidates", json::array({{{"content", {{"role", "model"}, {"parts", parts}}},
                                         {"finishReason", "STOP"},
                                         {"index", 0}}})},
            {"usageMetadata",
             {{"promptTokenCount", prompt_tokens},
              {"candidatesTokenCount", image_tokens},
              {"totalTokenCount", prompt_tokens + image_tokens},
              {"promptTokensDetails", json::array({{{"modality", "TEXT"}, {"tokenCount", prompt_tokens}}})},
              {"candidatesTokensDetails", json::array({{{"modality", "IMAGE"}, {"tokenCount", image_tokens}}})}}},
            {"modelVersion", job.spec.upstream_model},
            {"responseId", job.id}};
  }

  static std::int64_t tokens_per_image(const JobSpec& spec) {
    const json& models = contracts::image_size_table().at("models");
    const auto model = models.find(spec.upstream_model);
    if (model == models.end() || !model->contains("tokens_per_image")) return 0;
    return model->at("tokens_per_image").value(spec.size_tier, 0);
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

  struct Finished {
    const JobView* job = nullptr;  // set when the job succeeded with at least one image
    HttpResponse failure;          // otherwise: what to answer
  };

  /// Submits the job and blocks until it ends (or the operation's timeout passes), as the provider does.
  Finished run(ProviderCall& call, const contracts::Operation& op, JobSpec spec, const json& model) {
    const auto size = ProviderContext::dimensions(spec.upstream_model, spec.aspect_ratio, spec.size_tier);
    if (!size) {
      return {nullptr, context_.invalid({"resolution", "enum",
                                         "resolution: " + spec.size_tier + " is not available at aspect_ratio " +
                                             spec.aspect_ratio + " for " + spec.model})};
    }
    std::tie(spec.width, spec.height) = *size;
    const JobFate fate = context_.fate_for(spec);
    const Millis run_time = context_.draw_run_time(model, spec.size_tier);
    const auto& id_format = contract_.document().at("ids").at("job");
    const JobView& submitted = context_.engine().submit(std::move(spec), fate, run_time, context_.dispatch_delay(model),
                                                        id_format.at("prefix").get<std::string>(),
                                                        id_format.at("length").get<std::size_t>());
    const std::string job_id = submitted.id;
    call.info.job_id = job_id;

    const json& synchronous = op.raw.at("synchronous");
    const std::optional<JobView> settled =
        context_.run_to_completion(call, job_id, Millis{synchronous.at("timeout_ms").get<std::int64_t>()});
    if (!settled || !is_terminal(settled->state)) {
      call.notes.push_back("synchronous wait passed its timeout; the job goes on");
      return {nullptr, context_.error(synchronous.at("timeout_error").get<std::string>())};
    }
    const JobView* finished = context_.engine().find(job_id);
    if (finished == nullptr) return {nullptr, context_.error("internal_error")};
    const JobView& job = *finished;
    if (job.state == JobState::succeeded && !job.outputs.empty()) return {&job, {}};
    const std::string kind = job.state == JobState::succeeded ? std::string(failure::generation_failed) : job.failure_kind;
    return {nullptr, context_.error(contract_.failure_kind(kind).at("error").get<std::string>())};
  }

  ProviderContext& context_;
  const contracts::Contract& contract_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_crazyrouter(core::ProviderContext& context) {
  return std::make_unique<Crazyrouter>(context);
}

}  // namespace nanosim::providers
