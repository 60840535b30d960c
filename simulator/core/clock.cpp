#include "nanosim/clock.hpp"

#include <stdexcept>

namespace nanosim {

bool ManualClock::advance(Millis dt) {
  if (dt.count() < 0) throw std::invalid_argument("ManualClock::advance: time cannot move backwards");
  now_ms_.fetch_add(dt.count());
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
