#pragma once
// The provider-neutral job model: one canonical lifecycle that every provider renders in its own words.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/clock.hpp"
#include "nanosim/images.hpp"
#include "nanosim/job_state.hpp"

namespace nanosim {

/// What a provider adapter asks the core to make, in provider-neutral terms.
struct JobSpec {
  std::string provider;        // contract id
  std::string model;           // the provider's model id
  std::string upstream_model;  // the Gemini model behind it (picks the dimension table)
  std::string prompt;
  std::vector<std::string> reference_images;  // URLs or data URIs, as sent
  std::string aspect_ratio = "1:1";
  std::string size_tier = "1K";  // "512", "1K", "2K", "4K"
  int width = 1024;
  int height = 1024;
  images::Format format = images::Format::png;
  int quality = 90;
  int count = 1;
  bool wants_text = false;
  std::string api_key;
  double unit_price = 0.0;  // per image produced; billed when price_unit is set (nanosim/usage.hpp)
  std::string price_unit;   // "USD" or "credits"; empty = not billed
  nlohmann::json wire_request = nlohmann::json::object();  // the provider's own request, kept for rendering

  bool operator==(const JobSpec&) const = default;
};

/// Provider-neutral failure kinds; each contract maps them to its own wire words ("failure_kinds").
namespace failure {
inline constexpr std::string_view generation_failed = "generation_failed";
inline constexpr std::string_view generation_timeout = "generation_timeout";
inline constexpr std::string_view content_blocked = "content_blocked";
inline constexpr std::string_view internal_error = "internal_error";
inline constexpr std::string_view cancelled = "cancelled";
}  // namespace failure

/// How a job ends, decided when it is submitted (by default: it succeeds). Scenarios change fates.
struct JobFate {
  bool succeeds = true;
  std::string failure_kind;       // one of failure::*, when !succeeds
  std::string failure_message;    // overrides the contract's text when not empty
  double fail_at_fraction = 1.0;  // a failing job ends after this fraction of its run time (0 = at start)
  int results = -1;               // images actually produced; -1 = spec.count (partial batches set fewer)
  Millis queue_stall{0};          // extra time the job waits before any worker may take it
  Millis run_time_override{-1};   // >= 0 replaces the drawn run time
  Millis lost_after{-1};          // >= 0: the provider forgets the job this long after submission (status 404)
  Millis files_expire_after{-1};  // >= 0: result files expire this long after the job ends (overrides retention)

  bool operator==(const JobFate&) const = default;
};

/// One produced file: rendered lazily from its spec when downloaded.
struct OutputFile {
  std::string token;  // "<job id>-<index>"; the file's URL path is /__nanosim/files/<token>.<ext>
  images::ImageSpec image;

  bool operator==(const OutputFile&) const = default;
};

/// Where a job stands at a given time (computed from the clock when read).
struct JobView {
  std::string id;
  std::uint64_t sequence = 0;  // submission order, from 1
  JobSpec spec;
  JobFate fate;
  JobState state = JobState::queued;
  std::optional<std::int64_t> queue_position;  // jobs ahead, while queued
  Millis submitted_at{0};
  std::optional<Millis> started_at;
  std::optional<Millis> finished_at;
  Millis run_time{0};
  int progress_percent = 0;  // 0..100; 100 only when terminal
  std::vector<OutputFile> outputs;  // when succeeded
  std::optional<Millis> files_expire_at;
  std::string failure_kind;     // when failed or cancelled
  std::string failure_message;

  bool operator==(const JobView&) const = default;  // field by field
};

}  // namespace nanosim
