// Fuzz target: the scenario loader (parse_scenario_text), fed any text. It either gives a scenario or throws
// ScenarioError naming the field; anything else (another exception, a crash, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz_support.hpp"
#include "nanosim/scenario.hpp"

// The scenario format's schema and the contracts are compiled once, before the first input and outside its time
// limit, by loading one catalog entry.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)nanosim::load_scenario("rate-limited");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nanosim::Scenario scenario = nanosim::parse_scenario_text(text);
    if (scenario.name.empty()) nanosim::fuzz::broken("a scenario was accepted without a name");
  } catch (const nanosim::ScenarioError&) {
    // refused, as it should be
  } catch (const std::exception& e) {
    nanosim::fuzz::broken(std::string("parse_scenario_text threw something other than ScenarioError: ") + e.what());
  }
  return 0;
}
