// What each bounded store costs in memory, measured as heap bytes in use (mallinfo2) per item once the store is
// full and the simulator keeps going, and that the heap stops growing at the cap. Hidden (it makes 20,000 jobs):
//   build/dev/tests/nanosim_e2e_tests "[.memory]" -s
// The README's "Guarantees" table quotes its figures.
#include <catch2/catch.hpp>

#include <malloc.h>

#include <string>

#include "nanosim/simulator.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace {

using nanosim::testkit::json_request;
using nanosim::testkit::request;

std::size_t heap_in_use() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

/// Submits `count` bananapro tasks (sold by credits: each is also a usage record) and lets each finish (the
/// manual clock moves past their run).
void finished_jobs(nanosim::Simulator& simulator, int count, int first = 0) {
  for (int i = 0; i < count; ++i) {
    const auto answer = simulator.handle(json_request(
        "POST", "/bananapro/api/v1/images/generate",
        {{"model", "nano-banana"},
         {"prompt", "A red apple on a white table, clean studio lighting, take " + std::to_string(first + i)},
         {"aspect_ratio", "16:9"}}));
    REQUIRE(answer.status == 200);
    if (i % 64 == 63) simulator.advance(nanosim::Millis{600'000});
  }
  simulator.advance(nanosim::Millis{600'000});
}

}  // namespace

TEST_CASE("Memory per retained finished job, journal entry and usage record, and flat heap at the caps", "[.memory]") {
  constexpr int jobs = 20'000;
  SECTION("a retained finished job costs at most 2 KiB (journal and usage kept to one item)") {
    auto options = nanosim::testkit::deterministic_options();
    options.workers = 64;
    options.default_credits = 1'000'000'000;
    options.journal_capacity = 1;
    options.usage_capacity = 1;
    options.finished_job_retention = jobs;
    nanosim::Simulator simulator(options);
    finished_jobs(simulator, 100);  // warm: contracts compiled, pools made
    const std::size_t before = heap_in_use();
    finished_jobs(simulator, jobs, 100);
    const double per_job = static_cast<double>(heap_in_use() - before) / jobs;
    // Past the cap: the same number again must not grow the heap (the oldest are forgotten).
    const std::size_t full = heap_in_use();
    finished_jobs(simulator, jobs, 100 + jobs);
    const double growth = static_cast<double>(heap_in_use()) - static_cast<double>(full);
    WARN("a retained finished job: " << per_job << " bytes; heap change after " << jobs
                                     << " more jobs past the cap: " << growth / 1024 << " KiB");
    CHECK(per_job <= 2048);
    CHECK(growth < 0.05 * static_cast<double>(full - before));
  }
  SECTION("journal entries and usage records") {
    auto options = nanosim::testkit::deterministic_options();
    options.workers = 64;
    options.default_credits = 1'000'000'000;
    options.usage_capacity = 1;
    options.finished_job_retention = 1;
    const auto cost_per_item = [&](nanosim::Options tuned) {
      nanosim::Simulator simulator(tuned);
      finished_jobs(simulator, 100);
      const auto before = static_cast<double>(heap_in_use());
      finished_jobs(simulator, jobs, 100);
      INFO("journal " << simulator.journal().size() << ", usage " << simulator.usage().size());
      CHECK(simulator.journal().size() + simulator.usage().size() > static_cast<std::size_t>(jobs));
      return (static_cast<double>(heap_in_use()) - before) / jobs;
    };
    auto journal_options = options;
    journal_options.journal_capacity = jobs + 200;
    const double per_entry = cost_per_item(journal_options);
    auto usage_options = options;
    usage_options.journal_capacity = 1;
    usage_options.usage_capacity = jobs + 200;
    const double per_record = cost_per_item(usage_options);
    WARN("a journal entry (a bananapro task created, bodies cut at " << options.journal_body_limit << " bytes): " << per_entry
                                                                << " bytes; a usage record: " << per_record << " bytes");
    CHECK(per_entry < 8192);
    CHECK(per_record < 1024);
  }
}
