// nanoseries: the NanoBanana family behind a new-api gateway (seed 004; research/providers.md §8-9).
// Task style: POST /v1/images/tasks, then GET /v1/images/tasks/{task_id} for status and result alike.
// Bodies are new-api's {"code","message","data"} envelope; gateway errors are its OpenAI-style {"error":{...}}.
#include <array>
#include <utility>

#include "protocol_shapes.hpp"

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

// A task's status words (seed 004; research §8).
constexpr std::array<std::pair<std::string_view, JobState>, 4> task_states{{
    {"queued", JobState::queued},
    {"in_progress", JobState::running},
    {"succeeded", JobState::succeeded},
    {"failed", JobState::failed},
}};

/// The simulator (and new-api) words a request error "field: sentence"; the field is what precedes ": ".
std::string field_of(const std::string& message) {
  const std::size_t colon = message.find(": ");
  if (colon == std::string::npos || colon == 0) return {};
  const std::string field = message.substr(0, colon);
  return field.find(' ') == std::string::npos ? field : std::string{};
}

Error nanoseries_error(const HttpResponse& response) {
  Error error = error_from_response(response);
  if (const auto kind = lookup(error_codes, error.provider_code)) error.kind = *kind;
  if (error.kind == ErrorKind::invalid_request && error.field.empty()) error.field = field_of(error.message);
  return error;
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

class NanoseriesProtocol final : public TaskProtocol {
 public:
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

 private:
  /// The task body inside new-api's {"code":"success","data":{...}} envelope, or the error the response carries.
  [[nodiscard]] Result<json> unwrap(const HttpResponse& response, std::string_view what) const override {
    const auto body = success_object(response, what, &nanoseries_error);
    if (!body) return body.error();
    if (string_member(*body, "code") != "success") return nanoseries_error(response);
    return envelope_member(*body, "data", response, what);
  }

  [[nodiscard]] Result<Submission> submission_of(const json& data, const GenerateRequest& request,
                                                 const HttpResponse& response) const override {
    Submission job;
    job.job_id = string_member(data, "task_id");
    if (job.job_id.empty()) return protocol_error(response, "submit: the task has no \"task_id\"");
    job.model = request.model;
    return job;
  }

  [[nodiscard]] std::span<const std::pair<std::string_view, JobState>> state_words() const override {
    return task_states;
  }

  /// A failed task's error object as an error value.
  [[nodiscard]] Error failure_of(const json& data, const HttpResponse& response) const override {
    const auto error_object = data.find("error");
    const bool has_object = error_object != data.end() && error_object->is_object();
    const std::string code = has_object ? string_member(*error_object, "code") : std::string{};
    std::string message = has_object ? string_member(*error_object, "message") : std::string{};
    if (message.empty()) message = "task failed" + (code.empty() ? "" : " with " + code);
    const ErrorKind kind = code == "prompt_blocked" ? ErrorKind::content_blocked : ErrorKind::generation_failed;
    Error error = error_with_response(kind, std::move(message), response);
    error.provider_code = code;
    return error;
  }

  [[nodiscard]] std::optional<double> progress_of(const json& data) const override { return percent(data); }

  [[nodiscard]] Result<GenerationResult> images_of(const json& data, const Submission& job,
                                                   const HttpResponse& response) const override {
    GenerationResult result;
    result.job_id = job.job_id;
    for (std::string& url : result_urls(data)) {
      ImageOutput image;
      image.url = std::move(url);
      result.images.push_back(std::move(image));
    }
    if (result.images.empty()) return protocol_error(response, "result: a succeeded task without \"result_url\"");
    return result;
  }

  [[nodiscard]] std::string task_path(const Submission& job) const override {
    return "/v1/images/tasks/" + percent_encode(job.job_id);
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_nanoseries_protocol() { return std::make_unique<NanoseriesProtocol>(); }

}  // namespace nanosim::client::detail
