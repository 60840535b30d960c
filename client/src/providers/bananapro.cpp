// bananapro: a relabelled API Mall gateway selling Nano Banana by credits (seed 001; research/providers.md §5).
// Task-style: submit, then one GET serves both status and result. No cancel. Errors arrive as
// {"success":false,"error":{"code","message","details":{"field","rule"}?},"request_id"} at kie.ai's HTTP codes.
#include <array>
#include <utility>

#include "provider_protocol.hpp"
#include "wire.hpp"

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

Error unsupported_field(std::string field, std::string message) {
  Error error;
  error.kind = ErrorKind::invalid_request;
  error.field = std::move(field);
  error.rule = "unsupported_by_provider";
  error.message = std::move(message);
  return error;
}

/// The `data` object of a successful envelope, or the error the response carries instead.
Result<json> envelope_data(const HttpResponse& response, std::string_view what) {
  const std::string where(what);
  if (response.status >= 400) return bananapro_error(response);
  if (response.status < 200 || response.status > 299) return protocol_error(response, where + ": unexpected status");
  const auto body = parse_json_body(response.body);
  if (!body || !body->is_object()) return protocol_error(response, where + ": body is not a JSON object");
  if (const auto success = body->find("success"); success != body->end() && *success == false) {
    return bananapro_error(response);
  }
  const auto data = body->find("data");
  if (data == body->end() || !data->is_object()) return protocol_error(response, where + ": body has no \"data\" object");
  return *data;
}

/// A failed task as an error value: error_message is all the provider says, so a safety block is told apart by
/// its words ([INF]: the simulator's text, "blocked by the content safety filter").
Error failure_of(const json& task, const HttpResponse& response) {
  std::string message = string_member(task, "error_message");
  if (message.empty()) message = "task failed";
  const bool blocked = message.find("safety") != std::string::npos || message.find("blocked") != std::string::npos;
  const ErrorKind kind = blocked ? ErrorKind::content_blocked : ErrorKind::generation_failed;
  Error error = error_with_response(kind, message, response);
  error.provider_code = "failed";
  return error;
}

Result<JobStatus> status_of(const json& task, const HttpResponse& response) {
  const std::string status = string_member(task, "status");
  JobStatus parsed;
  if (status == "pending") {
    parsed.state = JobState::queued;
  } else if (status == "processing") {
    parsed.state = JobState::running;
  } else if (status == "completed") {
    parsed.state = JobState::succeeded;
  } else if (status == "failed") {
    parsed.state = JobState::failed;
    parsed.error = failure_of(task, response);
  } else {
    return protocol_error(response, "task has no known \"status\" (pending, processing, completed, failed)");
  }
  return parsed;
}

std::string content_type_of(const std::string& url) {
  const std::string path = url.substr(0, url.find_first_of("?#"));
  const std::size_t dot = path.rfind('.');
  const std::string extension = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (extension == "webp") return "image/webp";
  if (extension == "png") return "image/png";
  if (extension == "jpg" || extension == "jpeg") return "image/jpeg";
  return {};
}

Result<GenerationResult> result_of(const json& task, const Submission& job, const HttpResponse& response) {
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
    image.content_type = content_type_of(url);
    image.file_name = url.substr(url.rfind('/') + 1);
    image.url = std::move(url);
    result.images.push_back(std::move(image));
  }
  return result;
}

class BananaproProtocol final : public ProviderProtocol {
 public:
  [[nodiscard]] ProtocolTraits traits() const override { return {}; }  // asynchronous, no cancel

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

  [[nodiscard]] Result<Submission> parse_submit(const HttpResponse& response,
                                                const GenerateRequest& request) const override {
    auto data = envelope_data(response, "submit");
    if (!data) return data.error();
    Submission job;
    job.job_id = string_member(*data, "task_id");
    if (job.job_id.empty()) return protocol_error(response, "submit: data has no \"task_id\"");
    job.model = string_member(*data, "model");
    if (job.model.empty()) job.model = request.model;
    return job;
  }

  [[nodiscard]] HttpRequest status_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<JobStatus> parse_status(const HttpResponse& response) const override {
    auto task = envelope_data(response, "status");
    if (!task) return task.error();
    return status_of(*task, response);
  }

  [[nodiscard]] HttpRequest result_request(const Submission& job) const override { return task_request(job); }

  [[nodiscard]] Result<ResultPoll> parse_result(const HttpResponse& response, const Submission& job) const override {
    auto task = envelope_data(response, "result");
    if (!task) return task.error();
    auto status = status_of(*task, response);
    if (!status) return status.error();
    if (status->state != JobState::succeeded) return ResultPoll{std::move(status).value()};
    auto result = result_of(*task, job, response);
    if (!result) return result.error();
    return ResultPoll{std::move(result).value()};
  }

  [[nodiscard]] HttpRequest cancel_request(const Submission&) const override {
    return json_request("GET", "/", nullptr);  // never called: traits().cancellable is false
  }

  [[nodiscard]] Result<CancelOutcome> parse_cancel(const HttpResponse& response) const override {
    return protocol_error(response, "bananapro has no cancel operation");
  }

 private:
  static HttpRequest task_request(const Submission& job) {
    return json_request("GET", "/api/v1/images/" + job.job_id, nullptr);
  }
};

}  // namespace

std::unique_ptr<ProviderProtocol> make_bananapro_protocol() { return std::make_unique<BananaproProtocol>(); }

}  // namespace nanosim::client::detail
