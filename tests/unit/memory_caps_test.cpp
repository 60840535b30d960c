// What each bounded store costs in memory, measured as heap bytes in use (mallinfo2) per item once the store is
// full and the simulator keeps going, and that the heap stops growing at the cap. Hidden (it makes 20,000 jobs):
//   build/dev/tests/nanosim_unit_tests "[.memory]" -s
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

/// Submits `count` odirouter jobs and lets each finish (the manual clock moves past their run).
void finished_jobs(nanosim::Simulator& simulator, int count, int first = 0) {
  for (int i = 0; i < count; ++i) {
    const auto answer = simulator.handle(json_request(
        "POST", "/odirouter/v1/queue/nano_banana_2",
        {{"prompt", "A red apple on a white table, clean studio lighting, take " + std::to_string(first + i)}}));
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
    options.journal_capacity = jobs;
    options.usage_capacity = 1;
    options.finished_job_retention = 1;
    nanosim::Simulator simulator(options);
    finished_jobs(simulator, 100);
    const std::size_t before = heap_in_use();
    finished_jobs(simulator, jobs, 100);
    const double per_entry = static_cast<double>(heap_in_use() - before) / jobs;

    auto usage_options = options;
    usage_options.journal_capacity = 1;
    usage_options.usage_capacity = jobs;
    nanosim::Simulator with_usage(usage_options);
    finished_jobs(with_usage, 100);
    const std::size_t usage_before = heap_in_use();
    finished_jobs(with_usage, jobs, 100);
    const double per_record = static_cast<double>(heap_in_use() - usage_before) / jobs;
    WARN("a journal entry (an odirouter submit, bodies cut at " << options.journal_body_limit << " bytes): " << per_entry
                                                                << " bytes; a usage record: " << per_record << " bytes");
    CHECK(per_entry < 8192);
    CHECK(per_record < 1024);
  }
}
