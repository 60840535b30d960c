// Google Benchmark microbenchmarks of the simulator's hot paths (release preset: NANOSIM_BUILD_BENCH):
//   build/release/bench/nanosim_bench [--benchmark_filter=REGEX]
// Benchmarks measure; they never assert a timing (the README's Performance section lists the targets).
// Images and the scaling runs (up to 1,000,000 jobs) live in images_bench.cpp and scale_bench.cpp.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "bench_support.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/journal.hpp"
#include "nanosim/simulator.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace {

using nanosim::HttpRequest;
using nanosim::HttpResponse;
using nanosim::bench::json;

const nanosim::contracts::Contract& odirouter() { return nanosim::contracts::get("odirouter"); }

void BM_RouteMatch(benchmark::State& state) {
  const auto& contract = odirouter();
  for (auto _ : state) {
    auto match = contract.match("GET", "/v1/queue/nano_banana_2/requests/0123456789abcdef0123/status");
    benchmark::DoNotOptimize(match);
  }
}
BENCHMARK(BM_RouteMatch);

void BM_ValidateSubmitBody(benchmark::State& state) {
  const auto& contract = odirouter();
  const auto& op = contract.operation("submit");
  const json body = nanosim::bench::submit_body();
  for (auto _ : state) {
    auto violations = contract.validate_request(op, body, "nano_banana_2");
    benchmark::DoNotOptimize(violations);
  }
}
BENCHMARK(BM_ValidateSubmitBody);

void BM_RenderErrorBody(benchmark::State& state) {
  const auto& contract = odirouter();
  const std::map<std::string, std::string> vars{{"request_id", "req_0123456789abcdef0123"}};
  for (auto _ : state) {
    HttpResponse response = contract.render_error("request_not_found", vars);
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_RenderErrorBody);

void BM_JournalAppend(benchmark::State& state) {
  nanosim::Journal journal(10'000);
  nanosim::JournalEntry entry;
  entry.method = "GET";
  entry.path = "/odirouter/v1/queue/nano_banana_2/requests/0123456789abcdef0123/status";
  entry.provider = "odirouter";
  entry.operation = "status";
  entry.job_id = "0123456789abcdef0123";
  entry.api_key = "bench-key";
  entry.status = 202;
  entry.response_body = std::string(300, 'x');
  for (auto _ : state) journal.record(entry);
}
BENCHMARK(BM_JournalAppend);

/// One status poll of a queued job (routing, auth, validation, the job lookup, rendering, journal).
void BM_StatusPoll(benchmark::State& state) {
  nanosim::Simulator sim(nanosim::bench::options());
  const std::string status = nanosim::bench::submit(sim).status_path;
  const HttpRequest poll = nanosim::bench::get(status);
  for (auto _ : state) benchmark::DoNotOptimize(sim.handle(poll));
}
BENCHMARK(BM_StatusPoll);

void BM_Submit(benchmark::State& state) {
  nanosim::Options options = nanosim::bench::options();
  options.finished_job_retention = 1'000;
  nanosim::Simulator sim(options);
  const HttpRequest submit = nanosim::bench::submit_request();
  std::int64_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sim.handle(submit));
    if (++n % 1'000 == 0) sim.advance(std::chrono::hours(1));  // keep the queue short: the submit alone is measured
  }
}
BENCHMARK(BM_Submit);

/// A full lifecycle: submit, poll (queued), the clock moves past the end, poll (completed), read the result. The
/// submit request is built once, as a test's fixture would; each poll's is built from the job's id.
template <typename Sim>
void lifecycle(benchmark::State& state, Sim& sim) {
  const HttpRequest submit = nanosim::bench::submit_request();
  for (auto _ : state) {
    const auto job = nanosim::bench::submit(sim, submit);
    benchmark::DoNotOptimize(sim.handle(nanosim::bench::get(job.status_path)));
    sim.advance(std::chrono::minutes(2));
    benchmark::DoNotOptimize(sim.handle(nanosim::bench::get(job.status_path)));
    benchmark::DoNotOptimize(sim.handle(nanosim::bench::get(job.result_path)));
  }
  state.counters["lifecycles/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_LifecycleRaw(benchmark::State& state) {
  nanosim::Simulator sim(nanosim::bench::options());
  lifecycle(state, sim);
}
BENCHMARK(BM_LifecycleRaw);

void BM_LifecycleContractChecked(benchmark::State& state) {
  nanosim::testkit::ScopedSimulator sim(nanosim::bench::options());
  lifecycle(state, sim);
}
BENCHMARK(BM_LifecycleContractChecked);

/// A simulator after the first in the process (contracts already loaded).
void BM_SimulatorConstructLater(benchmark::State& state) {
  { nanosim::Simulator warm(nanosim::bench::options()); }
  for (auto _ : state) {
    nanosim::Simulator sim(nanosim::bench::options());
    benchmark::DoNotOptimize(&sim);
  }
}
BENCHMARK(BM_SimulatorConstructLater);

/// The first simulator of a process: each iteration runs a fresh process of this program that builds one and
/// reports how long it took (process start-up itself is not counted). The time is the wall-clock one; the counter
/// cpu_ms is the building thread's CPU time, which a loaded machine does not inflate.
void BM_SimulatorConstructFirst(benchmark::State& state) {
  double cpu = 0;
  for (auto _ : state) {
    const auto measured = nanosim::bench::first_simulator_in_child();
    if (measured.wall_seconds < 0) {
      state.SkipWithError("the child process failed");
      break;
    }
    state.SetIterationTime(measured.wall_seconds);
    cpu += measured.cpu_seconds;
  }
  state.counters["cpu_ms"] = 1e3 * cpu / static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
}
BENCHMARK(BM_SimulatorConstructFirst)->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);

/// A cached result file served through the simulator (the image is rendered once, before the loop).
void BM_ServeCachedImage(benchmark::State& state) {
  nanosim::Simulator sim(nanosim::bench::options());
  const auto job = nanosim::bench::submit(sim, state.range(0) == 4 ? "4K" : "1K");
  sim.advance(std::chrono::minutes(5));
  const std::string file = nanosim::bench::first_file_path(sim.handle(nanosim::bench::get(job.result_path)));
  const HttpRequest download = nanosim::bench::get(file);
  benchmark::DoNotOptimize(sim.handle(download));  // renders and caches
  for (auto _ : state) benchmark::DoNotOptimize(sim.handle(download));
}
BENCHMARK(BM_ServeCachedImage)->Arg(1)->Arg(4)->ArgName("K");

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == nanosim::bench::first_simulator_flag) {
    return nanosim::bench::report_first_simulator();
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
