// crazyrouter: a new-api gateway (seed 002; research/providers.md §6, §9). Synchronous OpenAI Images face:
// POST /v1/images/generations answers with the images, so parse_submit fills Submission::completed_result.
#include <array>
#include <utility>

#include "provider_protocol.hpp"
#include "wire.hpp"

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

std::optional<ErrorKind> kind_for_code(std::string_view code) {
  for (const auto& [name, kind] : error_codes) {
    if (name == code) return kind;
  }
  return std::nullopt;
}

Error crazyrouter_error(const HttpResponse& response) {
  Error error = error_from_response(response);
  if (const auto kind = kind_for_code(error.provider_code)) error.kind = *kind;
  return error;
}

Error unsupported_field(std::string field, std::string message) {
  Error error;
  error.kind = ErrorKind::invalid_request;
  error.field = std::move(field);
  error.rule = "unsupported_by_provider";
  error.message = std::move(message);
  return error;
}

/// RFC 4648 base64 (padding optional, whitespace ignored); nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+') value = 62;
    else if (c == '/') value = 63;
    else if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    else return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
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
    auto bytes = decode_base64(inline_data);
    if (!bytes) return protocol_error(response, "an entry's \"b64_json\" is not base64");
    image.inline_bytes = std::move(bytes);
  }
  if (image.url.empty() && !image.inline_bytes) return protocol_error(response, "an entry has neither url nor b64_json");
  return image;
}

class CrazyrouterProtocol final : public ProviderProtocol {
 public:
  [[nodiscard]] ProtocolTraits traits() const override {
    ProtocolTraits traits;
    traits.synchronous = true;
    return traits;
  }

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
    if (response.status >= 400) return crazyrouter_error(response);
    if (response.status < 200 || response.status > 299) return protocol_error(response, "generate: unexpected status");
    const auto body = parse_json_body(response.body);
    if (!body || !body->is_object()) return protocol_error(response, "generate: body is not a JSON object");
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

  // A synchronous face: the Client never polls, these only keep the interface whole.
  [[nodiscard]] HttpRequest status_request(const Submission&) const override {
    return json_request("POST", "/v1/images/generations", nullptr);
  }
  [[nodiscard]] Result<JobStatus> parse_status(const HttpResponse& response) const override {
    return protocol_error(response, "crazyrouter has no status endpoint (synchronous)");
  }
  [[nodiscard]] HttpRequest result_request(const Submission& job) const override { return status_request(job); }
  [[nodiscard]] Result<ResultPoll> parse_result(const HttpResponse& response, const Submission&) const override {
    return protocol_error(response, "crazyrouter has no result endpoint (synchronous)");
  }
  [[nodiscard]] HttpRequest cancel_request(const Submission& job) const override { return status_request(job); }
  [[nodiscard]] Result<CancelOutcome> parse_cancel(const HttpResponse& response) const override {
    return protocol_error(response, "crazyrouter has no cancel endpoint");
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_crazyrouter_protocol() { return std::make_unique<CrazyrouterProtocol>(); }

}  // namespace nanosim::client::detail
