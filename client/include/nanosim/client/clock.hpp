#pragma once
// Time, injected: the client never reads a clock or sleeps except through a ClientClock,
// so tests drive waits with a clock whose sleep_for advances simulated time and returns at once.

#include <chrono>

namespace nanosim::client {

class ClientClock {
 public:
  virtual ~ClientClock() = default;
  /// Monotonic time; only differences matter.
  [[nodiscard]] virtual std::chrono::milliseconds now() = 0;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
  /// Calendar time, to read Retry-After HTTP dates.
  [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() { return std::chrono::system_clock::now(); }
};

/// std::chrono::steady_clock and a real sleep. The default.
class SteadyClientClock final : public ClientClock {
 public:
  [[nodiscard]] std::chrono::milliseconds now() override;
  void sleep_for(std::chrono::milliseconds duration) override;
};

}  // namespace nanosim::client
