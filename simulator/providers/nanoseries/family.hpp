#pragma once
// Nano series (seed 004): what every face of the provider shares. The task face lives in ../nanoseries.cpp;
// the synchronous OpenAI-compatible and Gemini-compatible faces in openai.cpp and gemini.cpp. They all turn a
// request into one NanoRequest and one job of the same engine; the contract says every rule and word.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../../core/provider.hpp"

namespace nanosim::providers::nanoseries {

using core::json;
using core::ProviderCall;
using core::ProviderContext;

/// What every face asks for, in the family's terms, before it becomes a JobSpec.
struct NanoRequest {
  std::string model_id;
  std::string prompt;
  std::vector<core::ImageReference> reference_images;
  std::string aspect_ratio = "1:1";
  std::string aspect_ratio_field = "aspect_ratio";  // where the face's body carries it, for its error messages
  std::string output_format = "png";
  int count = 1;
  bool wants_text = false;
  json wire = json::object();  // the face's own request (task_type and friends), kept for rendering
};

/// A checked body, or the face's error answer.
using Checked = std::variant<json, HttpResponse>;
/// The submitted job, or the face's error answer.
using Submitted = std::variant<const JobView*, HttpResponse>;
/// A synchronous face's job that succeeded, or the face's answer (a refusal, the timeout error, the failure's error).
using Completed = std::variant<JobView, HttpResponse>;

/// The reference images of a JSON body: image (string or {"url"}), images, or the compatibility image_urls.
std::vector<core::ImageReference> reference_images(const json& body);

class Family {
 public:
  explicit Family(ProviderContext& context) : context_(context), contract_(context.contract()) {}

  [[nodiscard]] ProviderContext& context() const { return context_; }
  [[nodiscard]] const contracts::Contract& contract() const { return contract_; }

  /// new-api's distributor: a model no channel serves (503) or the key may not use (403); nullopt when usable.
  std::optional<HttpResponse> refuse_model(const ProviderCall& call, const std::string& model_id);
  /// Checks a parsed body in the gateway's order (model access, refused fields, schemas) and fills the
  /// operation's defaults. `model_id` empty: read from the body's "model" when it is a string.
  Checked check_body(const ProviderCall& call, const contracts::Operation& op, json body, std::string_view invalid_kind,
                     std::string model_id = {});
  /// Parses a JSON body and checks it (check_body).
  Checked check_json(const ProviderCall& call, const contracts::Operation& op, std::string_view invalid_kind);

  /// Queues a job for the request (the task face): the model's upstream, size tier (from its id), dimensions and
  /// price. References to the simulator's own files are read locally first; one it cannot read is refused.
  Submitted submit(ProviderCall& call, NanoRequest request, std::string_view invalid_kind);
  /// A synchronous face: the same job, through the same queue, run to its end (ProviderContext::run_synchronously).
  Completed complete(ProviderCall& call, const contracts::Operation& op, NanoRequest request,
                     std::string_view invalid_kind);

 private:
  /// The job for a request, or the face's refusal (a reference it cannot read, a ratio the model does not render).
  std::variant<JobSpec, HttpResponse> job_spec(ProviderCall& call, NanoRequest request, std::string_view invalid_kind);

  ProviderContext& context_;
  const contracts::Contract& contract_;
};

HttpResponse openai_generate(Family& family, ProviderCall& call, const contracts::Operation& op);
HttpResponse openai_edit(Family& family, ProviderCall& call, const contracts::Operation& op);
HttpResponse gemini_generate(Family& family, ProviderCall& call, const contracts::Operation& op,
                             const std::string& model_id);

}  // namespace nanosim::providers::nanoseries
