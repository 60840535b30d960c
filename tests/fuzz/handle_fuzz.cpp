// Fuzz target: Simulator::handle, every provider's routes, the admin API and the files route. An input is up to
// eight requests (fuzz_support.hpp's format) run in order against one simulator reset to its start state, so a
// crash reproduces from its file alone. "$JOB" and "$FILE" in a request's target, headers or body stand for the
// newest job's id and its first result file ("token.ext"), so a seed can submit, poll, fetch and cancel.
//
// Invariants beside "no crash, no sanitizer report": every answer has an HTTP status from 100 to 599, and no
// request ends in the simulator's internal error (an exception caught by handle(): a bug, never the client's fault).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_support.hpp"
#include "nanosim/simulator.hpp"

namespace {

using namespace nanosim;

Simulator& simulator() {
  static Simulator* sim = [] {
    Options options;
    options.seed = 7;
    options.journal_capacity = 256;
    options.image_cache_bytes = 64u << 20;
    return new Simulator(std::move(options));  // never destroyed: libFuzzer exits without unwinding
  }();
  return *sim;
}

void start_state(Simulator& sim) {
  for (const Scenario& scenario : sim.scenarios()) sim.remove_scenario(scenario.name);
  sim.reset();
}

/// "$JOB" / "$FILE" for the next request: the newest job and its first file, if any.
void fill_placeholders(Simulator& sim, std::string& text) {
  if (text.find('$') == std::string::npos) return;
  const auto jobs = sim.jobs();
  std::string job = jobs.empty() ? "none" : jobs.back().id;
  std::string file = "none.png";
  if (!jobs.empty() && !jobs.back().outputs.empty()) {
    const OutputFile& output = jobs.back().outputs.front();
    file = output.token + "." + std::string(images::file_extension(output.image.format));
  }
  fuzz::replace_all(text, "$JOB", job);
  fuzz::replace_all(text, "$FILE", file);
}

void check_answer(Simulator& sim, const HttpRequest& request, const HttpResponse& response, std::uint64_t seen) {
  if (response.status < 100 || response.status > 599) {
    fuzz::broken(request.method + " " + request.path + " answered HTTP " + std::to_string(response.status));
  }
  if (response.status == 500 && response.body.find("nanosim internal error") != std::string::npos) {
    fuzz::broken(request.method + " " + request.path + " hit the simulator's internal error: " + response.body);
  }
  for (const JournalEntry& entry : sim.journal().entries(seen)) {
    for (const std::string& note : entry.notes) {
      if (note.rfind("internal error: ", 0) == 0) fuzz::broken(entry.method + " " + entry.path + ": " + note);
    }
  }
}

}  // namespace

// The simulator (contracts compiled, adapters built) is made once, before the first input and outside its time limit.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  simulator();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Simulator& sim = simulator();
  start_state(sim);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const std::string_view part : fuzz::split_requests(input)) {
    std::string text(part);
    fill_placeholders(sim, text);
    const HttpRequest request = fuzz::parse_request(text);
    const auto entries = sim.journal().entries();
    const std::uint64_t seen = entries.empty() ? 0 : entries.back().sequence;
    const HttpResponse response = sim.handle(request);
    check_answer(sim, request, response, seen);
  }
  return 0;
}
