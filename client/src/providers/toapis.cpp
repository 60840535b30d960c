// ToAPIs (seed 003; research/providers.md §7): a task API. POST /v1/images/generations creates a task,
// GET /v1/images/generations/{task_id} reports its status and, once completed, its result: status and result
// read the same endpoint. No cancel operation is documented.
#include <array>
#include <utility>

#include "protocol_shapes.hpp"

namespace nanosim::client::detail {

namespace {

// OpenAI-style error types and codes of ToAPIs (seed 003 常见错误; research §7, §9).
constexpr std::array<std::pair<std::string_view, ErrorKind>, 6> error_codes{{
    {"invalid_request_error", ErrorKind::invalid_request},
    {"authentication_error", ErrorKind::unauthorized},
    {"rate_limit_exceeded", ErrorKind::rate_limited},
    {"invalid_api_type", ErrorKind::invalid_request},
    {"task_not_exist", ErrorKind::not_found},
    {"insufficient_user_quota", ErrorKind::insufficient_credits},
}};

// A task's status words (seed 003; research §7).
constexpr std::array<std::pair<std::string_view, JobState>, 5> task_states{{
    {"queued", JobState::queued},
    {"submitted", JobState::queued},
    {"in_progress", JobState::running},
    {"completed", JobState::succeeded},
    {"failed", JobState::failed},
}};

// error.code of a failed task (the contract's failure_kinds). Anything else: generation_failed.
constexpr std::array<std::pair<std::string_view, ErrorKind>, 1> failure_codes{{
    {"content_policy_violation", ErrorKind::content_blocked},
}};

Error toapis_error(const HttpResponse& response) {
  Error error = error_from_response(response);  // provider_code: error.code, else error.type
  const auto body = parse_json_body(response.body);
  const json* error_object = body && body->is_object() && body->contains("error") ? &body->at("error") : nullptr;
  const std::string type = error_object ? string_member(*error_object, "type") : std::string{};
  if (const auto kind = lookup(error_codes, error.provider_code)) error.kind = *kind;
  else if (const auto by_type = lookup(error_codes, type)) error.kind = *by_type;
  return error;
}

ImageOutput image_from(const json& entry) {
  ImageOutput image;
  image.url = string_member(entry, "url");
  image.width = int_member(entry, "width").value_or(0);
  image.height = int_member(entry, "height").value_or(0);
  return image;
}

/// Images of a completed task: result.data[] when present, else the single top-level url.
Result<GenerationResult> result_from_body(const json& body, const Submission& job, const HttpResponse& response) {
  GenerationResult result;
  result.job_id = string_member(body, "id");
  if (result.job_id.empty()) result.job_id = job.job_id;
  const json result_object = body.contains("result") ? body.at("result") : json::object();
  if (result_object.is_object() && result_object.contains("data") && result_object.at("data").is_array()) {
    for (const auto& entry : result_object.at("data")) {
      if (!entry.is_object() || string_member(entry, "url").empty()) {
        return protocol_error(response, "result: an entry of result.data has no \"url\"");
      }
      result.images.push_back(image_from(entry));
    }
  }
  if (result.images.empty()) {
    const std::string url = string_member(body, "url");
    if (url.empty()) return protocol_error(response, "result: completed task without \"url\"");
    ImageOutput image;
    image.url = url;
    result.images.push_back(std::move(image));
  }
  return result;
}

class ToapisProtocol final : public TaskProtocol {
 public:
  [[nodiscard]] Result<HttpRequest> submit_request(const GenerateRequest& request) const override {
    if (request.model.empty()) return unsupported_field("model", "ToAPIs requires a model (\"nano-banana-2\")");
    if (!request.output_format.empty()) {
      return unsupported_field("output_format", "ToAPIs documents no output format; pass one in extra");
    }
    if (request.include_text.value_or(false)) {
      return unsupported_field("include_text", "ToAPIs tasks return images only");
    }
    json body = {{"model", request.model}, {"prompt", request.prompt}};
    if (!request.aspect_ratio.empty()) body["size"] = request.aspect_ratio;
    if (request.count != 1) body["n"] = request.count;
    if (!request.reference_images.empty()) body["reference_images"] = request.reference_images;
    if (!request.size_tier.empty()) body["metadata"] = {{"resolution", normalize_size_tier(request.size_tier)}};
    if (request.extra.is_object() && !request.extra.empty()) body.merge_patch(request.extra);
    return json_request("POST", "/v1/images/generations", &body);
  }

 private:
  /// The task is the body itself. A submit may answer any 2xx; a task's GET answers 200.
  [[nodiscard]] Result<json> unwrap(const HttpResponse& response, std::string_view what) const override {
    return success_object(response, what, &toapis_error, what == "submit" ? Success::any_2xx : Success::status_200);
  }

  [[nodiscard]] Result<Submission> submission_of(const json& task, const GenerateRequest& request,
                                                 const HttpResponse& response) const override {
    Submission job;
    job.job_id = string_member(task, "id");
    if (job.job_id.empty()) return protocol_error(response, "submit: body has no \"id\"");
    job.model = request.model;
    return job;
  }

  [[nodiscard]] std::span<const std::pair<std::string_view, JobState>> state_words() const override {
    return task_states;
  }

  /// A failed task's error object as an error value.
  [[nodiscard]] Error failure_of(const json& body, const HttpResponse& response) const override {
    const json error_object = body.contains("error") ? body.at("error") : json::object();
    const std::string code = string_member(error_object, "code");
    std::string message = string_member(error_object, "message");
    if (message.empty()) message = error_object.is_string() ? error_object.get<std::string>() : "task failed";
    Error error = error_with_response(lookup(failure_codes, code).value_or(ErrorKind::generation_failed),
                                      std::move(message), response);
    error.provider_code = code;
    return error;
  }

  [[nodiscard]] std::optional<double> progress_of(const json& task) const override {
    return int_member(task, "progress");
  }

  [[nodiscard]] Result<GenerationResult> images_of(const json& task, const Submission& job,
                                                   const HttpResponse& response) const override {
    return result_from_body(task, job, response);
  }

  [[nodiscard]] std::string task_path(const Submission& job) const override {
    return "/v1/images/generations/" + job.job_id;
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_toapis_protocol() { return std::make_unique<ToapisProtocol>(); }

}  // namespace nanosim::client::detail
