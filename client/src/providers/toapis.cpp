// ToAPIs (seed 003; research/providers.md §7): a task API. POST /v1/images/generations creates a task,
// GET /v1/images/generations/{task_id} reports its status and, once completed, its result: status and result
// read the same endpoint. No cancel operation is documented.
#include <array>
#include <utility>

#include "provider_protocol.hpp"
#include "wire.hpp"

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

Error unsupported_field(std::string field, std::string message) {
  Error error;
  error.kind = ErrorKind::invalid_request;
  error.field = std::move(field);
  error.rule = "unsupported_by_provider";
  error.message = std::move(message);
  return error;
}

std::optional<json> object_body(const HttpResponse& response) {
  auto body = parse_json_body(response.body);
  if (!body || !body->is_object()) return std::nullopt;
  return body;
}

JobStatus failed_status(const json& body, const HttpResponse& response) {
  const json error_object = body.contains("error") ? body.at("error") : json::object();
  const std::string code = string_member(error_object, "code");
  std::string message = string_member(error_object, "message");
  if (message.empty()) message = error_object.is_string() ? error_object.get<std::string>() : "task failed";
  Error error = error_with_response(lookup(failure_codes, code).value_or(ErrorKind::generation_failed),
                                    std::move(message), response);
  error.provider_code = code;
  JobStatus status;
  status.state = JobState::failed;
  status.progress = int_member(body, "progress");
  status.error = std::move(error);
  return status;
}

Result<JobStatus> status_from_body(const json& body, const HttpResponse& response) {
  const std::string status = string_member(body, "status");
  JobStatus parsed;
  parsed.progress = int_member(body, "progress");
  if (status == "queued" || status == "submitted") {
    parsed.state = JobState::queued;
  } else if (status == "in_progress") {
    parsed.state = JobState::running;
  } else if (status == "completed") {
    parsed.state = JobState::succeeded;
  } else if (status == "failed") {
    return failed_status(body, response);
  } else {
    return protocol_error(response, "task body has no known \"status\" (queued, in_progress, completed, failed)");
  }
  return parsed;
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

class ToapisProtocol final : public ProviderProtocol {
 public:
  [[nodiscard]] ProtocolTraits traits() const override { return {}; }

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

  [[nodiscard]] Result<Submission> parse_submit(const HttpResponse& response,
                                                const GenerateRequest& request) const override {
    if (response.status >= 400) return toapis_error(response);
    if (response.status < 200 || response.status > 299) return protocol_error(response, "submit: unexpected status");
    const auto body = object_body(response);
    if (!body) return protocol_error(response, "submit: body is not a JSON object");
    Submission job;
    job.job_id = string_member(*body, "id");
    if (job.job_id.empty()) return protocol_error(response, "submit: body has no \"id\"");
    job.model = request.model;
    return job;
  }

  [[nodiscard]] HttpRequest status_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<JobStatus> parse_status(const HttpResponse& response) const override {
    if (response.status >= 400) return toapis_error(response);
    if (response.status != 200) return protocol_error(response, "status: unexpected status");
    const auto body = object_body(response);
    if (!body) return protocol_error(response, "status: body is not a JSON object");
    return status_from_body(*body, response);
  }

  [[nodiscard]] HttpRequest result_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<ResultPoll> parse_result(const HttpResponse& response, const Submission& job) const override {
    auto status = parse_status(response);
    if (!status) return status.error();
    if (status->state != JobState::succeeded) return ResultPoll{std::move(status).value()};
    auto result = result_from_body(*object_body(response), job, response);
    if (!result) return result.error();
    return ResultPoll{std::move(result).value()};
  }

  /// Never called: traits().cancellable is false (ToAPIs documents no cancel).
  [[nodiscard]] HttpRequest cancel_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<CancelOutcome> parse_cancel(const HttpResponse& response) const override {
    return protocol_error(response, "cancel: ToAPIs documents no cancel operation");
  }

 private:
  static HttpRequest task_request(const Submission& job) {
    return json_request("GET", "/v1/images/generations/" + job.job_id, nullptr);
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_toapis_protocol() { return std::make_unique<ToapisProtocol>(); }

}  // namespace nanosim::client::detail
