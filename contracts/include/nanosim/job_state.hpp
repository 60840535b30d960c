#pragma once
// The canonical job lifecycle: the state vocabulary shared by the simulator, the client and the contracts (each
// contract maps its provider's status words onto these).

#include <string_view>

namespace nanosim {

/// queued -> running -> succeeded | failed; queued | running -> cancelled. Terminal states are final.
enum class JobState { queued, running, succeeded, failed, cancelled };

/// "queued", "running", "succeeded", "failed", "cancelled".
[[nodiscard]] std::string_view to_string(JobState state);
[[nodiscard]] constexpr bool is_terminal(JobState state) {
  return state == JobState::succeeded || state == JobState::failed || state == JobState::cancelled;
}

}  // namespace nanosim
