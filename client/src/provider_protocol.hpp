#pragma once
// The internal seam between the generic Client and one provider's wire format.
// A provider part is one file, client/src/providers/<id>.cpp, defining
//   std::unique_ptr<ProviderProtocol> make_<id>_protocol();   (id with non-identifier characters as '_')
// CMake globs that folder and generates the table of factories (provider_table.cpp): no switch to edit.
//
// Shapes the interface serves:
//   queue (odirouter, fal-like): submit -> status polls -> result -> cancel, each its own request;
//   task (bananapro, ToAPIs, seed 004): submit -> GET task; status and result read the same endpoint;
//   synchronous (OpenAI Images, Gemini generateContent): submit answers with the images at once:
//     parse_submit fills Submission::completed_result and the Client never polls.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "nanosim/client/error.hpp"
#include "nanosim/client/types.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim::client::detail {

struct ProtocolTraits {
  bool synchronous = false;  // submit's response already holds the result
  bool cancellable = false;  // the provider documents a cancel operation
};

/// A result poll either finds the result or finds the job not finished (with its status).
using ResultPoll = std::variant<GenerationResult, JobStatus>;

class ProviderProtocol {
 public:
  virtual ~ProviderProtocol() = default;

  [[nodiscard]] virtual ProtocolTraits traits() const = 0;

  /// Adds the provider's credentials to a request: "Authorization: Bearer <key>" unless a provider says otherwise.
  virtual void authorize(HttpRequest& request, std::string_view api_key) const {
    if (!api_key.empty()) request.headers.emplace("Authorization", "Bearer " + std::string(api_key));
  }

  /// Wire request for a submit; an Error (http_status 0) when the request cannot be expressed
  /// in this provider's terms (e.g. count > 1 where the provider has no such field).
  [[nodiscard]] virtual Result<HttpRequest> submit_request(const GenerateRequest& request) const = 0;
  [[nodiscard]] virtual Result<Submission> parse_submit(const HttpResponse& response,
                                                        const GenerateRequest& request) const = 0;

  [[nodiscard]] virtual HttpRequest status_request(const Submission& job) const = 0;
  [[nodiscard]] virtual Result<JobStatus> parse_status(const HttpResponse& response) const = 0;

  [[nodiscard]] virtual HttpRequest result_request(const Submission& job) const = 0;
  [[nodiscard]] virtual Result<ResultPoll> parse_result(const HttpResponse& response, const Submission& job) const = 0;

  /// True when a result request's error may not say how the job ended (odirouter's /response answers a failed and
  /// a cancelled job alike): the Client then reads the job's status, whose error tells which.
  [[nodiscard]] virtual bool result_error_hides_outcome(const Error& /*error*/) const { return false; }

  /// Only called when traits().cancellable: a provider with a cancel operation overrides both. The defaults keep
  /// the interface whole for the others (the Client refuses their cancels before sending anything).
  [[nodiscard]] virtual HttpRequest cancel_request(const Submission& job) const { return status_request(job); }
  [[nodiscard]] virtual Result<CancelOutcome> parse_cancel(const HttpResponse& response) const;
};

using ProtocolFactory = std::unique_ptr<ProviderProtocol> (*)();

struct ProtocolEntry {
  std::string_view id;
  ProtocolFactory make;
};

/// The generated table (provider_table.cpp): one entry per file in client/src/providers/, sorted by id.
const std::vector<ProtocolEntry>& protocol_table();

/// The protocol registered under id, or null.
std::unique_ptr<ProviderProtocol> make_protocol(std::string_view id);

}  // namespace nanosim::client::detail
