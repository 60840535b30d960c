#pragma once
// Provider-neutral requests and results: one vocabulary over every provider's wire format.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/client/error.hpp"
#include "nanosim/job_state.hpp"

namespace nanosim::client {

/// What to generate. Fields left empty are not sent; the provider's defaults apply.
struct GenerateRequest {
  std::string model;                          // the provider's model id ("nano_banana_2")
  std::string prompt;
  std::vector<std::string> reference_images;  // URLs or data: URIs
  std::string aspect_ratio;                   // "16:9"
  std::string size_tier;                      // "512", "1K", "2K", "4K" (gateways' "0.5K" means "512")
  std::string output_format;                  // "png", "jpeg", "webp"
  int count = 1;                              // images wanted
  std::optional<bool> include_text;           // ask for text beside the image (Gemini's response modalities)
  /// Provider-specific fields, merged into the wire body last (RFC 7386 merge patch: null removes a field).
  nlohmann::json extra = nlohmann::json::object();

  GenerateRequest& with_model(std::string v) { model = std::move(v); return *this; }
  GenerateRequest& with_prompt(std::string v) { prompt = std::move(v); return *this; }
  GenerateRequest& with_reference_image(std::string url) { reference_images.push_back(std::move(url)); return *this; }
  GenerateRequest& with_aspect_ratio(std::string v) { aspect_ratio = std::move(v); return *this; }
  GenerateRequest& with_size_tier(std::string v) { size_tier = std::move(v); return *this; }
  GenerateRequest& with_output_format(std::string v) { output_format = std::move(v); return *this; }
  GenerateRequest& with_count(int v) { count = v; return *this; }
  GenerateRequest& with_text(bool v) { include_text = v; return *this; }
  /// Sets one provider-specific body field (see extra).
  GenerateRequest& with_extra(const std::string& field, nlohmann::json value) {
    extra[field] = std::move(value);
    return *this;
  }
};

/// "0.5K" -> "512"; other tiers unchanged.
std::string normalize_size_tier(std::string_view tier);

/// The canonical lifecycle, the same vocabulary the simulator uses (nanosim/job_state.hpp).
using nanosim::is_terminal;
using nanosim::JobState;
using nanosim::to_string;

struct ImageOutput {
  std::string url;           // empty when the image came inline
  std::string content_type;  // "image/png"
  std::string file_name;
  int width = 0;             // 0 when the provider did not say
  int height = 0;
  std::optional<std::string> inline_bytes;  // decoded bytes, for providers that inline images (base64 on the wire)
};

struct GenerationResult {
  std::string job_id;
  std::vector<ImageOutput> images;
  std::optional<std::string> text;
};

/// A job the provider accepted. Pass it back to status(), result(), cancel() and wait().
struct Submission {
  std::string job_id;
  std::string model;
  std::optional<int> queue_position;
  std::string status_url;  // absolute URLs as the provider returned them; empty when it returned none
  std::string result_url;
  std::string cancel_url;
  /// Set by synchronous providers, whose submit response already is the result: no polling happens.
  std::optional<GenerationResult> completed_result;
};

struct JobStatus {
  JobState state = JobState::queued;
  std::optional<int> queue_position;  // jobs ahead of this one
  std::optional<double> progress;     // percent, 0-100, when the provider reports it
  std::vector<std::string> logs;
  /// For failed and cancelled jobs: what went wrong, as an error value (kind, provider_code, message).
  std::optional<Error> error;
};

enum class CancelOutcome { requested, already_completed, not_found };
std::string_view to_string(CancelOutcome outcome);

}  // namespace nanosim::client
