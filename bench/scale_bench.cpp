// How poll and submit costs and memory grow with the number of jobs (10 to 1,000,000), in process:
//   build/release/bench/nanosim_scale_bench [--benchmark_filter=REGEX]
// Setting up a million jobs takes a while: each size is built once per benchmark, outside the timed loop.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "bench_support.hpp"

namespace {

using namespace std::chrono_literals;

/// Resident set size of this process, in bytes (Linux /proc/self/statm).
double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

/// A simulator with `queued` odirouter jobs waiting behind one worker whose job never ends, so they stay queued.
std::unique_ptr<nanosim::Simulator> with_queue(std::int64_t queued) {
  nanosim::Options options = nanosim::bench::options();
  options.workers = 1;
  options.fate_policy = [](const nanosim::JobSpec&, std::uint64_t) {
    nanosim::JobFate fate;
    fate.run_time_override = std::chrono::duration_cast<nanosim::Millis>(24h * 365);
    return fate;
  };
  options.finished_job_retention = static_cast<std::size_t>(queued) + 1'000'000;
  options.journal_capacity = 1'000;
  auto sim = std::make_unique<nanosim::Simulator>(options);
  for (std::int64_t i = 0; i < queued; ++i) nanosim::bench::submit(*sim);
  return sim;
}

/// The status poll of the last job of a queue of state.range(0) jobs.
void BM_PollWithQueued(benchmark::State& state) {
  const auto sim = with_queue(state.range(0));
  const auto job = nanosim::bench::submit(*sim);
  const nanosim::HttpRequest poll = nanosim::bench::get(job.status_path);
  for (auto _ : state) benchmark::DoNotOptimize(sim->handle(poll));
}
BENCHMARK(BM_PollWithQueued)->RangeMultiplier(100)->Range(10, 1'000'000)->Unit(benchmark::kMicrosecond);

/// One more submit at the end of a queue of state.range(0) jobs (the queue grows by the iterations, a small fraction).
void BM_SubmitWithQueued(benchmark::State& state) {
  const auto sim = with_queue(state.range(0));
  const nanosim::HttpRequest submit = nanosim::bench::submit_request();
  for (auto _ : state) benchmark::DoNotOptimize(sim->handle(submit));
}
BENCHMARK(BM_SubmitWithQueued)->RangeMultiplier(100)->Range(10, 1'000'000)->Unit(benchmark::kMicrosecond);

/// Memory per finished job kept for lookup (Options::finished_job_retention), images and journal excluded:
/// the RSS growth over state.range(0) finished jobs (a small journal, no image rendered).
void BM_RetainedFinishedJobMemory(benchmark::State& state) {
  const std::int64_t jobs = state.range(0);
  for (auto _ : state) {
    nanosim::Options options = nanosim::bench::options();
    options.finished_job_retention = static_cast<std::size_t>(jobs);
    options.journal_capacity = 100;
    options.usage_capacity = 100;
    options.workers = 64;
    const double before = rss_bytes();
    auto sim = std::make_unique<nanosim::Simulator>(options);
    for (std::int64_t i = 0; i < jobs; ++i) {
      nanosim::bench::submit(*sim);
      if (i % 10'000 == 9'999) sim->advance(1h);
    }
    sim->advance(24h);
    benchmark::DoNotOptimize(sim.get());
    state.counters["bytes/job"] = (rss_bytes() - before) / static_cast<double>(jobs);
  }
}
BENCHMARK(BM_RetainedFinishedJobMemory)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
