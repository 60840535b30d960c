// odirouter: a relabelled SeaArt Cloud model API, itself a copy of fal.ai's queue
// (seed 000; research/providers.md §1-2). Submit, then poll status, fetch the result, cancel.
#include <array>
#include <utility>

#include "provider_protocol.hpp"
#include "wire.hpp"

namespace nanosim::client::detail {

namespace {

// Error codes of odirouter's {"error":{"code",...}} bodies (providers.md §2; the last ones [INF]).
constexpr std::array<std::pair<std::string_view, ErrorKind>, 7> error_codes{{
    {"UNAUTHORIZED", ErrorKind::unauthorized},
    {"RATE_LIMIT_EXCEEDED", ErrorKind::rate_limited},
    {"FORBIDDEN", ErrorKind::forbidden},
    {"NOT_FOUND", ErrorKind::not_found},
    {"INSUFFICIENT_CREDITS", ErrorKind::insufficient_credits},
    {"INSUFFICIENT_BALANCE", ErrorKind::insufficient_credits},
    {"CONTENT_BLOCKED", ErrorKind::content_blocked},
}};

// error_type of a COMPLETED-with-error status (providers.md §2). Anything else: generation_failed.
constexpr std::array<std::pair<std::string_view, ErrorKind>, 3> failure_types{{
    {"CONTENT_BLOCKED", ErrorKind::content_blocked},
    {"CANCELED", ErrorKind::cancelled},
    {"REQUEST_INVALID", ErrorKind::invalid_request},
}};


// The whole {"detail"} of a /response for a job that ended without images (research §2).
constexpr std::string_view runtime_failed_detail = "Runtime execution failed";

Error odirouter_error(const HttpResponse& response) {
  Error error = error_from_response(response);
  if (const auto kind = lookup(error_codes, error.provider_code)) error.kind = *kind;
  return error;
}

std::vector<std::string> read_logs(const json& body) {
  std::vector<std::string> logs;
  const auto it = body.find("logs");
  if (it == body.end() || !it->is_array()) return logs;
  for (const auto& entry : *it) {
    if (entry.is_string()) logs.push_back(entry.get<std::string>());
    else if (entry.is_object()) logs.push_back(string_member(entry, "message"));
  }
  return logs;
}

bool has_failure(const json& body) {
  const auto error = body.find("error");
  const auto type = body.find("error_type");
  return (error != body.end() && !error->is_null()) || (type != body.end() && !type->is_null());
}

JobStatus failed_status(const json& body, const HttpResponse& response) {
  const std::string error_type = string_member(body, "error_type");
  const ErrorKind kind = lookup(failure_types, error_type).value_or(ErrorKind::generation_failed);
  std::string message = string_member(body, "error");
  if (message.empty()) {
    if (const auto it = body.find("error"); it != body.end()) message = string_member(*it, "message");
  }
  if (message.empty()) message = "job failed" + (error_type.empty() ? "" : " with " + error_type);
  Error error = error_with_response(kind, std::move(message), response);
  error.provider_code = error_type;
  JobStatus status;
  status.state = kind == ErrorKind::cancelled ? JobState::cancelled : JobState::failed;
  status.logs = read_logs(body);
  status.error = std::move(error);
  return status;
}

/// A status body (also what /response answers while the job is not finished).
Result<JobStatus> status_from_body(const json& body, const HttpResponse& response) {
  const std::string status = string_member(body, "status");
  JobStatus parsed;
  if (status == "IN_QUEUE") {
    parsed.state = JobState::queued;
    parsed.queue_position = int_member(body, "queue_position");
  } else if (status == "IN_PROGRESS") {
    parsed.state = JobState::running;
    parsed.logs = read_logs(body);
  } else if (status == "COMPLETED") {
    if (has_failure(body)) return failed_status(body, response);
    parsed.state = JobState::succeeded;
    parsed.logs = read_logs(body);
  } else {
    return protocol_error(response, "status body has no known \"status\" (IN_QUEUE, IN_PROGRESS, COMPLETED)");
  }
  return parsed;
}

Result<ImageOutput> image_from(const json& output, const HttpResponse& response) {
  ImageOutput image;
  image.url = string_member(output, "url");
  if (image.url.empty()) return protocol_error(response, "an image output has no \"url\"");
  image.content_type = string_member(output, "content_type");
  image.file_name = string_member(output, "file_name");
  image.width = int_member(output, "width").value_or(0);
  image.height = int_member(output, "height").value_or(0);
  return image;
}

Result<GenerationResult> result_from_body(const json& body, const Submission& job, const HttpResponse& response) {
  GenerationResult result;
  result.job_id = string_member(body, "request_id");
  if (result.job_id.empty()) result.job_id = job.job_id;
  for (const auto& output : body.at("outputs")) {
    if (!output.is_object()) return protocol_error(response, "an entry of \"outputs\" is not an object");
    const std::string type = string_member(output, "type");
    if (type == "text") {  // [INF] text beside the image when response_modalities asks for it
      result.text = result.text.value_or("") + string_member(output, "text");
      continue;
    }
    auto image = image_from(output, response);
    if (!image) return image.error();
    result.images.push_back(std::move(image).value());
  }
  return result;
}

std::optional<json> object_body(const HttpResponse& response) {
  auto body = parse_json_body(response.body);
  if (!body || !body->is_object()) return std::nullopt;
  return body;
}

class OdirouterProtocol final : public ProviderProtocol {
 public:
  [[nodiscard]] ProtocolTraits traits() const override {
    ProtocolTraits traits;
    traits.cancellable = true;
    return traits;
  }

