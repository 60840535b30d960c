#include "protocol_shapes.hpp"

#include <algorithm>
#include <utility>

namespace nanosim::client::detail {

Result<Submission> TaskProtocol::parse_submit(const HttpResponse& response, const GenerateRequest& request) const {
  auto task = unwrap(response, "submit");
  if (!task) return task.error();
  return submission_of(*task, request, response);
}

HttpRequest TaskProtocol::status_request(const Submission& job) const {
  return json_request("GET", task_path(job), nullptr);
}

Result<JobStatus> TaskProtocol::parse_status(const HttpResponse& response) const {
  auto task = unwrap(response, "status");
  if (!task) return task.error();
  return status_of(*task, response);
}

HttpRequest TaskProtocol::result_request(const Submission& job) const { return status_request(job); }

Result<ResultPoll> TaskProtocol::parse_result(const HttpResponse& response, const Submission& job) const {
  auto task = unwrap(response, "result");
  if (!task) return task.error();
  auto status = status_of(*task, response);
  if (!status) return status.error();
  if (status->state != JobState::succeeded) return ResultPoll{std::move(status).value()};
  auto result = images_of(*task, job, response);
  if (!result) return result.error();
  return ResultPoll{std::move(result).value()};
}

Result<JobStatus> TaskProtocol::status_of(const json& task, const HttpResponse& response) const {
  const std::string word = string_member(task, "status");
  JobStatus parsed;
  const auto words = state_words();
  const auto known = std::find_if(words.begin(), words.end(), [&](const auto& entry) { return entry.first == word; });
  if (known == words.end()) {
    std::string listed;
    for (const auto& [name, state] : words) listed += (listed.empty() ? "" : ", ") + std::string(name);
    return protocol_error(response, "task has no known \"status\" (" + listed + ")");
  }
  parsed.state = known->second;
  parsed.progress = progress_of(task);
  if (parsed.state == JobState::failed) parsed.error = failure_of(task, response);
  return parsed;
}

ProtocolTraits SynchronousProtocol::traits() const {
  ProtocolTraits traits;
  traits.synchronous = true;
  return traits;
}

HttpRequest SynchronousProtocol::status_request(const Submission&) const {
  return json_request("GET", "/", nullptr);
}

Result<JobStatus> SynchronousProtocol::parse_status(const HttpResponse& response) const {
  return protocol_error(response, provider_ + " is synchronous: there is no status to read");
}

HttpRequest SynchronousProtocol::result_request(const Submission& job) const { return status_request(job); }

Result<ResultPoll> SynchronousProtocol::parse_result(const HttpResponse& response, const Submission&) const {
  return protocol_error(response, provider_ + " is synchronous: there is no result to fetch");
}

}  // namespace nanosim::client::detail
