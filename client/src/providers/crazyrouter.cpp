// crazyrouter: a new-api gateway (seed 002; research/providers.md §6, §9). Synchronous OpenAI Images face:
// POST /v1/images/generations answers with the images, so parse_submit fills Submission::completed_result.
#include <array>
#include <utility>

#include "protocol_shapes.hpp"

namespace nanosim::client::detail {

namespace {

// error.code values of crazyrouter's {"error":{"message","type","code"}} bodies (docs.crazyrouter.com/error-handling;
// research §9 for the relayed ones).
constexpr std::array<std::pair<std::string_view, ErrorKind>, 7> error_codes{{
    {"invalid_api_key", ErrorKind::unauthorized},
    {"insufficient_quota", ErrorKind::insufficient_credits},
    {"insufficient_user_quota", ErrorKind::insufficient_credits},
    {"rate_limit_exceeded", ErrorKind::rate_limited},
    {"model_not_found", ErrorKind::not_found},
    {"channel:image_generation_failed", ErrorKind::content_blocked},
    {"prompt_blocked", ErrorKind::content_blocked},
}};

Error crazyrouter_error(const HttpResponse& response) {
  Error error = error_from_response(response);
  if (const auto kind = lookup(error_codes, error.provider_code)) error.kind = *kind;
  return error;
}

std::string content_type_for(std::string_view output_format) {
  if (output_format == "jpeg" || output_format == "jpg") return "image/jpeg";
  return "image/png";  // the gateway's default format (contract: output_format default png)
}

Result<ImageOutput> image_from(const json& datum, const std::string& content_type, const HttpResponse& response) {
  if (!datum.is_object()) return protocol_error(response, "an entry of \"data\" is not an object");
  ImageOutput image;
  image.content_type = content_type;
  image.url = string_member(datum, "url");
  const std::string inline_data = string_member(datum, "b64_json");
  if (!inline_data.empty()) {
    auto bytes = base64_decode(inline_data);
    if (!bytes) return protocol_error(response, "an entry's \"b64_json\" is not base64");
    image.inline_bytes = std::move(bytes);
  }
  if (image.url.empty() && !image.inline_bytes) return protocol_error(response, "an entry has neither url nor b64_json");
  return image;
}

class CrazyrouterProtocol final : public SynchronousProtocol {
 public:
  CrazyrouterProtocol() : SynchronousProtocol("crazyrouter") {}

  [[nodiscard]] Result<HttpRequest> submit_request(const GenerateRequest& request) const override {
    if (request.model.empty()) return unsupported_field("model", "a model is required (\"nano-banana-2\")");
    if (request.include_text.value_or(false)) {
      return unsupported_field("include_text", "the OpenAI Images face returns images only");
    }
    json body = {{"model", request.model}, {"prompt", request.prompt}};
    if (!request.reference_images.empty()) body["image_input"] = request.reference_images;
    if (!request.aspect_ratio.empty()) body["aspect_ratio"] = request.aspect_ratio;
    if (!request.size_tier.empty()) body["resolution"] = normalize_size_tier(request.size_tier);
    if (!request.output_format.empty()) body["output_format"] = request.output_format;
    if (request.count != 1) body["n"] = request.count;
    if (request.extra.is_object() && !request.extra.empty()) body.merge_patch(request.extra);
    return json_request("POST", "/v1/images/generations", &body);
  }

  [[nodiscard]] Result<Submission> parse_submit(const HttpResponse& response,
                                                const GenerateRequest& request) const override {
    const auto body = success_object(response, "generate", &crazyrouter_error, Success::any_2xx);
    if (!body) return body.error();
    const auto data = body->find("data");
    if (data == body->end() || !data->is_array() || data->empty()) {
      return protocol_error(response, "generate: body has no \"data\" images");
    }
    std::string format = request.output_format;
    if (request.extra.is_object() && request.extra.contains("output_format")) {
      format = string_member(request.extra, "output_format");
    }
    GenerationResult result;
    for (const auto& datum : *data) {
      auto image = image_from(datum, content_type_for(format), response);
      if (!image) return image.error();
      result.images.push_back(std::move(image).value());
    }
    Submission job;
    // The face has no job id: the request id header when there is one, else the creation time.
    job.job_id = response.header("X-Request-Id").value_or("created-" + std::to_string(body->value("created", 0LL)));
    result.job_id = job.job_id;
    job.model = request.model;
    job.completed_result = std::move(result);
    return job;
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_crazyrouter_protocol() { return std::make_unique<CrazyrouterProtocol>(); }

}  // namespace nanosim::client::detail
