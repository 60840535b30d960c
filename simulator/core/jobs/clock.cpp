#include "nanosim/clock.hpp"

#include <stdexcept>

namespace nanosim {

// Throws std::invalid_argument for a negative step and std::overflow_error for one past the largest time the clock
// can hold (the admin API refuses such a step before it gets here: admin/routes.cpp, advance_by).
bool ManualClock::advance(Millis dt) {
  if (dt.count() < 0) throw std::invalid_argument("ManualClock::advance: time cannot move backwards");
  std::int64_t now = now_ms_.load();
  std::int64_t then = 0;
  do {
    if (__builtin_add_overflow(now, dt.count(), &then)) {
      throw std::overflow_error("ManualClock::advance: the clock would overflow");
    }
  } while (!now_ms_.compare_exchange_weak(now, then));
  return true;
}

RealClock::RealClock(double time_scale) : start_(std::chrono::steady_clock::now()), time_scale_(time_scale) {
  if (!(time_scale > 0)) throw std::invalid_argument("RealClock: time scale must be positive");
}

Millis RealClock::now() const {
  const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start_;
  return Millis{static_cast<std::int64_t>(elapsed.count() * time_scale_)};
}

}  // namespace nanosim
