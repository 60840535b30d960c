// bananapro: a relabelled API Mall gateway selling Nano Banana by credits (seed 001; research/providers.md §5).
// Task-style: submit, then one GET serves both status and result. No cancel. Errors arrive as
// {"success":false,"error":{"code","message","details":{"field","rule"}?},"request_id"} at kie.ai's HTTP codes.
#include <array>
#include <utility>

#include "protocol_shapes.hpp"

namespace nanosim::client::detail {

namespace {

// error.code values (contracts/providers/bananapro.json; inferred, research §5). Anything else: by HTTP status.
constexpr std::array<std::pair<std::string_view, ErrorKind>, 8> error_codes{{
    {"UNAUTHORIZED", ErrorKind::unauthorized},
    {"INSUFFICIENT_CREDITS", ErrorKind::insufficient_credits},
    {"TASK_NOT_FOUND", ErrorKind::not_found},
    {"NOT_FOUND", ErrorKind::not_found},
    {"VALIDATION_ERROR", ErrorKind::invalid_request},
    {"RATE_LIMITED", ErrorKind::rate_limited},
    {"SERVICE_UNAVAILABLE", ErrorKind::server_error},
    {"INTERNAL_ERROR", ErrorKind::server_error},
}};

// data.status words (seed 001; research §5).
constexpr std::array<std::pair<std::string_view, JobState>, 4> task_states{{
    {"pending", JobState::queued},
    {"processing", JobState::running},
    {"completed", JobState::succeeded},
    {"failed", JobState::failed},
}};

// kie.ai's 455 (maintenance) is a 4xx number for a passing server condition: retry it like a 5xx.
constexpr int maintenance_status = 455;

Error bananapro_error(const HttpResponse& response) {
  Error error = error_from_response(response);
  if (const auto kind = lookup(error_codes, error.provider_code)) {
    error.kind = *kind;
  } else if (response.status == maintenance_status) {
    error.kind = ErrorKind::server_error;
  }
  if (const auto body = parse_json_body(response.body); body && body->is_object()) {
    if (const auto it = body->find("error"); it != body->end() && it->is_object()) {
      if (const auto details = it->find("details"); details != it->end()) {
        if (error.field.empty()) error.field = string_member(*details, "field");
        if (error.rule.empty()) error.rule = string_member(*details, "rule");
      }
    }
  }
  return error;
}

class BananaproProtocol final : public TaskProtocol {
 public:
  [[nodiscard]] Result<HttpRequest> submit_request(const GenerateRequest& request) const override {
    if (!request.size_tier.empty() && normalize_size_tier(request.size_tier) != "1K") {
      return unsupported_field("size_tier",
                               "bananapro's nano-banana renders one fixed size (about 1K); leave size_tier empty");
    }
    if (!request.output_format.empty()) {
      return unsupported_field("output_format", "bananapro documents no output format; pass one in extra");
    }
    if (request.include_text.value_or(false)) {
      return unsupported_field("include_text", "bananapro returns images only");
    }
    json body = json::object();
    if (!request.model.empty()) body["model"] = request.model;  // none sent: the provider names the field
    if (!request.reference_images.empty()) {
      body["type"] = "image-to-image";
      body["image_urls"] = request.reference_images;
    }
    body["prompt"] = request.prompt;
    if (!request.aspect_ratio.empty()) body["aspect_ratio"] = request.aspect_ratio;
    if (request.count != 1) body["num_images"] = request.count;  // the provider refuses anything but 1
    if (request.extra.is_object() && !request.extra.empty()) body.merge_patch(request.extra);
    return json_request("POST", "/api/v1/images/generate", &body);
  }

 private:
  /// The `data` object of a successful envelope, or the error the response carries instead.
  [[nodiscard]] Result<json> unwrap(const HttpResponse& response, std::string_view what) const override {
    const auto body = success_object(response, what, &bananapro_error, Success::any_2xx);
    if (!body) return body.error();
    if (const auto success = body->find("success"); success != body->end() && *success == false) {
      return bananapro_error(response);
    }
    return envelope_member(*body, "data", response, what);
  }

  [[nodiscard]] Result<Submission> submission_of(const json& data, const GenerateRequest& request,
                                                 const HttpResponse& response) const override {
    Submission job;
    job.job_id = string_member(data, "task_id");
    if (job.job_id.empty()) return protocol_error(response, "submit: data has no \"task_id\"");
    job.model = string_member(data, "model");
    if (job.model.empty()) job.model = request.model;
    return job;
  }

  [[nodiscard]] std::span<const std::pair<std::string_view, JobState>> state_words() const override {
    return task_states;
  }

  /// error_message is all the provider says of a failure, so a safety block is told apart by its words
  /// ([INF]: the simulator's text, "blocked by the content safety filter").
  [[nodiscard]] Error failure_of(const json& task, const HttpResponse& response) const override {
    std::string message = string_member(task, "error_message");
    if (message.empty()) message = "task failed";
    const bool blocked = message.find("safety") != std::string::npos || message.find("blocked") != std::string::npos;
    const ErrorKind kind = blocked ? ErrorKind::content_blocked : ErrorKind::generation_failed;
    Error error = error_with_response(kind, message, response);
    error.provider_code = "failed";
    return error;
  }

  [[nodiscard]] Result<GenerationResult> images_of(const json& task, const Submission& job,
                                                   const HttpResponse& response) const override {
    GenerationResult result;
    result.job_id = string_member(task, "task_id");
    if (result.job_id.empty()) result.job_id = job.job_id;
    std::vector<std::string> urls;
    if (const auto output = task.find("output"); output != task.end() && output->is_object()) {
      if (const auto list = output->find("resultUrls"); list != output->end() && list->is_array()) {
        for (const auto& url : *list) {
          if (url.is_string()) urls.push_back(url.get<std::string>());
        }
      }
    }
    if (urls.empty() && !string_member(task, "primary_url").empty()) urls.push_back(string_member(task, "primary_url"));
    if (urls.empty()) return protocol_error(response, "result: a completed task without result URLs");
    for (auto& url : urls) {
      ImageOutput image;
      image.url = std::move(url);
      infer_content_type(image);  // from the URL's path: the file name below keeps any query string
      image.file_name = image.url.substr(image.url.rfind('/') + 1);
      result.images.push_back(std::move(image));
    }
    return result;
  }

  [[nodiscard]] std::string task_path(const Submission& job) const override { return "/api/v1/images/" + job.job_id; }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_bananapro_protocol() { return std::make_unique<BananaproProtocol>(); }

}  // namespace nanosim::client::detail