  [[nodiscard]] Result<HttpRequest> submit_request(const GenerateRequest& request) const override {
    if (request.model.empty()) return unsupported_field("model", "a model is required to build /v1/queue/<model>");
    if (request.count != 1) {
      return unsupported_field("count", "odirouter generates one image per request; pass a provider field in extra");
    }
    if (!request.output_format.empty()) {
      return unsupported_field("output_format", "odirouter documents no output format; pass one in extra");
    }
    json body = {{"prompt", request.prompt}};
    if (!request.reference_images.empty()) body["image_urls"] = request.reference_images;
    if (!request.aspect_ratio.empty()) body["aspect_ratio"] = request.aspect_ratio;
    if (!request.size_tier.empty()) body["image_size"] = normalize_size_tier(request.size_tier);
    if (request.include_text) {
      body["response_modalities"] = *request.include_text ? json{"Text", "Image"} : json{"Image"};
    }
    if (request.extra.is_object() && !request.extra.empty()) body.merge_patch(request.extra);
    return json_request("POST", "/v1/queue/" + request.model, &body);
  }

  [[nodiscard]] Result<Submission> parse_submit(const HttpResponse& response,
                                                const GenerateRequest& request) const override {
    const auto body = success_object(response, "submit", &odirouter_error, Success::any_2xx);
    if (!body) return body.error();
    Submission job;
    job.job_id = string_member(*body, "request_id");
    if (job.job_id.empty()) return protocol_error(response, "submit: body has no \"request_id\"");
    job.model = request.model;
    job.queue_position = int_member(*body, "queue_position");
    job.status_url = string_member(*body, "status_url");
    job.result_url = string_member(*body, "response_url");
    job.cancel_url = string_member(*body, "cancel_url");
    return job;
  }

  [[nodiscard]] HttpRequest status_request(const Submission& job) const override {
    HttpRequest request = json_request("GET", requests_path(job) + "/status", nullptr);
    request.query.emplace("logs", "1");
    return request;
  }

  [[nodiscard]] Result<JobStatus> parse_status(const HttpResponse& response) const override {
    const auto body = success_object(response, "status", &odirouter_error, Success::status_200_or_202);
    if (!body) return body.error();
    return status_from_body(*body, response);
  }

  [[nodiscard]] HttpRequest result_request(const Submission& job) const override {
    return json_request("GET", requests_path(job) + "/response", nullptr);
  }

  [[nodiscard]] Result<ResultPoll> parse_result(const HttpResponse& response, const Submission& job) const override {
    const auto body = success_object(response, "result", &odirouter_error, Success::status_200_or_202);
    if (!body) return body.error();
    if (response.status == 200 && body->contains("outputs")) {
      if (!body->at("outputs").is_array()) return protocol_error(response, "result: \"outputs\" is not an array");
      auto result = result_from_body(*body, job, response);
      if (!result) return result.error();
      return ResultPoll{std::move(result).value()};
    }
    // 202 while pending; a finished job without outputs answers with its status body.
    auto status = status_from_body(*body, response);
    if (!status) return status.error();
    if (status->state == JobState::succeeded) return protocol_error(response, "result: COMPLETED without \"outputs\"");
    return ResultPoll{std::move(status).value()};
  }

  /// /response of a failed or cancelled job answers only {"detail":"Runtime execution failed"} (research §2;
  /// contract error runtime_failed): its status carries error_type, CANCELED or the failure's.
  [[nodiscard]] bool result_error_hides_outcome(const Error& error) const override {
    return error.http_status >= 500 && error.message == runtime_failed_detail;
  }

  [[nodiscard]] HttpRequest cancel_request(const Submission& job) const override {
    return json_request("PUT", requests_path(job) + "/cancel", nullptr);
  }

  [[nodiscard]] Result<CancelOutcome> parse_cancel(const HttpResponse& response) const override {
    const auto body = object_body(response);
    const std::string status = body ? string_member(*body, "status") : std::string{};
    if (response.status >= 200 && response.status <= 299) {
      if (status == "CANCELLATION_REQUESTED" || status == "OK") return CancelOutcome::requested;
      return protocol_error(response, "cancel: 2xx without CANCELLATION_REQUESTED");
    }
    if (response.status == 400 && status == "ALREADY_COMPLETED") return CancelOutcome::already_completed;
    if (response.status == 404 && (status == "NOT_FOUND" || !body || !body->contains("error"))) {
      return CancelOutcome::not_found;
    }
    if (response.status >= 400) return odirouter_error(response);
    return protocol_error(response, "cancel: unexpected status");
  }

 private:
  static std::string requests_path(const Submission& job) {
    return "/v1/queue/" + job.model + "/requests/" + job.job_id;
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_odirouter_protocol() { return std::make_unique<OdirouterProtocol>(); }

}  // namespace nanosim::client::detail
