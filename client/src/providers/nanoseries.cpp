// nanoseries: the NanoBanana family behind a new-api gateway (seed 004; research/providers.md §8-9).
// Task style: POST /v1/images/tasks, then GET /v1/images/tasks/{task_id} for status and result alike.
// Bodies are new-api's {"code","message","data"} envelope; gateway errors are its OpenAI-style {"error":{...}}.
#include <array>
#include <utility>

#include "provider_protocol.hpp"
#include "wire.hpp"

namespace nanosim::client::detail {

namespace {

// Codes of new-api's task and relay errors (research §8-9) and of a failed task's error object.
constexpr std::array<std::pair<std::string_view, ErrorKind>, 6> error_codes{{
    {"task_not_exist", ErrorKind::not_found},
    {"model_not_found", ErrorKind::not_found},
    {"invalid_request", ErrorKind::invalid_request},
    {"quota_not_enough", ErrorKind::insufficient_credits},
    {"insufficient_user_quota", ErrorKind::insufficient_credits},
    {"prompt_blocked", ErrorKind::content_blocked},
}};

std::optional<ErrorKind> kind_for_code(std::string_view code) {
  for (const auto& [name, kind] : error_codes) {
    if (name == code) return kind;
  }
  return std::nullopt;
}

/// The simulator (and new-api) words a request error "field: sentence"; the field is what precedes ": ".
std::string field_of(const std::string& message) {
  const std::size_t colon = message.find(": ");
  if (colon == std::string::npos || colon == 0) return {};
  const std::string field = message.substr(0, colon);
  return field.find(' ') == std::string::npos ? field : std::string{};
}

Error nanoseries_error(const HttpResponse& response) {
  Error error = error_from_response(response);
  if (const auto kind = kind_for_code(error.provider_code)) error.kind = *kind;
  if (error.kind == ErrorKind::invalid_request && error.field.empty()) error.field = field_of(error.message);
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

/// The task body inside the envelope, or the protocol error explaining why there is none.
Result<json> task_data(const HttpResponse& response, std::string_view what) {
  if (response.status >= 400) return nanoseries_error(response);
  if (response.status != 200) return protocol_error(response, std::string(what) + ": unexpected status");
  const auto body = parse_json_body(response.body);
  if (!body || !body->is_object()) return protocol_error(response, std::string(what) + ": body is not a JSON object");
  if (string_member(*body, "code") != "success") return nanoseries_error(response);
  const auto data = body->find("data");
  if (data == body->end() || !data->is_object()) return protocol_error(response, std::string(what) + ": no \"data\" object");
  return *data;
}

std::optional<double> percent(const json& data) {
  const std::string text = string_member(data, "progress");
  if (text.empty()) return std::nullopt;
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

JobStatus failed_status(const json& data, const HttpResponse& response) {
  const auto error_object = data.find("error");
  const bool has_object = error_object != data.end() && error_object->is_object();
  const std::string code = has_object ? string_member(*error_object, "code") : std::string{};
  std::string message = has_object ? string_member(*error_object, "message") : std::string{};
  if (message.empty()) message = "task failed" + (code.empty() ? "" : " with " + code);
  const ErrorKind kind = code == "prompt_blocked" ? ErrorKind::content_blocked : ErrorKind::generation_failed;
  Error error = error_with_response(kind, std::move(message), response);
  error.provider_code = code;
  JobStatus status;
  status.state = JobState::failed;
  status.progress = percent(data);
  status.error = std::move(error);
  return status;
}

Result<JobStatus> status_from(const json& data, const HttpResponse& response) {
  const std::string status = string_member(data, "status");
  JobStatus parsed;
  parsed.progress = percent(data);
  if (status == "queued") parsed.state = JobState::queued;
  else if (status == "in_progress") parsed.state = JobState::running;
  else if (status == "succeeded") parsed.state = JobState::succeeded;
  else if (status == "failed") return failed_status(data, response);
  else return protocol_error(response, "task has no known \"status\" (queued, in_progress, succeeded, failed)");
  return parsed;
}

/// Every result URL: result_urls when present (n > 1), else the single result_url.
std::vector<std::string> result_urls(const json& data) {
  std::vector<std::string> urls;
  if (const auto list = data.find("result_urls"); list != data.end() && list->is_array()) {
    for (const json& url : *list) {
      if (url.is_string()) urls.push_back(url.get<std::string>());
    }
  }
  if (urls.empty() && !string_member(data, "result_url").empty()) urls.push_back(string_member(data, "result_url"));
  return urls;
}

class NanoseriesProtocol final : public ProviderProtocol {
 public:
  [[nodiscard]] ProtocolTraits traits() const override { return {}; }

  [[nodiscard]] Result<HttpRequest> submit_request(const GenerateRequest& request) const override {
    if (request.model.empty()) return unsupported_field("model", "a Nano model id is required (e.g. NanoBanana2-1K)");
    if (!request.size_tier.empty()) {
      return unsupported_field("size_tier", "Nano models take their size tier from the model id (NanoBananaPro-2K)");
    }
    if (request.include_text.value_or(false)) {
      return unsupported_field("include_text", "the Nano task API returns images only");
    }
    json body = {{"model", request.model}, {"prompt", request.prompt}, {"n", request.count},
                 {"response_format", "url"}};
    if (request.reference_images.size() == 1) body["image"] = request.reference_images.front();
    if (request.reference_images.size() > 1) body["images"] = request.reference_images;
    if (!request.aspect_ratio.empty()) body["aspect_ratio"] = request.aspect_ratio;
    if (!request.output_format.empty()) body["output_format"] = request.output_format;
    if (request.extra.is_object() && !request.extra.empty()) body.merge_patch(request.extra);
    return json_request("POST", "/v1/images/tasks", &body);
  }

  [[nodiscard]] Result<Submission> parse_submit(const HttpResponse& response,
                                                const GenerateRequest& request) const override {
    auto data = task_data(response, "submit");
    if (!data) return data.error();
    Submission job;
    job.job_id = string_member(*data, "task_id");
    if (job.job_id.empty()) return protocol_error(response, "submit: the task has no \"task_id\"");
    job.model = request.model;
    return job;
  }

  [[nodiscard]] HttpRequest status_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<JobStatus> parse_status(const HttpResponse& response) const override {
    auto data = task_data(response, "status");
    if (!data) return data.error();
    return status_from(*data, response);
  }

  [[nodiscard]] HttpRequest result_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<ResultPoll> parse_result(const HttpResponse& response, const Submission& job) const override {
    auto data = task_data(response, "result");
    if (!data) return data.error();
    auto status = status_from(*data, response);
    if (!status) return status.error();
    if (status->state != JobState::succeeded) return ResultPoll{std::move(status).value()};
    GenerationResult result;
    result.job_id = job.job_id;
    for (std::string& url : result_urls(*data)) {
      ImageOutput image;
      image.url = std::move(url);
      result.images.push_back(std::move(image));
    }
    if (result.images.empty()) return protocol_error(response, "result: a succeeded task without \"result_url\"");
    return ResultPoll{std::move(result)};
  }

  [[nodiscard]] HttpRequest cancel_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<CancelOutcome> parse_cancel(const HttpResponse& response) const override {
    return protocol_error(response, "cancel: the Nano task API documents no cancel");
  }

 private:
  static HttpRequest task_request(const Submission& job) {
    return json_request("GET", "/v1/images/tasks/" + percent_encode(job.job_id), nullptr);
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_nanoseries_protocol() { return std::make_unique<NanoseriesProtocol>(); }

}  // namespace nanosim::client::detail
