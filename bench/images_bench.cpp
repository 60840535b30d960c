// Image rendering per format and size (Google Benchmark), with the rendered bytes decoded once to check them:
//   build/release/bench/nanosim_images_bench [--benchmark_filter=REGEX]
// The counters give the encoded size; the decode time of each image is its own benchmark.

#include <benchmark/benchmark.h>

#include <string>

#include "nanosim/images.hpp"

namespace {

namespace img = nanosim::images;

struct Size {
  int width, height;
};
// Every size tier at 1:1, 1K and 4K also at 16:9, and the widest 4K the providers document (8:1, the most pixels).
constexpr Size sizes[] = {{512, 512},  {1024, 1024}, {1376, 768},  {2048, 2048},
                          {4096, 4096}, {5504, 3072}, {12288, 1536}};
constexpr int k1K = 1, k4K = 4;  // indices in sizes
constexpr img::Format formats[] = {img::Format::png, img::Format::jpeg, img::Format::webp};

img::ImageSpec spec_of(const benchmark::State& state) {
  const Size size = sizes[state.range(1)];
  return {size.width, size.height, formats[state.range(0)], 90, 42};
}

std::string label(const img::ImageSpec& spec) {
  return std::string(img::to_string(spec.format)) + " " + std::to_string(spec.width) + "x" +
         std::to_string(spec.height);
}

void BM_Render(benchmark::State& state) {
  const img::ImageSpec spec = spec_of(state);
  state.SetLabel(label(spec));
  std::string bytes;
  for (auto _ : state) {
    bytes = img::render(spec);
    benchmark::DoNotOptimize(bytes.data());
  }
  const auto decoded = img::decode(bytes);
  if (!decoded || decoded->width != spec.width || decoded->height != spec.height || decoded->format != spec.format) {
    state.SkipWithError("the rendered image does not decode to its spec");
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

void BM_Decode(benchmark::State& state) {
  const img::ImageSpec spec = spec_of(state);
  state.SetLabel(label(spec));
  const std::string bytes = img::render(spec);
  for (auto _ : state) benchmark::DoNotOptimize(img::decode(bytes));
}

void BM_CacheHit(benchmark::State& state) {
  const img::ImageSpec spec = spec_of(state);
  state.SetLabel(label(spec));
  img::Cache cache;
  benchmark::DoNotOptimize(cache.get(spec));
  for (auto _ : state) benchmark::DoNotOptimize(cache.get(spec));
}

void all_sizes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"format", "size"})->Unit(benchmark::kMillisecond);
  for (int f = 0; f < 3; ++f) {
    for (int s = 0; s < static_cast<int>(std::size(sizes)); ++s) bench->Args({f, s});
  }
}

BENCHMARK(BM_Render)->Apply(all_sizes);
BENCHMARK(BM_Decode)->Apply(all_sizes);
BENCHMARK(BM_CacheHit)->Args({0, k4K})->Args({2, k4K})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
