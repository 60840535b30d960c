#pragma once
// Simulated time. Every job's state is a function of Clock::now(); nothing advances in the background.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace nanosim {

using Millis = std::chrono::milliseconds;

/// Milliseconds of simulated time since the simulator's epoch (Options::epoch_unix_ms).
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Millis now() const = 0;
  /// True when time only moves through advance() (tests); false for wall-clock time.
  [[nodiscard]] virtual bool manual() const = 0;
  /// Moves a manual clock forward; a real clock ignores it and returns false.
  virtual bool advance(Millis dt) = 0;
  /// Scale of simulated time to wall time (1 = real time, 10 = ten times faster). 0 for a manual clock.
  [[nodiscard]] virtual double time_scale() const = 0;
};

/// Time that moves only when told. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start = Millis{0}) : now_ms_(start.count()) {}
  [[nodiscard]] Millis now() const override { return Millis{now_ms_.load()}; }
  [[nodiscard]] bool manual() const override { return true; }
  bool advance(Millis dt) override;
  void set(Millis t) { now_ms_.store(t.count()); }
  [[nodiscard]] double time_scale() const override { return 0; }

 private:
  std::atomic<std::int64_t> now_ms_;
};

/// Wall-clock time since construction, optionally sped up (time_scale 10 = ten simulated seconds per second).
class RealClock final : public Clock {
 public:
  explicit RealClock(double time_scale = 1.0);
  [[nodiscard]] Millis now() const override;
  [[nodiscard]] bool manual() const override { return false; }
  bool advance(Millis) override { return false; }
  [[nodiscard]] double time_scale() const override { return time_scale_; }

 private:
  std::chrono::steady_clock::time_point start_;
  double time_scale_;
};

}  // namespace nanosim
