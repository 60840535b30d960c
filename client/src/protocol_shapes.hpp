#pragma once
// The two shapes several provider parts share, each a base whose hooks are the provider's own words.
//
// Task shape (bananapro, ToAPIs, seed 004): submit creates a task; one GET of the task answers status and result
// alike; there is no cancel. A response is unwrapped from the provider's envelope into the task object (or the
// error it carries instead), the task's status is read, and only a succeeded task is read for images.
//
// Synchronous shape (OpenAI Images, Gemini generateContent): submit's answer already is the result
// (parse_submit fills Submission::completed_result), so the Client never polls or cancels.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "provider_protocol.hpp"
#include "wire.hpp"

namespace nanosim::client::detail {

class TaskProtocol : public ProviderProtocol {
 public:
  [[nodiscard]] ProtocolTraits traits() const final { return {}; }  // asynchronous, no cancel

  [[nodiscard]] Result<Submission> parse_submit(const HttpResponse& response,
                                                const GenerateRequest& request) const final;
  [[nodiscard]] HttpRequest status_request(const Submission& job) const final;
  [[nodiscard]] Result<JobStatus> parse_status(const HttpResponse& response) const final;
  [[nodiscard]] HttpRequest result_request(const Submission& job) const final;
  [[nodiscard]] Result<ResultPoll> parse_result(const HttpResponse& response, const Submission& job) const final;

 protected:
  /// The task object inside the response's envelope, or the error the response carries instead.
  /// what names the operation in protocol errors: "submit", "status" or "result".
  [[nodiscard]] virtual Result<json> unwrap(const HttpResponse& response, std::string_view what) const = 0;
  /// The job a freshly created task stands for (its id, at least), or a protocol error.
  [[nodiscard]] virtual Result<Submission> submission_of(const json& task, const GenerateRequest& request,
                                                         const HttpResponse& response) const = 0;
  /// The words of a task's "status" member and the states they mean.
  [[nodiscard]] virtual std::span<const std::pair<std::string_view, JobState>> state_words() const = 0;
  /// A failed task's error, from what the task says of its failure.
  [[nodiscard]] virtual Error failure_of(const json& task, const HttpResponse& response) const = 0;
  /// The task's progress in percent, where the provider reports one.
  [[nodiscard]] virtual std::optional<double> progress_of(const json& /*task*/) const { return std::nullopt; }
  /// The images of a succeeded task.
  [[nodiscard]] virtual Result<GenerationResult> images_of(const json& task, const Submission& job,
                                                           const HttpResponse& response) const = 0;
  /// The path of the task's GET, which serves status and result.
  [[nodiscard]] virtual std::string task_path(const Submission& job) const = 0;

 private:
  /// The task's state in neutral words (state_words, progress_of); a failed task's status carries its error.
  [[nodiscard]] Result<JobStatus> status_of(const json& task, const HttpResponse& response) const;
};

class SynchronousProtocol : public ProviderProtocol {
 public:
  /// provider names it in the protocol errors of the calls it cannot serve.
  explicit SynchronousProtocol(std::string_view provider) : provider_(provider) {}

  [[nodiscard]] ProtocolTraits traits() const final;

  // Never called with a Submission the provider's own parse_submit made (it holds the result); they only keep the
  // interface whole, and what they send answers a protocol error.
  [[nodiscard]] HttpRequest status_request(const Submission& job) const final;
  [[nodiscard]] Result<JobStatus> parse_status(const HttpResponse& response) const final;
  [[nodiscard]] HttpRequest result_request(const Submission& job) const final;
  [[nodiscard]] Result<ResultPoll> parse_result(const HttpResponse& response, const Submission& job) const final;

 private:
  std::string provider_;
};

}  // namespace nanosim::client::detail
