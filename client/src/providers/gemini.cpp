// gemini: Google's generateContent with image output (research/providers.md §3; research/real-clients.md for
// what @google/genai sends). Synchronous: submit's response is the result, images inline as base64.
#include <array>
#include <utility>

#include "protocol_shapes.hpp"

namespace nanosim::client::detail {

namespace {

// google.rpc status names of the {"error":{"code","message","status"}} envelope (providers.md §3).
constexpr std::array<std::pair<std::string_view, ErrorKind>, 9> status_kinds{{
    {"INVALID_ARGUMENT", ErrorKind::invalid_request},
    {"FAILED_PRECONDITION", ErrorKind::invalid_request},
    {"PERMISSION_DENIED", ErrorKind::forbidden},
    {"UNAUTHENTICATED", ErrorKind::unauthorized},
    {"NOT_FOUND", ErrorKind::not_found},
    {"RESOURCE_EXHAUSTED", ErrorKind::rate_limited},
    {"INTERNAL", ErrorKind::server_error},
    {"UNAVAILABLE", ErrorKind::server_error},
    {"CANCELLED", ErrorKind::cancelled},
}};

// finishReason values that mean a safety system refused the output (providers.md §3). Any other finishReason
// without an image is generation_failed; any promptFeedback.blockReason is content_blocked.
constexpr std::array<std::string_view, 8> blocked_reasons{
    "SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "IMAGE_PROHIBITED_CONTENT", "BLOCKLIST",
    "SPII", "RECITATION", "IMAGE_RECITATION"};

bool is_blocked(std::string_view reason) {
  for (const auto& name : blocked_reasons) {
    if (name == reason) return true;
  }
  return false;
}

/// The first detail of a type ("google.rpc.ErrorInfo"), or null.
const json* detail_of(const json& error, std::string_view type) {
  const auto details = error.find("details");
  if (details == error.end() || !details->is_array()) return nullptr;
  for (const auto& detail : *details) {
    if (detail.is_object() && string_member(detail, "@type") == "type.googleapis.com/" + std::string(type)) return &detail;
  }
  return nullptr;
}

Error gemini_error(const HttpResponse& response) {
  Error error = error_from_response(response);
  const auto body = parse_json_body(response.body);
  if (!body || !body->is_object() || !body->contains("error") || !body->at("error").is_object()) return error;
  const json& object = body->at("error");
  const std::string status = string_member(object, "status");
  if (!status.empty()) error.provider_code = status;
  if (const auto kind = lookup(status_kinds, status)) error.kind = *kind;
  if (const json* info = detail_of(object, "google.rpc.ErrorInfo"); info && string_member(*info, "reason") == "API_KEY_INVALID") {
    error.kind = ErrorKind::unauthorized;
    error.provider_code = "API_KEY_INVALID";
  }
  if (status == "PERMISSION_DENIED" && error.message.find("unregistered callers") != std::string::npos) {
    error.kind = ErrorKind::unauthorized;  // no key at all
  }
  if (const json* bad = detail_of(object, "google.rpc.BadRequest")) {
    const auto violations = bad->find("fieldViolations");
    if (violations != bad->end() && violations->is_array() && !violations->empty() && violations->at(0).is_object()) {
      error.field = string_member(violations->at(0), "field");
    }
  }
  if (const json* retry = detail_of(object, "google.rpc.RetryInfo"); retry && !error.retry_after) {
    const std::string delay = string_member(*retry, "retryDelay");  // "23s" or "1.5s"
    char* end = nullptr;
    const double seconds = std::strtod(delay.c_str(), &end);
    if (end != delay.c_str() && seconds >= 0) error.retry_after = std::chrono::milliseconds{static_cast<long long>(seconds * 1000)};
  }
  return error;
}

/// A reference image as a part: a data: URI inline, anything else as a file URI.
json reference_part(const std::string& reference) {
  static constexpr std::string_view marker = ";base64,";
  const auto comma = reference.find(marker);
  if (reference.rfind("data:", 0) == 0 && comma != std::string::npos) {
    return {{"inlineData", {{"mimeType", reference.substr(5, comma - 5)}, {"data", reference.substr(comma + marker.size())}}}};
  }
  return {{"fileData", {{"fileUri", reference}}}};
}

/// Width and height from a PNG's IHDR chunk; 0 x 0 for anything else.
std::pair<int, int> png_size(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  const auto be32 = [&](std::size_t at) {
    int value = 0;
    for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    return value;
  };
  return {be32(16), be32(20)};
}

Result<ImageOutput> inline_image(const json& inline_data, const HttpResponse& response) {
  ImageOutput image;
  image.content_type = string_member(inline_data, "mimeType");
  auto bytes = base64_decode(string_member(inline_data, "data"));
  if (!bytes || bytes->empty()) return protocol_error(response, "an inlineData part has no base64 \"data\"");
  std::tie(image.width, image.height) = png_size(*bytes);
  image.inline_bytes = std::move(bytes);
  return image;
}

/// A refusal or a candidate without an image, as the error it is.
Error no_image(const std::string& reason, bool blocked, std::string message, const HttpResponse& response) {
  const ErrorKind kind = blocked ? ErrorKind::content_blocked : ErrorKind::generation_failed;
  Error error = error_with_response(kind, std::move(message), response);
  error.provider_code = reason;
  return error;
}

Result<GenerationResult> result_from_body(const json& body, const HttpResponse& response) {
  GenerationResult result;
  result.job_id = string_member(body, "responseId");
  if (const auto feedback = body.find("promptFeedback"); feedback != body.end() && feedback->is_object()) {
    const std::string reason = string_member(*feedback, "blockReason");
    if (!reason.empty()) return no_image(reason, true, "the prompt was blocked: " + reason, response);
  }
  const auto candidates = body.find("candidates");
  if (candidates == body.end() || !candidates->is_array() || candidates->empty() || !candidates->at(0).is_object()) {
    return protocol_error(response, "generateContent: no candidates and no promptFeedback");
  }
  const json& candidate = candidates->at(0);
  const std::string reason = string_member(candidate, "finishReason");
  const auto content = candidate.find("content");
  const json parts = content != candidate.end() && content->is_object() ? content->value("parts", json::array()) : json::array();
  for (const auto& part : parts) {
    if (!part.is_object()) return protocol_error(response, "a content part is not an object");
    if (part.contains("text") && part.at("text").is_string()) result.text = result.text.value_or("") + part.at("text").get<std::string>();
    if (!part.contains("inlineData") || !part.at("inlineData").is_object()) continue;
    auto image = inline_image(part.at("inlineData"), response);
    if (!image) return image.error();
    result.images.push_back(std::move(image).value());
  }
  if (result.images.empty()) {
    const std::string message = string_member(candidate, "finishMessage");
    return no_image(reason, is_blocked(reason), message.empty() ? "no image; finishReason " + reason : message, response);
  }
  return result;
}

class GeminiProtocol final : public SynchronousProtocol {
 public:
  GeminiProtocol() : SynchronousProtocol("gemini") {}

