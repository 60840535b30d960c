#include "nanosim/client/clock.hpp"

#include <thread>

namespace nanosim::client {

std::chrono::milliseconds SteadyClientClock::now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

void SteadyClientClock::sleep_for(std::chrono::milliseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

}  // namespace nanosim::client