  void authorize(HttpRequest& request, std::string_view api_key) const override {
    if (!api_key.empty()) request.headers.emplace("x-goog-api-key", std::string(api_key));
  }

  [[nodiscard]] Result<HttpRequest> submit_request(const GenerateRequest& request) const override {
    if (request.model.empty()) return unsupported_field("model", "a model is required to build /v1beta/models/<model>:generateContent");
    if (request.count != 1) return unsupported_field("count", "Gemini image models return one image per request");
    if (!request.output_format.empty() && request.output_format != "png") {
      return unsupported_field("output_format", "Gemini returns PNG; it has no output format field");
    }
    json parts = json::array();
    if (!request.prompt.empty()) parts.push_back({{"text", request.prompt}});
    for (const auto& reference : request.reference_images) parts.push_back(reference_part(reference));
    json config = json::object();
    if (request.include_text) config["responseModalities"] = *request.include_text ? json{"TEXT", "IMAGE"} : json{"IMAGE"};
    json image_config = json::object();
    if (!request.aspect_ratio.empty()) image_config["aspectRatio"] = request.aspect_ratio;
    if (!request.size_tier.empty()) image_config["imageSize"] = normalize_size_tier(request.size_tier);
    if (!image_config.empty()) config["imageConfig"] = image_config;
    json body = {{"contents", json::array({{{"role", "user"}, {"parts", parts}}})}};
    if (!config.empty()) body["generationConfig"] = config;
    if (request.extra.is_object() && !request.extra.empty()) body.merge_patch(request.extra);
    return json_request("POST", "/v1beta/models/" + request.model + ":generateContent", &body);
  }

  [[nodiscard]] Result<Submission> parse_submit(const HttpResponse& response,
                                                const GenerateRequest& request) const override {
    const auto body = success_object(response, "generateContent", &gemini_error);
    if (!body) return body.error();
    auto result = result_from_body(*body, response);
    if (!result) return result.error();
    Submission job;
    job.job_id = result->job_id;
    job.model = request.model;
    job.completed_result = std::move(result).value();
    return job;
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_gemini_protocol() { return std::make_unique<GeminiProtocol>(); }

}  // namespace nanosim::client::detail
